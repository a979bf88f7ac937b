/**
 * The mock Deepgram speak WebSocket, driven by the official @deepgram/sdk v5 client against the
 * real localhost server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DeepgramClient } from '@deepgram/sdk';
import { speechDurationMs } from '../../harness/audio/index.ts';
import type { MockContext, MockServer } from '../../harness/mocks/context.ts';
import type { JournalEntry } from '../../harness/mocks/journal/entries.ts';
import { startDeepgramMock } from '../../harness/mocks/deepgram/server.ts';
import { SPEAK_CHUNK_MS, SPEAK_FLUSH_RATE } from '../../harness/mocks/deepgram/speak-ws.ts';
import { createTestContext, fixedProfile, TEST_API_KEY } from './helpers/mock-context.ts';
import { facts } from './helpers/journal.ts';
import { watchLoopStalls } from './helpers/loop-stalls.ts';
// Upper bounds on wall-clock latencies add the worst event-loop stall seen (helpers/loop-stalls.ts).
const stalls = watchLoopStalls();

/** Node timers may fire up to 1 ms early against performance.now (libuv's cached loop time is whole ms). */
const TIMER_SLACK_MS = 1;
/** Generous allowance for scheduling and loopback delivery on a loaded CI machine. */
const LATENCY_SLACK_MS = 400;

type Received =
  | { t: number; kind: 'json'; message: Record<string, unknown> }
  | { t: number; kind: 'audio'; bytes: number; blob: Blob };

interface Session {
  ctx: MockContext;
  socket: Awaited<ReturnType<DeepgramClient['speak']['v1']['connect']>>;
  received: Received[];
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the first received item (index ≥ `from`) that matches. */
  waitFor(match: (item: Received) => boolean, timeoutMs?: number): Promise<Received>;
  audioBytes(from?: number, to?: number): number;
  json(type: string): Array<Record<string, unknown>>;
}

const open: Array<{ server: MockServer; socket?: Session['socket'] }> = [];

afterEach(async () => {
  for (const entry of open.splice(0)) {
    entry.socket?.close();
    await entry.server.close();
  }
});

async function startServer(ctx: MockContext): Promise<MockServer> {
  const server = await startDeepgramMock(ctx);
  open.push({ server });
  return server;
}

async function connect(
  options: { speedup?: number; firstByteMs?: number; query?: Record<string, string>; apiKey?: string } = {},
): Promise<Session> {
  const ctx = createTestContext(fixedProfile({ 'tts.first_byte_ms': options.firstByteMs ?? 0 }, options.speedup ?? 50));
  const server = await startServer(ctx);
  const client = new DeepgramClient({ apiKey: options.apiKey ?? TEST_API_KEY, baseUrl: server.url });
  const query = options.query ?? { model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: '8000' };
  const socket = await client.speak.v1.connect({ ...query, reconnectAttempts: 0 });
  const entry = open[open.length - 1];
  if (entry !== undefined) entry.socket = socket;
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (message: unknown) => {
    const t = performance.now();
    if (message instanceof Blob) received.push({ t, kind: 'audio', bytes: message.size, blob: message });
    else if (typeof message === 'object' && message !== null) received.push({ t, kind: 'json', message: message as Record<string, unknown> });
    for (const wake of [...waiters]) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (event: { code: number; reason?: string }) => {
      resolve({ code: event.code, reason: event.reason ?? '' });
      for (const wake of [...waiters]) wake();
    });
  });
  socket.connect();
  await socket.waitForOpen();
  const session: Session = {
    ctx,
    socket,
    received,
    closed,
    waitFor(match, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = received.find(match);
          if (found === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; received ${JSON.stringify(received.map((r) => (r.kind === 'json' ? r.message : `audio ${r.bytes}`)))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    audioBytes(from = 0, to = received.length) {
      return received.slice(from, to).reduce((sum, item) => sum + (item.kind === 'audio' ? item.bytes : 0), 0);
    },
    json(type) {
      return received.flatMap((item) => (item.kind === 'json' && item.message['type'] === type ? [item.message] : []));
    },
  };
  await session.waitFor((item) => item.kind === 'json' && item.message['type'] === 'Metadata');
  return session;
}

function untilJournal(ctx: MockContext, match: (entry: JournalEntry) => boolean): Promise<JournalEntry> {
  const found = ctx.journal.entries().find(match);
  if (found !== undefined) return Promise.resolve(found);
  return new Promise((resolve) => {
    const stop = ctx.journal.subscribe((entry) => {
      if (!match(entry)) return;
      stop();
      resolve(entry);
    });
  });
}

const isType = (type: string) => (item: Received): boolean => item.kind === 'json' && item.message['type'] === type;
const TEXT = 'Hello there! Thanks for calling, how can I help you today?';

describe('mock Deepgram speak (WebSocket) through @deepgram/sdk v5', () => {
  it('sends Metadata first, with the request id and the requested model', async () => {
    const session = await connect();
    const first = session.received[0];
    expect(first?.kind).toBe('json');
    const metadata = first?.kind === 'json' ? first.message : {};
    expect(metadata).toMatchObject({ type: 'Metadata', model_name: 'aura-2-thalia-en' });
    expect(metadata['request_id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(metadata['model_uuid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof metadata['model_version']).toBe('string');
  });

  it('synthesises nothing before Flush, then mu-law audio of the expected length followed by Flushed', async () => {
    const session = await connect();
    session.socket.sendText({ type: 'Speak', text: TEXT });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(session.received).toHaveLength(1); // only Metadata
    session.socket.sendFlush({ type: 'Flush' });
    const flushed = await session.waitFor(isType('Flushed'));
    expect(flushed.kind === 'json' && flushed.message).toEqual({ type: 'Flushed', sequence_id: 0 });
    const flushedAt = session.received.indexOf(flushed);
    expect(session.received.slice(flushedAt + 1)).toHaveLength(0);
    const expected = speechDurationMs(TEXT) * 8; // 8 kHz mu-law: 8 bytes per ms
    const chunkBytes = SPEAK_CHUNK_MS * 8;
    expect(Math.abs(session.audioBytes() - expected)).toBeLessThanOrEqual(chunkBytes);
    const chunks = session.received.filter((item) => item.kind === 'audio');
    for (const chunk of chunks) expect(chunk.kind === 'audio' && chunk.bytes).toBeLessThanOrEqual(chunkBytes);
    // Speech-like, not digital silence (0xff in mu-law).
    const bytes = new Uint8Array(await (chunks[1] as { blob: Blob }).blob.arrayBuffer());
    expect(bytes.some((b) => b !== 0xff && b !== 0x7f)).toBe(true);
    const sent = session.ctx.journal.entries().filter((e) => e.direction === 'sent' && e.kind === 'audio');
    expect(sent.every((e) => facts(e)['flush'] === 0)).toBe(true);
  });

  it('queues several Flushes in order, each ending with its own Flushed', async () => {
    const session = await connect();
    session.socket.sendText({ type: 'Speak', text: 'First sentence here.' });
    session.socket.sendFlush({ type: 'Flush' });
    session.socket.sendText({ type: 'Speak', text: 'And a second, somewhat longer sentence.' });
    session.socket.sendFlush({ type: 'Flush' });
    await session.waitFor((item) => item.kind === 'json' && item.message['type'] === 'Flushed' && item.message['sequence_id'] === 1);
    const flushed = session.json('Flushed').map((m) => m['sequence_id']);
    expect(flushed).toEqual([0, 1]);
    const firstEnd = session.received.findIndex(isType('Flushed'));
    expect(Math.abs(session.audioBytes(0, firstEnd) - speechDurationMs('First sentence here.') * 8)).toBeLessThanOrEqual(800);
    expect(Math.abs(session.audioBytes(firstEnd) - speechDurationMs('And a second, somewhat longer sentence.') * 8)).toBeLessThanOrEqual(800);
  });

  it('Clear mid-synthesis stops the audio at once and answers Cleared', async () => {
    const session = await connect({ speedup: 1 }); // real time: ~4 s of audio takes ~4 s
    const text = 'This is a long answer that would take several seconds to say out loud on the phone.';
    session.socket.sendText({ type: 'Speak', text });
    session.socket.sendFlush({ type: 'Flush' });
    await session.waitFor((item) => item.kind === 'audio');
    await new Promise((resolve) => setTimeout(resolve, 250));
    session.socket.sendClear({ type: 'Clear' });
    const cleared = await session.waitFor(isType('Cleared'));
    expect(cleared.kind === 'json' && cleared.message).toEqual({ type: 'Cleared', sequence_id: 0 });
    const clearedAt = session.received.indexOf(cleared);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(session.audioBytes(clearedAt)).toBe(0);
    expect(session.json('Flushed')).toHaveLength(0);
    expect(session.audioBytes()).toBeLessThan((speechDurationMs(text) * 8) / 2);
    // Still usable after Clear.
    session.socket.sendText({ type: 'Speak', text: 'Okay.' });
    session.socket.sendFlush({ type: 'Flush' });
    const flushed = await session.waitFor(isType('Flushed'));
    expect(flushed.kind === 'json' && flushed.message['sequence_id']).toBe(1);
  });

  it('closes 1009 BIG-0001 on a Speak over 2000 characters', async () => {
    const session = await connect();
    session.socket.sendText({ type: 'Speak', text: 'a'.repeat(2001) });
    const closed = await session.closed;
    expect(closed).toEqual({ code: 1009, reason: 'BIG-0001' });
  });

  it('gives linear16 at 16 kHz: 2 bytes a sample, 32 bytes per ms', async () => {
    const session = await connect({ query: { model: 'aura-2-thalia-en', encoding: 'linear16', sample_rate: '16000' } });
    session.socket.sendText({ type: 'Speak', text: TEXT });
    session.socket.sendFlush({ type: 'Flush' });
    await session.waitFor(isType('Flushed'));
    const chunkBytes = SPEAK_CHUNK_MS * 32;
    const chunks = session.received.flatMap((item) => (item.kind === 'audio' ? [item] : []));
    for (const chunk of chunks) {
      expect(chunk.bytes % 2).toBe(0);
      expect(chunk.bytes).toBeLessThanOrEqual(chunkBytes);
    }
    expect(Math.abs(session.audioBytes() - speechDurationMs(TEXT) * 32)).toBeLessThanOrEqual(chunkBytes);
    const samples = new Int16Array(await (chunks[1] as { blob: Blob }).blob.arrayBuffer());
    expect(Math.max(...samples.map(Math.abs))).toBeGreaterThan(1000);
  });

  it('uses the spec defaults when the query is empty: aura-asteria-en, linear16 at 24 kHz', async () => {
    const session = await connect({ query: {} });
    expect(session.json('Metadata')[0]).toMatchObject({ model_name: 'aura-asteria-en' });
    session.socket.sendText({ type: 'Speak', text: 'Hi.' });
    session.socket.sendFlush({ type: 'Flush' });
    await session.waitFor(isType('Flushed'));
    expect(Math.abs(session.audioBytes() - speechDurationMs('Hi.') * 48)).toBeLessThanOrEqual(SPEAK_CHUNK_MS * 48);
  });

  it('refuses a wrong key at the upgrade with 401', async () => {
    const ctx = createTestContext();
    const server = await startServer(ctx);
    const client = new DeepgramClient({ apiKey: 'wrong-key', baseUrl: server.url });
    const socket = await client.speak.v1.connect({ model: 'aura-2-thalia-en', reconnectAttempts: 0 });
    const entry = open[open.length - 1];
    if (entry !== undefined) entry.socket = socket;
    const error = new Promise<Error>((resolve) => socket.on('error', resolve));
    socket.connect();
    expect((await error).message).toMatch(/401/);
    // No socket: only the refusal, with Deepgram's own message, for the run to report.
    expect(ctx.journal.entries().filter((e) => e.service === 'deepgram.speak.ws').map((e) => [e.kind, facts(e)['what'], facts(e)['status']])).toEqual([['refused', 'upgrade', 401]]);
  });

  it('answers a malformed or unknown message with a Warning and stays open', async () => {
    const session = await connect();
    session.socket.socket.send('{not json');
    session.socket.socket.send(JSON.stringify({ type: 'Shout', text: 'hi' }));
    await session.waitFor((item) => session.json('Warning').length === 2 && item.kind === 'json');
    expect(session.json('Warning')[0]).toMatchObject({ type: 'Warning', code: expect.any(String), description: expect.any(String) });
    session.socket.sendText({ type: 'Speak', text: 'Still here.' });
    session.socket.sendFlush({ type: 'Flush' });
    await session.waitFor(isType('Flushed'));
    const kinds = session.ctx.journal.entries().filter((e) => e.direction === 'received').map((e) => [e.kind, facts(e)['type']]);
    expect(kinds).toEqual([['invalid', undefined], ['invalid', 'Shout'], ['Speak', undefined], ['Flush', undefined]]);
  });

  it(`warns on more than ${SPEAK_FLUSH_RATE.count} Flushes a minute and stays open`, async () => {
    const session = await connect();
    for (let i = 0; i <= SPEAK_FLUSH_RATE.count; i++) session.socket.sendFlush({ type: 'Flush' });
    const warning = await session.waitFor(isType('Warning'));
    expect(warning.kind === 'json' && warning.message['description']).toMatch(/Flush/);
    await session.waitFor(() => session.json('Flushed').length === SPEAK_FLUSH_RATE.count);
    expect(session.socket.readyState).toBe(1);
  });

  it('Close drains the pending audio, then closes 1000', async () => {
    const session = await connect();
    session.socket.sendText({ type: 'Speak', text: TEXT });
    session.socket.sendClose({ type: 'Close' });
    const closed = await session.closed;
    expect(closed.code).toBe(1000);
    expect(Math.abs(session.audioBytes() - speechDurationMs(TEXT) * 8)).toBeLessThanOrEqual(800);
    // The server records its side of the close once the closing handshake completes.
    await untilJournal(session.ctx, (e) => e.direction === 'event' && e.kind === 'close');
    const events = session.ctx.journal.entries().filter((e) => e.direction === 'event').map((e) => [e.kind, facts(e)['code']]);
    expect(events).toEqual([['open', undefined], ['close', 1000]]);
  });

  it('delays the first audio byte by tts.first_byte_ms (fixed 150 ms)', async () => {
    const firstByteMs = 150;
    const session = await connect({ firstByteMs });
    session.socket.sendText({ type: 'Speak', text: TEXT });
    const start = performance.now();
    session.socket.sendFlush({ type: 'Flush' });
    const first = await session.waitFor((item) => item.kind === 'audio');
    const ttfb = first.t - start;
    expect(ttfb).toBeGreaterThanOrEqual(firstByteMs - TIMER_SLACK_MS);
    expect(ttfb).toBeLessThan(firstByteMs + LATENCY_SLACK_MS + stalls.maxMs());
  });
});
