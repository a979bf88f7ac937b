/**
 * Mock Deepgram listen, driven by the official SDK (@deepgram/sdk v5) over a real socket.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeepgramClient } from '@deepgram/sdk';
import WebSocket from 'ws';
import { MULAW_SILENCE, synthesizeMulaw } from '../../harness/audio/index.ts';
import type { LatencyProfile } from '../../harness/mocks/profiles.ts';
import { createTestContext, fixedProfile, TEST_API_KEY } from './helpers/mock-context.ts';
import { startDeepgramMock } from '../../harness/mocks/deepgram/server.ts';
import { IDLE_TIMEOUT_MS } from '../../harness/mocks/deepgram/listen.ts';
import { createManualClock } from '../../harness/clock.ts';
import { createMockContext } from '../../harness/mocks/start-mocks.ts';
import type { MockContext, MockServer } from '../../harness/mocks/context.ts';
import { ListenServerMessage } from '../../harness/protocol/deepgram.ts';
import { watchLoopStalls } from './helpers/loop-stalls.ts';
// Upper bounds on wall-clock latencies add the worst event-loop stall seen (helpers/loop-stalls.ts).
const stalls = watchLoopStalls();

const KEY = TEST_API_KEY;
const TEXT = 'What are your opening hours on Saturday?';
const withLag = (ms: number) => fixedProfile({ 'stt.result_lag_ms': ms });
const context = (profile: LatencyProfile): MockContext => createTestContext(profile);

const silence = (ms: number): Uint8Array => new Uint8Array(ms * 8).fill(MULAW_SILENCE);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

type Message = ListenServerMessage & { receivedAt: number };

async function openListen(url: string, key = KEY, extra: Record<string, unknown> = {}) {
  const client = new DeepgramClient({ apiKey: key, baseUrl: url });
  const socket = await client.listen.v1.connect({
    model: 'nova-3',
    encoding: 'mulaw',
    sample_rate: 8000,
    channels: 1,
    interim_results: 'true',
    endpointing: 300,
    utterance_end_ms: 1000,
    vad_events: 'true',
    smart_format: 'true',
    reconnectAttempts: 0,
    ...extra,
  } as Parameters<typeof client.listen.v1.connect>[0]);
  const messages: Message[] = [];
  const closed = new Promise<number>((resolve) => socket.on('close', (event) => resolve(event.code)));
  socket.on('message', (message) => {
    const parsed = ListenServerMessage.safeParse(message);
    if (!parsed.success) throw new Error(`unexpected message: ${JSON.stringify(message)}`);
    messages.push({ ...parsed.data, receivedAt: performance.timeOrigin + performance.now() });
  });
  socket.connect();
  await socket.waitForOpen();
  return { socket, messages, closed };
}

/** Sends audio in 20 ms frames, `speedup` times faster than real time; returns each frame's send time. */
async function stream(socket: { sendMedia(data: ArrayBufferView): void }, audio: Uint8Array, speedup = 4): Promise<number[]> {
  const sentAt: number[] = [];
  for (let offset = 0; offset < audio.length; offset += 160) {
    socket.sendMedia(audio.subarray(offset, offset + 160));
    sentAt.push(performance.timeOrigin + performance.now());
    await new Promise((resolve) => setTimeout(resolve, 20 / speedup));
  }
  return sentAt;
}

const until = async (predicate: () => boolean, timeoutMs = 5000): Promise<void> => {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('mock Deepgram listen', () => {
  let ctx: MockContext;
  let server: MockServer;

  beforeEach(async () => {
    ctx = context(withLag(0));
    server = await startDeepgramMock(ctx);
  });
  afterEach(async () => {
    await server.close();
  });

  it('recognises a registered utterance: SpeechStarted, interim, speech_final, UtteranceEnd', async () => {
    const speech = synthesizeMulaw(TEXT);
    ctx.script.register({ id: 'hours', transcript: TEXT, audio: speech });
    const { socket, messages } = await openListen(server.url);
    await stream(socket, concat(silence(300), speech, silence(1600)));
    await until(() => messages.some((m) => m.type === 'UtteranceEnd'));

    const types = messages.map((m) => m.type);
    expect(types[0]).toBe('SpeechStarted');
    const results = messages.filter((m) => m.type === 'Results');
    const interim = results.filter((m) => m.is_final === false);
    const finals = results.filter((m) => m.is_final === true);
    expect(interim.length).toBeGreaterThan(0);
    expect(finals).toHaveLength(1);
    const final = finals[0];
    expect(final?.speech_final).toBe(true);
    expect(final?.channel.alternatives[0]?.transcript).toBe(TEXT);
    expect(final?.channel.alternatives[0]?.words.map((w) => w.punctuated_word).join(' ')).toBe(TEXT);
    // SpeechStarted marks the onset on the audio timebase: 300 ms of leading silence.
    const started = messages[0];
    expect(started?.type === 'SpeechStarted' && started.timestamp).toBeCloseTo(0.3, 1);
    // Results tile the audio from 0; the final ends endpointing (300 ms) after the speech.
    expect(final?.start).toBe(0);
    const speechEnd = 0.3 + speech.length / 8000;
    // The synthetic voice ends on a silent '.' (66 ms), so the last voiced audio is slightly earlier.
    expect((final?.start ?? 0) + (final?.duration ?? 0)).toBeGreaterThanOrEqual(speechEnd - 0.066 + 0.29);
    expect((final?.start ?? 0) + (final?.duration ?? 0)).toBeLessThan(speechEnd + 0.45);
    const end = messages.find((m) => m.type === 'UtteranceEnd');
    expect(end?.type === 'UtteranceEnd' && end.last_word_end).toBeGreaterThan(speechEnd - 0.2);
    expect(types.indexOf('UtteranceEnd')).toBeGreaterThan(types.lastIndexOf('Results'));
    socket.close();
  });

  it('gives an empty transcript for sound it was not told about', async () => {
    const { socket, messages } = await openListen(server.url);
    await stream(socket, concat(silence(200), synthesizeMulaw('Something nobody registered at all.'), silence(500)));
    await until(() => messages.some((m) => m.type === 'Results' && m.speech_final === true));
    const final = messages.find((m) => m.type === 'Results' && m.speech_final === true);
    expect(final?.type === 'Results' && final.channel.alternatives[0]?.transcript).toBe('');
    socket.close();
  });

  it('Finalize flushes a final with from_finalize; CloseStream sends Metadata and closes 1000', async () => {
    const speech = synthesizeMulaw(TEXT);
    ctx.script.register({ id: 'hours', transcript: TEXT, audio: speech });
    const { socket, messages, closed } = await openListen(server.url);
    await stream(socket, concat(silence(200), speech.subarray(0, 8000)));
    socket.sendFinalize({ type: 'Finalize' });
    await until(() => messages.some((m) => m.type === 'Results' && m.from_finalize === true));
    const flushed = messages.find((m) => m.type === 'Results' && m.from_finalize === true);
    expect(flushed?.type === 'Results' && flushed.is_final).toBe(true);
    expect(flushed?.type === 'Results' && flushed.channel.alternatives[0]?.transcript.length).toBeGreaterThan(0);
    socket.sendCloseStream({ type: 'CloseStream' });
    expect(await closed).toBe(1000);
    const metadata = messages.at(-1);
    expect(metadata?.type).toBe('Metadata');
    expect(metadata?.type === 'Metadata' && metadata.duration).toBeCloseTo(1.2, 1);
  });

  it('refuses a wrong key at the upgrade with 401, dg-error and dg-request-id', async () => {
    const ws = new WebSocket(`${server.url.replace('http:', 'ws:')}/v1/listen?encoding=mulaw&sample_rate=8000`, {
      headers: { authorization: 'Token wrong' },
    });
    const refusal = await new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      ws.on('open', () => reject(new Error('upgrade accepted')));
    });
    expect(refusal.status).toBe(401);
    expect(refusal.headers['dg-error']).toBeTruthy();
    expect(refusal.headers['dg-request-id']).toBeTruthy();
    expect(ctx.journal.entries().filter((e) => e.kind === 'open')).toHaveLength(0);
  });

  it('refuses utterance_end_ms without interim_results at the upgrade (400)', async () => {
    const ws = new WebSocket(`${server.url.replace('http:', 'ws:')}/v1/listen?encoding=mulaw&sample_rate=8000&utterance_end_ms=1000`, {
      headers: { authorization: `Token ${KEY}` },
    });
    const status = await new Promise<number>((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('upgrade accepted')));
    });
    expect(status).toBe(400);
  });

  it('sends each result the profile’s lag after the audio it covers arrived', async () => {
    await server.close();
    ctx = context(withLag(150));
    server = await startDeepgramMock(ctx);
    const speech = synthesizeMulaw(TEXT);
    ctx.script.register({ id: 'hours', transcript: TEXT, audio: speech });
    const { socket, messages } = await openListen(server.url);
    const sentAt = await stream(socket, concat(silence(200), speech, silence(600)), 1);
    await until(() => messages.some((m) => m.type === 'Results' && m.speech_final === true));
    const final = messages.find((m) => m.type === 'Results' && m.speech_final === true);
    if (final?.type !== 'Results') throw new Error('no final');
    // The frame that completed the audio this final covers; the result cannot leave before it arrived plus 150 ms.
    const frame = Math.ceil(((final.start + final.duration) * 1000) / 20) - 1;
    const covered = sentAt[frame] ?? NaN;
    expect(final.receivedAt - covered).toBeGreaterThanOrEqual(150 - 1);
    expect(final.receivedAt - covered).toBeLessThan(150 + 150 + stalls.maxMs());
    socket.close();
  });

  it('accepts the key as the `token` sub-protocol (browser and Node ≥ 22 clients) and echoes it', async () => {
    const ws = new WebSocket(`${server.url.replace('http:', 'ws:')}/v1/listen?encoding=mulaw&sample_rate=8000`, ['token', KEY]);
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    });
    expect(ws.protocol).toBe('token');
    ws.close();
  });

  it('answers a text frame it cannot read (close 1008), rather than ignoring it, and journals the refusal', async () => {
    const ws = new WebSocket(`${server.url.replace('http:', 'ws:')}/v1/listen?encoding=mulaw&sample_rate=8000`, { headers: { authorization: `Token ${KEY}` } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.send('{"type":"KeepAlive"}');
    ws.send('not json at all');
    expect(await closed).toMatchObject({ code: 1008, reason: expect.stringContaining('not a control message') });
    // The server journals its side of the close once the closing handshake is done.
    await expect.poll(() => ctx.journal.entries().filter((e) => e.service === 'deepgram.listen').map((e) => e.kind)).toEqual(['open', 'KeepAlive', 'invalid', 'refused', 'close']);
  });

  it('closes 1011 with the NET-0001 sentence after 10 s without audio or messages', async () => {
    // On a manual clock: the idle timer is the mock's, so 10 s pass when the test says so.
    const clock = createManualClock(1_000_000);
    const idle = await startDeepgramMock(createMockContext({ clock, profile: withLag(0), seed: 1, apiKey: KEY }));
    try {
      const ws = new WebSocket(`${idle.url.replace('http:', 'ws:')}/v1/listen?encoding=mulaw&sample_rate=8000`, { headers: { authorization: `Token ${KEY}` } });
      const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), at: clock.now() })));
      await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
      clock.advance(IDLE_TIMEOUT_MS - 1);
      // Still open a millisecond before the timeout: a round trip proves the server did not close it.
      ws.ping();
      await new Promise<void>((resolve) => ws.once('pong', () => resolve()));
      clock.advance(1);
      const result = await closed;
      expect(result.code).toBe(1011);
      expect(result.reason).toMatch(/dpgr\.am\/net0001/);
      expect(result.at).toBe(1_000_000 + IDLE_TIMEOUT_MS);
    } finally {
      await idle.close();
    }
  });
});
