/**
 * Deepgram live listen over the `ws` package, which msw does not intercept: startMocks() serves
 * the same mocks on 127.0.0.1 (port 0), and mocks.env points the client there. The mock
 * recognises the caller's audio by the fixtures registered in its script.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DeepgramClient } from '@deepgram/sdk';
import { createSystemClock, PROFILES, startMocks } from 'callbench/mocks';
import { loadFixture } from 'callbench/scenario';
import { openListen, upstreamsFrom } from '../src/upstreams.mjs';

const FIXTURES = fileURLToPath(new URL('../scenarios/fixtures/', import.meta.url));

let mocks;
let fixture;
beforeAll(async () => {
  mocks = await startMocks({ clock: createSystemClock(), profile: PROFILES.instant, seed: 1 });
  fixture = await loadFixture(FIXTURES, 'where-order');
  mocks.script.register({ id: fixture.id, transcript: fixture.text, audio: fixture.audio });
});
afterAll(() => mocks?.close());

/** The final transcripts of `messages`, as the agent joins them into what the caller said. */
const finals = (messages) => messages.filter((m) => m.type === 'Results' && m.is_final).map((m) => m.channel.alternatives[0].transcript);

it("the agent's listen socket hears the fixture: final Results with its words, the last one speech_final", async () => {
  const listen = openListen(upstreamsFrom(mocks.env));
  const messages = [];
  listen.on('message', (data) => messages.push(JSON.parse(data.toString())));
  listen.on('open', () => {
    // 20 ms frames, as Twilio sends them, then the end of the stream.
    for (let at = 0; at < fixture.audio.length; at += 160) listen.send(fixture.audio.subarray(at, at + 160));
    listen.send(JSON.stringify({ type: 'CloseStream' }));
  });
  const code = await new Promise((resolve, reject) => {
    listen.on('close', resolve);
    listen.on('error', reject);
  });
  expect(code).toBe(1000);
  // Without punctuate or smart_format Deepgram sends bare lowercase words, and so does the mock.
  expect(finals(messages).join(' ')).toBe('hi can you tell me where my order is');
  expect(messages.filter((m) => m.type === 'Results').at(-1).speech_final).toBe(true);
});

it('@deepgram/sdk: listen Results for the fixture, and speak audio for the reply', async () => {
  const deepgram = new DeepgramClient({ apiKey: mocks.env.DEEPGRAM_API_KEY, baseUrl: mocks.env.DEEPGRAM_API_URL });
  const socket = await deepgram.listen.v1.connect({ model: 'nova-3', encoding: 'mulaw', sample_rate: 8000, endpointing: 300, smart_format: 'true', reconnectAttempts: 0 });
  const messages = [];
  socket.on('message', (message) => messages.push(message));
  const closed = new Promise((resolve) => socket.on('close', resolve));
  socket.connect();
  await socket.waitForOpen();
  for (let at = 0; at < fixture.audio.length; at += 160) socket.sendMedia(fixture.audio.subarray(at, at + 160));
  socket.sendCloseStream({ type: 'CloseStream' });
  await closed;
  expect(finals(messages).join(' ')).toBe(fixture.text);

  const speech = await deepgram.speak.v1.audio.generate({ text: 'It arrives tomorrow.', model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: 8000, container: 'none' });
  const audio = new Uint8Array(await new Response(speech.stream()).arrayBuffer());
  expect(audio.length).toBeGreaterThan(0);
});
