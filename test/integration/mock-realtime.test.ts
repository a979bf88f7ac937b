/**
 * The mock OpenAI Realtime endpoint (GA shape), driven by the official `openai` v6 OpenAIRealtimeWS
 * over wss:// (it forces TLS) and by a raw `ws` client doing what Twilio's official sample does
 * (Authorization: Bearer, session.update with audio/pcmu both ways) over ws://.
 */
import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import WebSocket from 'ws';
import { decodeMulaw, MULAW_SILENCE, speechDurationMs, synthesizeMulaw } from '../../harness/audio/index.ts';
import type { MockContext } from '../../harness/mocks/context.ts';
import type { JournalEntry } from '../../harness/mocks/journal/entries.ts';
import { startOpenAIMock, type OpenAIMockServer } from '../../harness/mocks/openai/server.ts';
import { DEFAULT_SERVER_VAD } from '../../harness/mocks/openai/realtime/session.ts';
import { createTestContext, fixedProfile, TEST_API_KEY } from './helpers/mock-context.ts';
import { facts } from './helpers/journal.ts';
import { watchLoopStalls } from './helpers/loop-stalls.ts';
// Upper bounds on wall-clock latencies add the worst event-loop stall seen (helpers/loop-stalls.ts).
const stalls = watchLoopStalls();

/** Node timers may fire up to 1 ms early against performance.now. */
const TIMER_SLACK_MS = 1;
/** Generous allowance for scheduling and loopback delivery on a loaded CI machine. */
const LATENCY_SLACK_MS = 400;
/** One output chunk: the audio-length tolerance. */
const CHUNK_MS = 100;

const USER_TEXT = 'What time do you open tomorrow?';
const REPLY = "We open at 9 a.m. tomorrow, and we're here until 5. Anything else?";
const LEAD_SILENCE_MS = 500;
const TAIL_SILENCE_MS = 800;
const FRAME_BYTES = 160;

type Event = { type: string; event_id: string } & Record<string, unknown>;

const servers: OpenAIMockServer[] = [];
const sockets: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) {
    // A socket still handshaking (or refused) reports its close as an error: expected here.
    if (socket instanceof WebSocket) socket.on('error', () => undefined);
    socket.close();
  }
  for (const server of servers.splice(0)) await server.close();
});

async function start(ctx: MockContext = createTestContext()): Promise<{ ctx: MockContext; server: OpenAIMockServer }> {
  const server = await startOpenAIMock(ctx);
  servers.push(server);
  // The calls the clients below name in x-callbench-call: a tied connection hears only what its call says.
  for (const call of ['CA-raw', 'CA-sdk']) ctx.script.register({ id: 'hours', transcript: USER_TEXT, audio: synthesizeMulaw(USER_TEXT), reply: REPLY, call });
  return { ctx, server };
}

/** Everything a client received, in order, with helpers to wait for what comes next. */
class EventLog {
  readonly events: Event[] = [];
  private waiters: Array<() => void> = [];
  push(event: Event): void {
    this.events.push(event);
    for (const wake of this.waiters.splice(0)) wake();
  }
  of(type: string): Event[] {
    return this.events.filter((e) => e.type === type);
  }
  /** The first event from index `from` on that satisfies `match`. */
  async waitFor(match: (e: Event) => boolean, from = 0, timeoutMs = 10_000): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out; received: ${this.events.map((e) => e.type).join(', ')}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
  next(type: string, from = 0): Promise<Event> {
    return this.waitFor((e) => e.type === type, from);
  }
}

/** A raw `ws` client, as Twilio's sample connects. */
async function connectRaw(
  url: string,
  options: WebSocket.ClientOptions = { headers: { Authorization: `Bearer ${TEST_API_KEY}`, 'x-callbench-call': 'CA-raw' } },
  protocols?: string[],
): Promise<{ ws: WebSocket; log: EventLog; send(event: Record<string, unknown>): void }> {
  const ws = new WebSocket(`${url}?model=gpt-realtime`, protocols, options);
  sockets.push(ws);
  const log = new EventLog();
  ws.on('message', (data) => log.push(JSON.parse(String(data)) as Event));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, log, send: (event) => ws.send(JSON.stringify(event)) };
}

/** The official SDK helper over wss://, trusting the mock's certificate. */
async function connectSdk(server: OpenAIMockServer, apiKey = TEST_API_KEY): Promise<{ rt: OpenAIRealtimeWS; log: EventLog; errors: Error[] }> {
  const client = new OpenAI({ apiKey, baseURL: server.tls.url });
  const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime', options: { ca: server.tls.ca, headers: { 'x-callbench-call': 'CA-sdk' } } }, client);
  sockets.push({ close: () => rt.close() });
  const log = new EventLog();
  const errors: Error[] = [];
  rt.on('event', (event) => log.push(event as unknown as Event));
  rt.on('error', (error) => errors.push(error));
  await new Promise<void>((resolve, reject) => {
    rt.socket.once('open', () => resolve());
    rt.socket.once('error', reject);
  });
  return { rt, log, errors };
}

/** The caller's audio as 8 kHz mu-law: silence, the utterance, silence. */
function callerAudio(text = USER_TEXT): Uint8Array {
  const speech = synthesizeMulaw(text);
  const out = new Uint8Array(((LEAD_SILENCE_MS + TAIL_SILENCE_MS) * 8) + speech.length).fill(MULAW_SILENCE);
  out.set(speech, LEAD_SILENCE_MS * 8);
  return out;
}

/** `mulaw` as 24 kHz PCM16 little-endian (linear interpolation), the GA default input format. */
function toPcm24k(mulaw: Uint8Array): Buffer {
  const pcm = decodeMulaw(mulaw);
  const out = Buffer.alloc(pcm.length * 3 * 2);
  for (let i = 0; i < pcm.length; i++) {
    const a = pcm[i] ?? 0;
    const b = pcm[i + 1] ?? a;
    for (let k = 0; k < 3; k++) out.writeInt16LE(Math.round(a + ((b - a) * k) / 3), (i * 3 + k) * 2);
  }
  return out;
}

/** Sends `audio` in frames of `frameBytes` as input_audio_buffer.append events. */
function appendAll(send: (event: Record<string, unknown>) => void, audio: Uint8Array, frameBytes: number): void {
  for (let i = 0; i < audio.length; i += frameBytes) {
    send({ type: 'input_audio_buffer.append', audio: Buffer.from(audio.subarray(i, i + frameBytes)).toString('base64') });
  }
}

function audioBytes(events: readonly Event[], itemId?: string): number {
  return events
    .filter((e) => e.type === 'response.output_audio.delta' && (itemId === undefined || e['item_id'] === itemId))
    .reduce((sum, e) => sum + Buffer.byteLength(String(e['delta']), 'base64'), 0);
}

function realtimeEntries(ctx: MockContext): JournalEntry[] {
  return ctx.journal.entries().filter((e) => e.service === 'openai.realtime');
}

const PCMU_SESSION = {
  type: 'session.update',
  session: {
    type: 'realtime',
    model: 'gpt-realtime',
    output_modalities: ['audio'],
    audio: {
      input: { format: { type: 'audio/pcmu' }, turn_detection: { type: 'server_vad' } },
      output: { format: { type: 'audio/pcmu' }, voice: 'alloy' },
    },
    instructions: 'You are a helpful and bubbly AI assistant.',
  },
};

/** The GA server-VAD turn of PROTOCOLS.md §5.5, deltas collapsed. */
const DOCUMENTED_TURN = [
  'input_audio_buffer.speech_started',
  'input_audio_buffer.speech_stopped',
  'input_audio_buffer.committed',
  'conversation.item.added',
  'conversation.item.done',
  'response.created',
  'response.output_item.added',
  'conversation.item.added',
  'response.content_part.added',
  'deltas',
  'response.output_audio.done',
  'response.output_audio_transcript.done',
  'response.content_part.done',
  'response.output_item.done',
  'conversation.item.done',
  'response.done',
  'rate_limits.updated',
];

function collapsed(events: readonly Event[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    const type = e.type === 'response.output_audio.delta' || e.type === 'response.output_audio_transcript.delta' ? 'deltas' : e.type;
    if (type === 'deltas' && out[out.length - 1] === 'deltas') continue;
    out.push(type);
  }
  return out;
}

/** A raw pcmu session, configured as Twilio's sample does. */
async function pcmuSession(server: OpenAIMockServer): Promise<Awaited<ReturnType<typeof connectRaw>>> {
  const client = await connectRaw(server.realtimeUrl);
  await client.log.next('session.created');
  client.send(PCMU_SESSION);
  await client.log.next('session.updated');
  return client;
}

/** A response to a typed user message, started with response.create. */
async function typedResponse(client: Awaited<ReturnType<typeof connectRaw>>, text = USER_TEXT): Promise<Event> {
  const from = client.log.events.length;
  client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
  await client.log.next('conversation.item.done', from);
  client.send({ type: 'response.create' });
  return client.log.next('response.created', from);
}

describe('mock OpenAI Realtime (GA) through openai v6 OpenAIRealtimeWS over wss://', () => {
  it('sends session.created first, with the GA defaults, ids of the documented shape, and journals the call', async () => {
    const { ctx, server } = await start();
    expect(server.tls.realtimeUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/v1\/realtime$/);
    const { log, rt } = await connectSdk(server);
    expect(rt.url.protocol).toBe('wss:');
    const first = await log.waitFor(() => true);
    expect(first.type).toBe('session.created');
    expect(first.event_id).toMatch(/^event_[0-9A-Za-z]{21}$/);
    expect(first['session']).toMatchObject({
      type: 'realtime',
      object: 'realtime.session',
      model: 'gpt-realtime-2025-08-28',
      output_modalities: ['audio'],
      max_output_tokens: 'inf',
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, create_response: true, interrupt_response: true },
        },
        output: { format: { type: 'audio/pcm', rate: 24000 }, speed: 1 },
      },
    });
    expect((first['session'] as { id: string }).id).toMatch(/^sess_[0-9A-Za-z]{21}$/);
    const open = realtimeEntries(ctx).find((e) => e.kind === 'open');
    expect(open).toMatchObject({ direction: 'event', call: 'CA-sdk', data: { model: 'gpt-realtime' } });
    expect(realtimeEntries(ctx).find((e) => e.direction === 'sent')?.kind).toBe('session.created');
  });

  it('refuses a TLS client that does not trust the mock certificate (the wss listener is real TLS)', async () => {
    const { server } = await start();
    const ws = new WebSocket(`${server.tls.realtimeUrl}?model=gpt-realtime`, { headers: { Authorization: `Bearer ${TEST_API_KEY}` } });
    sockets.push(ws);
    const error = await new Promise<Error>((resolve) => ws.once('error', resolve));
    expect(error.message).toMatch(/self[- ]signed/i);
  });

  it('answers session.update without session.type with missing_required_parameter, and stays open', async () => {
    const { server } = await start();
    const { rt, log, errors } = await connectSdk(server);
    await log.next('session.created');
    rt.send({ type: 'session.update', event_id: 'evt_client_1', session: { instructions: 'hi' } } as never);
    const error = await log.next('error');
    expect(error['error']).toEqual({
      type: 'invalid_request_error',
      code: 'missing_required_parameter',
      message: "Missing required parameter: 'session.type'.",
      param: 'session.type',
      event_id: 'evt_client_1',
    });
    await expect.poll(() => errors.length).toBe(1);
    rt.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { voice: 'alloy' } } } });
    const updated = await log.next('session.updated');
    const session = updated['session'] as Record<string, unknown>;
    // Only the fields present change; the rest is the full effective configuration.
    expect(session).toMatchObject({ type: 'realtime', object: 'realtime.session', audio: { input: { format: { type: 'audio/pcm', rate: 24000 } }, output: { voice: 'alloy', speed: 1 } } });
    expect(session['instructions']).toBe((log.of('session.created')[0]?.['session'] as Record<string, unknown>)['instructions']);
  });

  it('runs server VAD on 24 kHz PCM input and speaks the scripted reply as 24 kHz PCM of the right length', async () => {
    const { ctx, server } = await start();
    const { rt, log } = await connectSdk(server);
    await log.next('session.created');
    const pcm = toPcm24k(callerAudio());
    const frame = 20 * 48;
    for (let i = 0; i < pcm.length; i += frame) rt.send({ type: 'input_audio_buffer.append', audio: pcm.subarray(i, i + frame).toString('base64') });
    const done = await log.next('response.done');
    expect(done['response']).toMatchObject({ status: 'completed', status_details: null });
    const transcript = log.of('response.output_audio_transcript.done')[0]?.['transcript'];
    expect(transcript).toBe(REPLY);
    const ms = audioBytes(log.events) / 48;
    expect(Math.abs(ms - speechDurationMs(REPLY))).toBeLessThanOrEqual(CHUNK_MS);
    const user = log.of('conversation.item.done')[0]?.['item'];
    expect(user).toMatchObject({ role: 'user', content: [{ type: 'input_audio', transcript: USER_TEXT }] });
    const appended = realtimeEntries(ctx).filter((e) => e.kind === 'input_audio_buffer.append');
    expect(appended.reduce((sum, e) => sum + Number(e.data?.['bytes']), 0)).toBe(pcm.length);
  });
});

describe('mock OpenAI Realtime (GA) through a raw ws client, as Twilio’s sample uses it', () => {
  it('turns a registered utterance in 20 ms pcmu frames into speech_started/stopped/committed and a scripted reply, in the documented order', async () => {
    const { ctx, server } = await start();
    const { log, send } = await pcmuSession(server);
    const updated = log.of('session.updated')[0]?.['session'];
    expect(updated).toMatchObject({ audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcmu' }, voice: 'alloy' } } });
    const from = log.events.length;
    appendAll(send, callerAudio(), FRAME_BYTES);
    await log.next('rate_limits.updated', from);
    const turn = log.events.slice(from);
    expect(collapsed(turn)).toEqual(DOCUMENTED_TURN);

    // VAD on the audio timebase: the frames arrived far faster than real time.
    const voiced = ctx.script.utterances()[0];
    const started = log.of('input_audio_buffer.speech_started')[0];
    const stopped = log.of('input_audio_buffer.speech_stopped')[0];
    expect(Number(started?.['audio_start_ms'])).toBeGreaterThanOrEqual(LEAD_SILENCE_MS - 300 - 10);
    expect(Number(started?.['audio_start_ms'])).toBeLessThanOrEqual(LEAD_SILENCE_MS - 300 + 10);
    const speechEnd = LEAD_SILENCE_MS + speechDurationMs(USER_TEXT);
    const silence = DEFAULT_SERVER_VAD.silence_duration_ms;
    expect(Number(stopped?.['audio_end_ms'])).toBeGreaterThanOrEqual(speechEnd + silence - 80);
    expect(Number(stopped?.['audio_end_ms'])).toBeLessThanOrEqual(speechEnd + silence + 20);
    expect(voiced?.transcript).toBe(USER_TEXT);
    const userItem = started?.['item_id'];
    expect(userItem).toMatch(/^item_[0-9A-Za-z]{21}$/);
    expect(stopped?.['item_id']).toBe(userItem);
    expect(log.of('input_audio_buffer.committed')[0]?.['item_id']).toBe(userItem);
    expect(turn.find((e) => e.type === 'conversation.item.done')?.['item']).toMatchObject({ id: userItem, role: 'user', status: 'completed', content: [{ type: 'input_audio', transcript: USER_TEXT }] });

    // The reply: scripted text, pcmu audio as long as its speech.
    const created = turn.find((e) => e.type === 'response.created')?.['response'] as Record<string, unknown>;
    expect(created).toMatchObject({ object: 'realtime.response', status: 'in_progress', output: [] });
    expect(created['id']).toMatch(/^resp_[0-9A-Za-z]{21}$/);
    expect(created['conversation_id']).toMatch(/^conv_[0-9A-Za-z]{21}$/);
    const assistant = turn.find((e) => e.type === 'response.output_item.added')?.['item'] as Record<string, unknown>;
    expect(assistant).toMatchObject({ role: 'assistant', status: 'in_progress', content: [] });
    const deltas = turn.filter((e) => e.type === 'response.output_audio_transcript.delta').map((e) => String(e['delta'])).join('');
    expect(deltas).toBe(REPLY);
    expect(log.of('response.output_audio_transcript.done')[0]?.['transcript']).toBe(REPLY);
    const ms = audioBytes(turn, String(assistant['id'])) / 8;
    expect(Math.abs(ms - speechDurationMs(REPLY))).toBeLessThanOrEqual(CHUNK_MS);
    const done = log.of('response.done')[0]?.['response'] as Record<string, unknown>;
    expect(done).toMatchObject({ id: created['id'], status: 'completed', output: [{ id: assistant['id'], status: 'completed', content: [{ type: 'output_audio', transcript: REPLY }] }] });
    const ids = log.events.map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);

    // Journal: every client event received, every server event sent, deltas as `audio`.
    const entries = realtimeEntries(ctx);
    expect(entries.filter((e) => e.direction === 'received' && e.kind === 'input_audio_buffer.append')).toHaveLength(Math.ceil(callerAudio().length / FRAME_BYTES));
    expect(entries.find((e) => e.kind === 'session.update')?.data).toMatchObject({ type: 'realtime', inputFormat: 'audio/pcmu', outputFormat: 'audio/pcmu', voice: 'alloy' });
    const audioEntries = entries.filter((e) => e.kind === 'audio');
    expect(audioEntries).toHaveLength(turn.filter((e) => e.type === 'response.output_audio.delta').length);
    expect(audioEntries.every((e) => facts(e)['itemId'] === assistant['id'] && Number(facts(e)['bytes']) > 0)).toBe(true);
    expect(entries.some((e) => (e.kind as string) === 'response.output_audio.delta')).toBe(false);
    expect(entries.filter((e) => e.direction === 'sent' && e.kind !== 'audio').length).toBe(log.events.length - audioEntries.length);
    expect(entries.every((e) => e.call === 'CA-raw')).toBe(true);
  });

  it('cancels at once on response.cancel: response.done cancelled (client_cancelled), no more deltas; a second cancel is an error', async () => {
    const { server } = await start(createTestContext(fixedProfile({}, 1)));
    const client = await pcmuSession(server);
    const { log, send } = client;
    const created = await typedResponse(client);
    const responseId = (created['response'] as { id: string }).id;
    await log.next('response.output_audio.delta');
    send({ type: 'response.cancel' });
    const done = await log.next('response.done');
    expect(done['response']).toMatchObject({ id: responseId, status: 'cancelled', status_details: { type: 'cancelled', reason: 'client_cancelled' } });
    expect((done['response'] as { output: Array<{ status: string }> }).output[0]?.status).toBe('incomplete');
    const after = log.events.length;
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(log.events.slice(after).filter((e) => e.type.startsWith('response.output_audio'))).toEqual([]);
    const sentMs = audioBytes(log.events) / 8;
    expect(sentMs).toBeLessThan(speechDurationMs(REPLY) / 2);
    send({ type: 'response.cancel', event_id: 'evt_cancel_2' });
    const error = await log.next('error', after);
    expect(error['error']).toMatchObject({ code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found', event_id: 'evt_cancel_2' });
  });

  it('refuses response.create while a response is active, naming it', async () => {
    const { server } = await start(createTestContext(fixedProfile({}, 1)));
    const client = await pcmuSession(server);
    const created = await typedResponse(client);
    const responseId = (created['response'] as { id: string }).id;
    client.send({ type: 'response.create' });
    const error = await client.log.next('error');
    expect(error['error']).toMatchObject({
      type: 'invalid_request_error',
      code: 'conversation_already_has_active_response',
      message: `Conversation already has an active response in progress: ${responseId}. Wait until the response is finished before creating a new one.`,
    });
  });

  it('cancels an active response when the caller starts speaking (interrupt_response), reason turn_detected', async () => {
    const { server } = await start(createTestContext(fixedProfile({}, 1)));
    const client = await pcmuSession(server);
    const { log, send } = client;
    const created = await typedResponse(client, 'Tell me a story.');
    await log.next('response.output_audio.delta');
    const from = log.events.length;
    appendAll(send, callerAudio(), FRAME_BYTES);
    const started = await log.next('input_audio_buffer.speech_started', from);
    const done = await log.next('response.done', from);
    expect(done['response']).toMatchObject({ id: (created['response'] as { id: string }).id, status: 'cancelled', status_details: { type: 'cancelled', reason: 'turn_detected' } });
    expect(log.events.indexOf(started)).toBeLessThan(log.events.indexOf(done));
  });

  it('validates conversation.item.truncate against the audio actually sent for the item', async () => {
    const { ctx, server } = await start(createTestContext(fixedProfile({}, 1)));
    const client = await pcmuSession(server);
    const { log, send } = client;
    await typedResponse(client);
    const first = await log.next('response.output_audio.delta');
    const itemId = String(first['item_id']);
    await log.waitFor(() => audioBytes(log.events, itemId) >= 300 * 8);
    send({ type: 'response.cancel' });
    await log.next('response.done');
    const generatedMs = Math.floor(audioBytes(log.events, itemId) / 8);
    expect(generatedMs).toBeLessThan(speechDurationMs(REPLY));

    let from = log.events.length;
    send({ type: 'conversation.item.truncate', event_id: 'evt_t1', item_id: itemId, content_index: 0, audio_end_ms: generatedMs + 40 });
    let error = await log.next('error', from);
    expect(error['error']).toMatchObject({
      type: 'invalid_request_error',
      message: `Audio content of ${generatedMs}ms is already shorter than ${generatedMs + 40}ms`,
      event_id: 'evt_t1',
    });

    const userItem = log.of('conversation.item.done').find((e) => (e['item'] as { role: string }).role === 'user')?.['item'] as { id: string };
    from = log.events.length;
    send({ type: 'conversation.item.truncate', item_id: userItem.id, content_index: 0, audio_end_ms: 0 });
    error = await log.next('error', from);
    expect(error['error']).toMatchObject({ code: 'unsupported_content_type', message: 'Only model output audio messages can be truncated' });

    from = log.events.length;
    send({ type: 'conversation.item.truncate', item_id: 'item_doesnotexist', content_index: 0, audio_end_ms: 0 });
    error = await log.next('error', from);
    expect(String((error['error'] as { message: string }).message)).toContain('item_doesnotexist');

    from = log.events.length;
    // audio_end_ms is inclusive: exactly the audio sent is accepted.
    send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: generatedMs });
    const truncated = await log.next('conversation.item.truncated', from);
    expect(truncated).toMatchObject({ item_id: itemId, content_index: 0, audio_end_ms: generatedMs });
    expect(log.events.slice(from).some((e) => e.type === 'error')).toBe(false);
    const journalled = realtimeEntries(ctx).filter((e) => e.direction === 'received' && e.kind === 'conversation.item.truncate');
    expect(journalled.map((e) => facts(e)['audioEndMs'])).toEqual([generatedMs + 40, 0, 0, generatedMs]);
    expect(journalled[0]?.data).toMatchObject({ itemId, generatedMs: audioBytes(log.events, itemId) / 8 });
    expect(realtimeEntries(ctx).find((e) => e.kind === 'conversation.item.truncated')?.data).toMatchObject({ itemId, audioEndMs: generatedMs });
  });

  it('answers commit on an empty buffer, clear, unknown events and malformed JSON, and stays open', async () => {
    const { server } = await start();
    const { log, send, ws } = await pcmuSession(server);
    let from = log.events.length;
    send({ type: 'input_audio_buffer.commit', event_id: 'evt_c' });
    let error = await log.next('error', from);
    expect(error['error']).toMatchObject({
      code: 'input_audio_buffer_commit_empty',
      message: 'Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has 0.00ms of audio.',
      event_id: 'evt_c',
    });
    from = log.events.length;
    send({ type: 'input_audio_buffer.clear' });
    await log.next('input_audio_buffer.cleared', from);
    from = log.events.length;
    send({ type: 'response.frobnicate', event_id: 'evt_u' });
    error = await log.next('error', from);
    expect(error['error']).toMatchObject({ type: 'invalid_request_error', code: 'invalid_event', event_id: 'evt_u' });
    from = log.events.length;
    ws.send('{not json');
    error = await log.next('error', from);
    expect(error['error']).toMatchObject({ code: 'invalid_event' });
    from = log.events.length;
    send({ type: 'session.update', session: { type: 'realtime', instructions: 'still here' } });
    expect((await log.next('session.updated', from))['session']).toMatchObject({ instructions: 'still here' });
  });

  it('accepts the browser sub-protocols and echoes `realtime`', async () => {
    const { server } = await start();
    const { ws, log } = await connectRaw(server.realtimeUrl, {}, ['realtime', `openai-insecure-api-key.${TEST_API_KEY}`]);
    expect(ws.protocol).toBe('realtime');
    expect((await log.waitFor(() => true)).type).toBe('session.created');
  });

  it('rejects the beta shape as the live service does: beta_api_shape_disabled, then close 4000', async () => {
    const { ctx, server } = await start();
    for (const [options, protocols] of [
      [{ headers: { Authorization: `Bearer ${TEST_API_KEY}`, 'OpenAI-Beta': 'realtime=v1' } }, undefined],
      [{}, ['realtime', `openai-insecure-api-key.${TEST_API_KEY}`, 'openai-beta.realtime-v1']],
    ] as const) {
      const ws = new WebSocket(`${server.realtimeUrl}?model=gpt-4o-realtime-preview-2024-12-17`, protocols === undefined ? undefined : [...protocols], options);
      sockets.push(ws);
      const messages: Event[] = [];
      ws.on('message', (data) => messages.push(JSON.parse(String(data)) as Event));
      const code = await new Promise<number>((resolve) => ws.once('close', resolve));
      expect(code).toBe(4000);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({
        type: 'error',
        error: {
          type: 'invalid_request_error',
          code: 'beta_api_shape_disabled',
          message: 'The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.',
          param: null,
        },
      });
    }
    expect(realtimeEntries(ctx).filter((e) => e.kind === 'open').every((e) => facts(e)['beta'] === true)).toBe(true);
  });

  it('refuses a bad key with HTTP 401 and the OpenAI error body, without upgrading (raw ws and the SDK)', async () => {
    const { server } = await start();
    const ws = new WebSocket(`${server.realtimeUrl}?model=gpt-realtime`, { headers: { Authorization: 'Bearer sk-wrong-key-1234' } });
    sockets.push(ws);
    const response = await new Promise<{ status: number; body: string }>((resolve) => {
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
    });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key', message: expect.stringMatching(/^Incorrect API key provided: sk-\*+1234\./) } });

    const client = new OpenAI({ apiKey: 'sk-wrong-key-1234', baseURL: server.tls.url });
    const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime', options: { ca: server.tls.ca } }, client);
    sockets.push({ close: () => rt.close() });
    const error = await new Promise<Error>((resolve) => rt.on('error', resolve));
    expect(error.message).toMatch(/401/);
  });

  it('delays the first audio delta by realtime.first_audio_ms after speech_stopped and after response.create', async () => {
    const FIRST_AUDIO_MS = 300;
    const { ctx, server } = await start(createTestContext(fixedProfile({ 'realtime.first_audio_ms': FIRST_AUDIO_MS })));
    const client = await pcmuSession(server);
    appendAll(client.send, callerAudio(), FRAME_BYTES);
    await client.log.next('response.done');
    const sent = (kind: string, from = 0): JournalEntry | undefined => realtimeEntries(ctx).slice(from).find((e) => e.direction === 'sent' && e.kind === kind);
    const vadGap = (sent('audio')?.t ?? NaN) - (sent('input_audio_buffer.speech_stopped')?.t ?? NaN);
    expect(vadGap).toBeGreaterThanOrEqual(FIRST_AUDIO_MS - TIMER_SLACK_MS);
    expect(vadGap).toBeLessThan(FIRST_AUDIO_MS + LATENCY_SLACK_MS + stalls.maxMs());

    const mark = realtimeEntries(ctx).length;
    const from = client.log.events.length;
    client.send({ type: 'response.create' });
    await client.log.next('response.done', from);
    const received = realtimeEntries(ctx).slice(mark).find((e) => e.direction === 'received' && e.kind === 'response.create');
    const createGap = (sent('audio', mark)?.t ?? NaN) - (received?.t ?? NaN);
    expect(createGap).toBeGreaterThanOrEqual(FIRST_AUDIO_MS - TIMER_SLACK_MS);
    expect(createGap).toBeLessThan(FIRST_AUDIO_MS + LATENCY_SLACK_MS + stalls.maxMs());
  });
});
