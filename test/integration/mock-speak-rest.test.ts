/**
 * The mock Deepgram REST speak endpoint (POST /v1/speak), driven by the official @deepgram/sdk v5
 * client (`speak.v1.audio.generate`) against the real localhost server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DeepgramClient, DeepgramError } from '@deepgram/sdk';
import { readWav, speechDurationMs } from '../../harness/audio/index.ts';
import type { MockContext, MockServer } from '../../harness/mocks/context.ts';
import { startDeepgramMock } from '../../harness/mocks/deepgram/server.ts';
import { SPEAK_REST_TOO_LONG_STATUS } from '../../harness/mocks/deepgram/speak-rest.ts';
import { createTestContext, fixedProfile, TEST_API_KEY } from './helpers/mock-context.ts';

const TEXT = 'We are open from nine until five on Saturday.';
const servers: MockServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function start(options: { firstByteMs?: number; speedup?: number } = {}): Promise<{ ctx: MockContext; client: DeepgramClient; url: string }> {
  const ctx = createTestContext(fixedProfile({ 'tts.rest_first_byte_ms': options.firstByteMs ?? 0 }, options.speedup ?? 1000));
  const server = await startDeepgramMock(ctx);
  servers.push(server);
  return { ctx, url: server.url, client: new DeepgramClient({ apiKey: TEST_API_KEY, baseUrl: server.url, headers: { 'x-callbench-call': 'CA-rest-test' } }) };
}

async function readAll(stream: ReadableStream<Uint8Array> | null): Promise<{ bytes: Buffer; chunkTimes: number[] }> {
  const chunks: Uint8Array[] = [];
  const chunkTimes: number[] = [];
  if (stream === null) return { bytes: Buffer.alloc(0), chunkTimes };
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunkTimes.push(performance.now());
    chunks.push(value);
  }
  return { bytes: Buffer.concat(chunks), chunkTimes };
}

async function errorOf(promise: Promise<unknown>): Promise<DeepgramError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DeepgramError) return error;
    throw error;
  }
  throw new Error('the request succeeded');
}

describe('mock Deepgram REST speak', () => {
  it('returns raw mu-law for encoding=mulaw&container=none, as long as the speech, with the dg-* headers', async () => {
    const { ctx, client } = await start();
    const { data, rawResponse } = await client.speak.v1.audio
      .generate({ text: TEXT, model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: 8000, container: 'none' })
      .withRawResponse();
    expect(rawResponse.status).toBe(200);
    expect(rawResponse.headers.get('content-type')).toBe('audio/mulaw;rate=8000');
    expect(rawResponse.headers.get('dg-model-name')).toBe('aura-2-thalia-en');
    expect(rawResponse.headers.get('dg-char-count')).toBe(String(TEXT.length));
    expect(rawResponse.headers.get('dg-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const { bytes } = await readAll(data.stream() as ReadableStream<Uint8Array> | null);
    expect(bytes.length).toBe(speechDurationMs(TEXT) * 8);
    expect(bytes.subarray(0, 4).toString('latin1')).not.toBe('RIFF');

    const entries = ctx.journal.entries().filter((e) => e.service === 'deepgram.speak.rest' && e.kind !== 'tied');
    expect(entries.map((e) => `${e.direction}:${e.kind}`)).toEqual(['received:request', 'sent:first_byte', 'sent:done']);
    expect(entries[0]?.data).toMatchObject({ chars: TEXT.length, text: TEXT, encoding: 'mulaw', container: 'none', sampleRate: 8000 });
    expect(entries[2]?.data).toMatchObject({ bytes: bytes.length });
    expect(new Set(entries.map((e) => e.call))).toEqual(new Set(['CA-rest-test']));
  });

  it('wraps raw encodings in a WAV header by default (linear16 at 24 kHz here)', async () => {
    const { client } = await start();
    const { data, rawResponse } = await client.speak.v1.audio.generate({ text: TEXT, encoding: 'linear16', sample_rate: 24000 }).withRawResponse();
    expect(rawResponse.headers.get('content-type')).toBe('audio/wav');
    const { bytes } = await readAll(data.stream() as ReadableStream<Uint8Array> | null);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
    const wav = readWav(bytes);
    expect(wav.sampleRate).toBe(24000);
    expect(wav.samples.length).toBe(speechDurationMs(TEXT) * 24);
  });

  it('streams the body: the first chunk arrives after the first-byte delay, long before the body completes', async () => {
    const { ctx, client } = await start({ firstByteMs: 80, speedup: 20 });
    const text = 'This is a long answer that goes on for a while so that its audio takes some time to stream. '.repeat(5).trim();
    const started = performance.now();
    const response = await client.speak.v1.audio.generate({ text, encoding: 'mulaw', sample_rate: 8000, container: 'none' });
    const { bytes, chunkTimes } = await readAll(response.stream() as ReadableStream<Uint8Array> | null);
    const first = (chunkTimes[0] ?? Infinity) - started;
    const total = (chunkTimes[chunkTimes.length - 1] ?? 0) - started;
    const streamMs = speechDurationMs(text) / 20;
    expect(bytes.length).toBe(speechDurationMs(text) * 8);
    expect(first).toBeGreaterThanOrEqual(80 - 2);
    expect(total).toBeGreaterThanOrEqual(80 + streamMs * 0.9);
    expect(first).toBeLessThan(total / 4);
    expect(chunkTimes.length).toBeGreaterThan(10);
    const kinds = ctx.journal.entries().filter((e) => e.kind !== 'tied').map((e) => e.kind);
    expect(kinds).toEqual(['request', 'first_byte', 'done']);
  });

  it('stops synthesising when the client aborts', async () => {
    const { ctx, client } = await start({ speedup: 10 });
    const controller = new AbortController();
    const response = await client.speak.v1.audio.generate({ text: TEXT.repeat(10), encoding: 'mulaw', container: 'none' }, { abortSignal: controller.signal });
    const reader = (response.stream() as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await reader.read().catch(() => undefined);
    await expect.poll(() => ctx.journal.entries().some((e) => e.kind === 'abort'), { timeout: 2000 }).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ctx.journal.entries().some((e) => e.kind === 'done')).toBe(false);
  });

  it('refuses a wrong key with 401 and the error body', async () => {
    const { url } = await start();
    const client = new DeepgramClient({ apiKey: 'wrong', baseUrl: url });
    const error = await errorOf(client.speak.v1.audio.generate({ text: TEXT }));
    expect(error.statusCode).toBe(401);
    expect(error.body).toMatchObject({ err_code: 'INVALID_AUTH', err_msg: expect.any(String), request_id: expect.any(String) });
  });

  it('refuses an empty text, an encoding it cannot synthesise and a bad container with 400', async () => {
    const { client } = await start();
    const empty = await errorOf(client.speak.v1.audio.generate({ text: '  ' }));
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toMatchObject({ err_code: 'Bad Request', err_msg: expect.stringContaining('text') });
    const mp3 = await errorOf(client.speak.v1.audio.generate({ text: TEXT, encoding: 'mp3' }));
    expect(mp3.statusCode).toBe(400);
    expect((mp3.body as { err_msg: string }).err_msg).toMatch(/mp3.*mock synthesises only/);
    const ogg = await errorOf(client.speak.v1.audio.generate({ text: TEXT, encoding: 'mulaw', container: 'ogg' }));
    expect(ogg.statusCode).toBe(400);
    const rate = await errorOf(client.speak.v1.audio.generate({ text: TEXT, encoding: 'mulaw', sample_rate: 44100 }));
    expect(rate.statusCode).toBe(400);
  });

  it('refuses text over 2000 characters', async () => {
    const { client } = await start();
    const error = await errorOf(client.speak.v1.audio.generate({ text: 'a'.repeat(2001) }));
    expect(error.statusCode).toBe(SPEAK_REST_TOO_LONG_STATUS);
    expect((error.body as { err_msg: string }).err_msg).toContain('2000');
  });

  it('refuses a body that is not declared JSON with 415, and says so', async () => {
    const { ctx, url } = await start();
    const response = await fetch(`${url}/v1/speak?encoding=mulaw&container=none`, {
      method: 'POST',
      headers: { authorization: `Token ${TEST_API_KEY}`, 'content-type': 'text/plain' },
      body: TEXT,
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ err_code: 'UNSUPPORTED_MEDIA_TYPE', err_msg: expect.stringContaining("'text/plain'") });
    expect(ctx.journal.entries().filter((e) => e.kind === 'refused')).toHaveLength(1);
  });

  it('keeps the 404 for other HTTP routes', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/v1/speak`, { method: 'GET' });
    expect(response.status).toBe(404);
    const other = await fetch(`${url}/v1/other`, { method: 'POST', body: '{}' });
    expect(other.status).toBe(404);
  });
});
