/**
 * The reply, over fetch: msw's setupServer with callbench's http handlers answers OpenAI chat
 * completions with the scripted reply and Deepgram REST speak with its audio, at the URLs the
 * clients use anyway (https://api.openai.com/v1, https://api.deepgram.com). No port, no CLI.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import OpenAI from 'openai';
import { createMswMocks, createSystemClock } from 'callbench/msw';
import { loadFixture } from 'callbench/scenario';
import { chat, speak, upstreamsFrom } from '../src/upstreams.mjs';

const FIXTURES = fileURLToPath(new URL('../scenarios/fixtures/', import.meta.url));
const REPLY = 'Your order left our warehouse this morning. It should reach you tomorrow before noon.';

const mocks = createMswMocks({ clock: createSystemClock(), profile: 'instant', seed: 1 });
const server = setupServer(...mocks.http);
let question;
beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  // The caller's question as the order-status scenario asks it, and the reply the mock LLM gives to it.
  const fixture = await loadFixture(FIXTURES, 'where-order');
  question = fixture.text;
  mocks.script.register({ id: fixture.id, transcript: fixture.text, audio: fixture.audio, reply: REPLY });
});
afterEach(() => mocks.close());
afterAll(() => server.close());

it('openai-node streams the scripted reply, token by token', async () => {
  // openai-node keeps the fetch it finds when made: make the client after server.listen().
  const openai = new OpenAI({ apiKey: mocks.env.OPENAI_API_KEY, baseURL: mocks.env.OPENAI_BASE_URL, maxRetries: 0 });
  const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: question }], stream: true });
  const deltas = [];
  for await (const chunk of stream) if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
  expect(deltas.length).toBeGreaterThan(1);
  expect(deltas.join('')).toBe(REPLY);
});

it("the agent's chat() streams the scripted reply and speak() gets every byte of its audio", async () => {
  const upstreams = upstreamsFrom(mocks.env);
  let reply = '';
  for await (const delta of chat(upstreams, [{ role: 'user', content: question }])) reply += delta;
  expect(reply).toBe(REPLY);

  let bytes = 0;
  for await (const audio of speak(upstreams, reply)) bytes += audio.length;
  const sent = mocks.journal.entries().find((e) => e.service === 'deepgram.speak.rest' && e.kind === 'done');
  expect(bytes).toBeGreaterThan(0);
  expect(bytes).toBe(sent?.data.bytes);
});
