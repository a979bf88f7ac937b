/**
 * callbench/msw in a user's suite, the fetch path: openai-node and a plain fetch of Deepgram REST
 * speak, intercepted by msw's setupServer, answered by the mocks' own handlers (script, profile,
 * faults) with no port and no CLI.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import OpenAI, { RateLimitError } from 'openai';
import { createMswMocks, createSystemClock } from '../../harness/api/msw.ts';
import { synthesizeMulaw } from '../../harness/audio/index.ts';

const USER_TEXT = 'What time do you open tomorrow?';
const REPLY = 'We open at nine tomorrow morning.';

const mocks = createMswMocks({ clock: createSystemClock(), profile: 'instant', seed: 7 });
const server = setupServer(...mocks.handlers);
// openai-node keeps the global fetch it finds when the client is made: make it after listen().
let openai: OpenAI;
beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  openai = new OpenAI({ apiKey: mocks.env.OPENAI_API_KEY, baseURL: mocks.env.OPENAI_BASE_URL, maxRetries: 0 });
});
afterEach(() => mocks.close());
afterAll(() => server.close());

describe('callbench/msw over fetch', () => {
  it('streams the scripted chat reply to openai-node token by token', async () => {
    mocks.script.register({ id: 'hours', transcript: USER_TEXT, audio: synthesizeMulaw(USER_TEXT), reply: REPLY });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: USER_TEXT }], stream: true });
    const deltas: string[] = [];
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) deltas.push(content);
    }
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(REPLY);
    const whole = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: USER_TEXT }] });
    expect(whole.choices[0]?.message.content).toBe(REPLY);
  });

  it("answers a call's armed fault as the localhost mock does: a 429 on its first chat request", async () => {
    mocks.calls.open('call-429');
    mocks.faults.arm('call-429', [{ type: 'http_error', service: 'openai.chat', status: 429, requests: [1] }]);
    const request = (): Promise<unknown> =>
      openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: USER_TEXT }] }, { headers: { 'x-callbench-call': 'call-429' } });
    await expect(request()).rejects.toBeInstanceOf(RateLimitError);
    await expect(request()).resolves.toBeDefined();
  });

  it('refuses a wrong key as the API does', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong', baseURL: mocks.env.OPENAI_BASE_URL, maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 401 });
  });

  it('speaks text through Deepgram REST speak: μ-law audio as long as the speech, with the dg-* headers', async () => {
    const response = await fetch(`${mocks.env.DEEPGRAM_API_URL}/v1/speak?encoding=mulaw&sample_rate=8000&container=none`, {
      method: 'POST',
      headers: { authorization: `Token ${mocks.env.DEEPGRAM_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: REPLY }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/mulaw;rate=8000');
    expect(response.headers.get('dg-char-count')).toBe(String(REPLY.length));
    const audio = new Uint8Array(await response.arrayBuffer());
    // The mock's synthesis of the same text, 8 bytes a ms at 8 kHz μ-law.
    expect(audio.length).toBe(synthesizeMulaw(REPLY).length);
    const done = mocks.journal.entries().filter((e) => e.service === 'deepgram.speak.rest' && e.kind === 'done');
    expect(done).toHaveLength(1);
  });

  it('answers a bad Deepgram key with its JSON error', async () => {
    const response = await fetch(`${mocks.env.DEEPGRAM_API_URL}/v1/speak`, {
      method: 'POST',
      headers: { authorization: 'Token nope', 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello' }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ err_code: 'INVALID_AUTH' });
  });
});
