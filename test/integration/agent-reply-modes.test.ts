/**
 * Every reply knob of the reference agent, end to end through the fake caller and the mocks: in
 * each mode the answer is heard in full and audibly, and the mock journals show what the mode did
 * on the wire (how text reached TTS, which TTS transport, how audio reached the caller). The calls
 * run concurrently against one set of mocks, each with its own agent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplyOptions } from '../../agent/index.ts';
import { REPLY_PRESETS } from '../../agent/reply/presets.ts';
import { speechDurationMs } from '../../harness/audio/index.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { eventsOf, type TimelineEvent } from '../../harness/caller/timeline.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import type { JournalEntry } from '../../harness/mocks/journal/entries.ts';
import { startMocks, type Mocks } from '../../harness/mocks/start-mocks.ts';
import { GREETING, REPLY, REPLY_SENTENCES, replyCall, type ReplyCall } from './helpers/reply-call.ts';
import { fixedProfile } from './helpers/mock-context.ts';
import { facts } from './helpers/journal.ts';

const DELAYS = {
  'stt.result_lag_ms': 20,
  'stt.endpointing_ms': 20,
  'llm.first_token_ms': 60,
  'llm.token_gap_ms': 8,
  'tts.first_byte_ms': 40,
  'tts.rest_first_byte_ms': 60,
} as const;
/** TTS produces audio 20× faster than real time: a 100 ms chunk every 5 ms. */
const TTS_SPEEDUP = 20;

const MODES = {
  'token/ws': { text: 'token', tts: 'ws' },
  'sentence/ws': { text: 'sentence', tts: 'ws' },
  'full/ws': { text: 'full', tts: 'ws' },
  'sentence/rest/stream': { text: 'sentence', tts: 'rest', restBody: 'stream' },
  'full/rest/buffer': { text: 'full', tts: 'rest', restBody: 'buffer' },
  'token/rest/stream': { text: 'token', tts: 'rest', restBody: 'stream' },
  'sentence/ws/poll': { text: 'sentence', tts: 'ws', playout: 'poll' },
  'sentence/rest/stream/poll': { text: 'sentence', tts: 'rest', restBody: 'stream', playout: 'poll' },
  'seed-current': REPLY_PRESETS['seed-current'],
} as const satisfies Record<string, Partial<ReplyOptions>>;
type Mode = keyof typeof MODES;

const clock = createSystemClock();
let mocks: Mocks;
const calls = new Map<Mode, ReplyCall>();

beforeAll(async () => {
  mocks = await startMocks({ clock, profile: fixedProfile(DELAYS, TTS_SPEEDUP), seed: 3 });
  const results = await Promise.all((Object.keys(MODES) as Mode[]).map(async (mode) => [mode, await replyCall(clock, mocks, MODES[mode])] as const));
  for (const [mode, call] of results) calls.set(mode, call);
}, 60_000);
afterAll(async () => {
  await mocks?.close();
});

function callOf(mode: Mode): ReplyCall {
  const call = calls.get(mode);
  if (call === undefined) throw new Error(`no call for ${mode}`);
  return call;
}

/** Entries of `service` and `kind` received after the caller's question was answered by the LLM request. */
function received(journal: readonly JournalEntry[], service: JournalEntry['service'], kind: string): JournalEntry[] {
  return journal.filter((e) => e.service === service && e.direction === 'received' && e.kind === kind);
}

function replyAudioMs(events: readonly TimelineEvent[]): number {
  const utterance = eventsOf(events, 'utterance')[0];
  return eventsOf(events, 'agent_media')
    .filter((m) => utterance !== undefined && m.t > utterance.lastVoicedAt)
    .reduce((sum, m) => sum + m.bytes / 8, 0);
}

describe('reference agent reply modes', () => {
  it.each(Object.keys(MODES) as Mode[])('%s: the greeting and the whole answer are heard, audibly', (mode) => {
    const call = callOf(mode);
    expect(call.error).toBeUndefined();
    expect(eventsOf(call.events, 'protocol_error')).toEqual([]);
    const metrics = computeCallMetrics(call.events);
    expect(metrics.greetingHeard).toBe(true);
    expect(metrics.unansweredTurns).toBe(0);
    expect(metrics.samples['turn.response_ms']).toHaveLength(1);
    // Sentences synthesised apart lose the space between them: ~1 character.
    expect(replyAudioMs(call.events)).toBeGreaterThanOrEqual(speechDurationMs(REPLY) - 2 * 66);
    // Every unit of speech was closed by a mark the caller echoed.
    expect(eventsOf(call.events, 'agent_mark').length).toBeGreaterThanOrEqual(2);
  });

  it('token: every LLM token is its own Speak, and the reply has exactly one Flush', () => {
    const { journal } = callOf('token/ws');
    const speaks = received(journal, 'deepgram.speak.ws', 'Speak').map((e) => String(facts(e)['text']));
    expect(speaks[0]).toBe(GREETING);
    const replySpeaks = speaks.slice(1);
    expect(replySpeaks.length).toBeGreaterThan(5);
    expect(replySpeaks.join('')).toBe(REPLY);
    // One Flush for the greeting, one for the reply.
    expect(received(journal, 'deepgram.speak.ws', 'Flush')).toHaveLength(2);
  });

  it('sentence: one Speak per sentence', () => {
    const { journal } = callOf('sentence/ws');
    const speaks = received(journal, 'deepgram.speak.ws', 'Speak').map((e) => String(facts(e)['text']).trim());
    expect(speaks).toEqual([GREETING, ...REPLY_SENTENCES]);
  });

  it('full: the whole reply in one Speak and one Flush', () => {
    const { journal } = callOf('full/ws');
    expect(received(journal, 'deepgram.speak.ws', 'Speak').map((e) => facts(e)['text'])).toEqual([GREETING, REPLY]);
    expect(received(journal, 'deepgram.speak.ws', 'Flush')).toHaveLength(2);
  });

  it.each(['sentence/rest/stream', 'token/rest/stream'] as const)('%s: one REST request per sentence, in order, and no TTS WebSocket', (mode) => {
    const { journal } = callOf(mode);
    const requests = received(journal, 'deepgram.speak.rest', 'request');
    expect(requests.map((e) => facts(e)['text'])).toEqual([GREETING, ...REPLY_SENTENCES]);
    for (const request of requests) expect(request.data).toMatchObject({ encoding: 'mulaw', container: 'none', sampleRate: 8000 });
    expect(journal.filter((e) => e.service === 'deepgram.speak.ws')).toEqual([]);
    // One at a time: each request starts after the previous body has been read.
    const done = journal.filter((e) => e.service === 'deepgram.speak.rest' && e.kind === 'done');
    for (let i = 1; i < requests.length; i++) expect(requests[i]?.t ?? 0).toBeGreaterThanOrEqual(done[i - 1]?.t ?? Infinity);
  });

  it('full over REST: one request for the whole reply', () => {
    for (const mode of ['full/rest/buffer', 'seed-current'] as const) {
      const { journal } = callOf(mode);
      expect(received(journal, 'deepgram.speak.rest', 'request').map((e) => facts(e)['text'])).toEqual([GREETING, REPLY]);
      expect(journal.filter((e) => e.service === 'deepgram.speak.ws')).toEqual([]);
    }
  });

  it('restBody=buffer: no audio reaches the caller before the whole body has been sent', () => {
    const { journal, events } = callOf('full/rest/buffer');
    const utterance = eventsOf(events, 'utterance')[0];
    const firstReplyMedia = eventsOf(events, 'agent_media').find((m) => utterance !== undefined && m.t > utterance.lastVoicedAt);
    const replyDone = journal.filter((e) => e.service === 'deepgram.speak.rest' && e.kind === 'done')[1];
    expect(firstReplyMedia?.t).toBeGreaterThanOrEqual(replyDone?.t ?? Infinity);
    // …while restBody=stream forwards audio as the body streams in.
    const streamed = callOf('sentence/rest/stream');
    const firstStreamed = eventsOf(streamed.events, 'agent_media').find((m) => m.t > (eventsOf(streamed.events, 'utterance')[0]?.lastVoicedAt ?? Infinity));
    const firstSentenceDone = streamed.journal.filter((e) => e.service === 'deepgram.speak.rest' && e.kind === 'done')[1];
    expect(firstStreamed?.t).toBeLessThan(firstSentenceDone?.t ?? -Infinity);
  });

  // Poll playout's bursts (what one wake sends, wakes at least 10 ms apart) are held exactly on the
  // manual clock in test/unit/agent-poll-playout.test.ts: here, on a shared machine, delivery jitter
  // would decide them.

  it('seed-current (buffer + poll): the whole answer reaches the caller only after the body has been read, far faster than it plays', () => {
    const { journal, events } = callOf('seed-current');
    const utterance = eventsOf(events, 'utterance')[0];
    const reply = eventsOf(events, 'agent_media').filter((m) => utterance !== undefined && m.t > utterance.lastVoicedAt);
    const done = journal.filter((e) => e.service === 'deepgram.speak.rest' && e.kind === 'done')[1];
    expect(reply.length).toBeGreaterThan(0);
    expect(reply[0]?.t).toBeGreaterThanOrEqual(done?.t ?? Infinity);
    // Buffered, the answer is sent as fast as the socket takes it: its 20 ms frames arrive in far less
    // than the time they play for (a ratio, so that a loaded machine does not decide it).
    expect((reply[reply.length - 1]?.t ?? 0) - (reply[0]?.t ?? 0)).toBeLessThan((reply.length * 20) / 4);
  });
});
