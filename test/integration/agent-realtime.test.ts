/**
 * The reference agent in Realtime mode, against the OpenAI Realtime mock (GA, over wss:// with the
 * mock's certificate, through openai-node's OpenAIRealtimeWS): session set-up, greeting, answers,
 * mid-sentence barge-in (clear, truncate at the audio the caller heard, response.cancel, late
 * deltas dropped), an upstream drop mid-reply, teardown on hang-up, and a refused key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf } from '../../harness/caller/timeline.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import type { EntryOf, JournalEntry } from '../../harness/mocks/journal/entries.ts';
import { entriesOfKind } from '../../harness/mocks/journal/queries.ts';
import { startMocks, type Mocks } from '../../harness/mocks/start-mocks.ts';
import type { Scenario } from '../../harness/scenario/schema.ts';
import { fixedProfile } from './helpers/mock-context.ts';
import { agentCall, answerScenario, bargeInScenario, callBook, GREETING, REPLY, SECOND_REPLY, type ReplyCall } from './helpers/reply-call.ts';
import { watchLoopStalls } from './helpers/loop-stalls.ts';
// Upper bounds on wall-clock latencies add the worst event-loop stall seen (helpers/loop-stalls.ts).
const stalls = watchLoopStalls();

const DROP_SCENARIO: Scenario = {
  name: 'realtime-drop',
  description: 'the Realtime socket closes right after the first answer starts; the caller asks again',
  steps: [
    { type: 'wait_for_agent', quietMs: 300, timeoutMs: 10_000 },
    { type: 'say', fixture: 'ok', reply: REPLY },
    { type: 'wait_for_agent', quietMs: 600, timeoutMs: 15_000 },
    { type: 'say', fixture: 'hours', reply: SECOND_REPLY },
    { type: 'wait_for_agent', quietMs: 400, timeoutMs: 15_000 },
    { type: 'hangup' },
  ],
  // Response 1 is the greeting, response 2 the first answer.
  faults: [{ type: 'close', service: 'openai.realtime', afterResponses: 2, code: 1011, reason: 'callbench fault: upstream closed' }],
};

const LONG_GREETING = 'Hello, and thank you for calling the Riverside restaurant. I can help you book a table, check our opening hours, or answer questions about the menu.';
const GREETING_INTERRUPTED: Scenario = {
  name: 'realtime-greeting-interrupted',
  description: 'the caller talks over the greeting a second into it',
  steps: [
    { type: 'wait_for_agent_audio', playedMs: 1000, timeoutMs: 10_000 },
    { type: 'say', fixture: 'ok', reply: REPLY },
    { type: 'wait_for_agent', quietMs: 400, timeoutMs: 15_000 },
    { type: 'hangup' },
  ],
};

const clock = createSystemClock();
let mocks: Mocks;
const calls = callBook();
const callOf = calls.get;

type RealtimeKind = EntryOf<'openai.realtime'>['kind'];
const received = <K extends RealtimeKind>(journal: readonly JournalEntry[], kind: K) => entriesOfKind(journal, 'openai.realtime', kind).filter((e) => e.direction === 'received');
const sent = <K extends RealtimeKind>(journal: readonly JournalEntry[], kind: K) => entriesOfKind(journal, 'openai.realtime', kind).filter((e) => e.direction === 'sent');

beforeAll(async () => {
  // Output generated at 2× real time: a long answer is still being generated when the caller interrupts.
  mocks = await startMocks({ clock, profile: fixedProfile({ 'stt.result_lag_ms': 20, 'realtime.first_audio_ms': 80 }, 2), seed: 3 });
  const realtime = { mode: 'realtime' as const, realtime: { silenceDurationMs: 300 } };
  const plan: Array<[string, Promise<ReplyCall>]> = [
    // The agent is stopped only 1.5 s after this call, so the teardown check sees what hang-up alone closed.
    ['answer', agentCall(clock, mocks, realtime, answerScenario(), {}, 1500)],
    ['barge-in', agentCall(clock, mocks, realtime, bargeInScenario(1200))],
    ['late-audio', agentCall(clock, mocks, realtime, bargeInScenario(1200, [{ type: 'late_audio', service: 'openai.realtime', ms: 600 }]))],
    ['drop', agentCall(clock, mocks, realtime, DROP_SCENARIO)],
    ['bad-key', agentCall(clock, mocks, realtime, answerScenario(), { OPENAI_API_KEY: 'sk-not-the-mock-key-1234' })],
    ['bad-voice', agentCall(clock, mocks, { mode: 'realtime', realtime: { voice: 'hal-9000' } }, answerScenario())],
    ['greeting-interrupted', agentCall(clock, mocks, { ...realtime, greeting: LONG_GREETING }, GREETING_INTERRUPTED)],
  ];
  for (const [name, call] of plan) calls.set(name, await call);
}, 90_000);
afterAll(async () => {
  await mocks?.close();
});

describe('reference agent, Realtime mode', () => {
  it('sets the session to audio/pcmu both ways with server VAD, greets after start, and answers', () => {
    const call = callOf('answer');
    expect(call.error).toBeUndefined();
    const [update] = received(call.journal, 'session.update');
    expect(update?.data).toMatchObject({ type: 'realtime', inputFormat: 'audio/pcmu', outputFormat: 'audio/pcmu', voice: 'marin', turnDetection: 'server_vad' });
    // The greeting is spoken word for word; the answer is the scripted reply.
    const transcripts = sent(call.journal, 'response.output_audio_transcript.done').map((e) => e.data['transcript']);
    expect(transcripts).toEqual([GREETING, REPLY]);
    const start = eventsOf(call.events, 'start_sent')[0]?.t ?? Infinity;
    expect(received(call.journal, 'response.create')[0]?.t).toBeGreaterThan(start);
    const metrics = computeCallMetrics(call.events);
    expect(metrics.greetingHeard).toBe(true);
    expect(metrics.unansweredTurns).toBe(0);
    expect(metrics.samples['turn.response_ms']).toHaveLength(1);
    expect(eventsOf(call.events, 'clear')).toHaveLength(0);
    // The agent's own account of the turn, in order.
    const types = call.log.map((e) => e.type);
    for (const type of ['realtime.session', 'realtime.speech_stopped', 'realtime.response', 'realtime.first_audio', 'twilio.first_media', 'realtime.done']) {
      expect(types).toContain(type);
    }
    expect(call.log.filter((e) => e.type === 'realtime.done').map((e) => (e.type === 'realtime.done' ? [e.turn, e.status] : []))).toEqual([
      [0, 'completed'],
      [1, 'completed'],
    ]);
  });

  it('barge-in: clears Twilio, truncates the item at the audio the caller heard, cancels the response, leaks nothing', () => {
    const call = callOf('barge-in');
    expect(call.error).toBeUndefined();
    const clears = eventsOf(call.events, 'clear');
    expect(clears).toHaveLength(1);
    const clearAt = clears[0]?.t ?? Infinity;
    const metrics = computeCallMetrics(call.events, call.journal);
    expect(metrics.unansweredTurns).toBe(0);
    expect(metrics.samples['bargein.leak_ms']).toEqual([0]);

    const [truncate] = received(call.journal, 'conversation.item.truncate');
    const audioEndMs = Number(truncate?.data.audioEndMs);
    // Never more than the service generated for the item, and the service accepted it.
    expect(audioEndMs).toBeLessThanOrEqual(Number(truncate?.data.generatedMs));
    expect(sent(call.journal, 'conversation.item.truncated')).toHaveLength(1);
    expect(sent(call.journal, 'error')).toHaveLength(0);
    // Close to what the caller's playback model played of the answer before the clear
    // (bargein.truncate_error_ms; the scenario interrupts after 1.2 s of it).
    expect(audioEndMs).toBeGreaterThan(1000);
    const [error] = metrics.samples['bargein.truncate_error_ms'] ?? [];
    expect(Math.abs(error ?? Infinity)).toBeLessThan(150 + stalls.maxMs());
    expect(clearAt).toBeLessThan(Infinity);

    // The answer was still being generated: the agent cancelled it; the new question got its own answer.
    expect(received(call.journal, 'response.cancel')).toHaveLength(1);
    const done = sent(call.journal, 'response.done').map((e) => e.data.status);
    expect(done).toEqual(['completed', 'cancelled', 'completed']);
    const transcripts = sent(call.journal, 'response.output_audio_transcript.done').map((e) => e.data['transcript']);
    expect(transcripts.at(-1)).toBe(SECOND_REPLY);
  });

  it('drops the audio deltas of a cancelled response that arrive after the cancel', () => {
    const call = callOf('late-audio');
    expect(call.error).toBeUndefined();
    const fault = call.journal.find((e) => e.service === 'openai.realtime' && e.kind === 'fault' && e.data.type === 'late_audio');
    const deltas = fault?.service === 'openai.realtime' && fault.kind === 'fault' && fault.data.type === 'late_audio' ? fault.data.deltas : 0;
    expect(deltas).toBeGreaterThan(0);
    const cancelled = call.log.find((e) => e.type === 'realtime.done' && e.status === 'cancelled');
    expect(cancelled?.type === 'realtime.done' ? cancelled.droppedDeltas : 0).toBeGreaterThanOrEqual(deltas);
    expect(computeCallMetrics(call.events).samples['bargein.leak_ms']).toEqual([0]);
  });

  it('reopens the Realtime socket after a drop mid-reply and answers the next question', () => {
    const call = callOf('drop');
    expect(call.error).toBeUndefined();
    const opens = call.journal.filter((e) => e.service === 'openai.realtime' && e.kind === 'open');
    expect(opens).toHaveLength(2);
    expect(received(call.journal, 'session.update')).toHaveLength(2);
    expect(call.log.some((e) => e.type === 'warning' && e.code === 'upstream.dropped')).toBe(true);
    const transcripts = sent(call.journal, 'response.output_audio_transcript.done').map((e) => e.data['transcript']);
    expect(transcripts.at(-1)).toBe(SECOND_REPLY);
    expect(computeCallMetrics(call.events).unansweredTurns).toBe(0);
  });

  it('closes its Realtime socket when the caller hangs up, not only when the agent stops', () => {
    const call = callOf('answer');
    const journal = call.journal.filter((e) => e.service === 'openai.realtime');
    const opened = new Set(journal.filter((e) => e.kind === 'open').map((e) => e.connection));
    const closed = new Set(journal.filter((e) => e.kind === 'close' && e.t < call.agentStoppedAt).map((e) => e.connection));
    expect(opened.size).toBe(1);
    expect([...opened].filter((id) => !closed.has(id))).toEqual([]);
    const close = journal.find((e) => e.kind === 'close');
    expect(close?.kind === 'close' ? close.data.code : undefined).toBe(1000);
  });

  it('hangs up at once, without retrying, when the service refuses the key', () => {
    const call = callOf('bad-key');
    const refused = call.journal.filter((e) => e.service === 'openai.realtime' && e.kind === 'refused');
    expect(refused).toHaveLength(1);
    const closed = eventsOf(call.events, 'closed')[0];
    expect(closed).toMatchObject({ by: 'agent', code: 1011 });
    const failure = call.log.find((e) => e.type === 'error' && e.code === 'upstream.failed');
    expect(failure?.type === 'error' ? failure.message : '').toMatch(/HTTP 401.*Incorrect API key provided/);
    expect(JSON.stringify(call.log)).not.toContain('sk-not-the-mock-key-1234');
  });

  it('hangs up at once when the service refuses the session settings (an unknown voice), naming them', () => {
    const call = callOf('bad-voice');
    const closed = eventsOf(call.events, 'closed')[0];
    expect(closed).toMatchObject({ by: 'agent', code: 1011 });
    // At once: not after the 5 s the agent would otherwise wait for session.updated.
    const started = eventsOf(call.events, 'start_sent')[0]?.t ?? 0;
    expect((closed?.t ?? Infinity) - started).toBeLessThan(2000 + stalls.maxMs());
    const failure = call.log.find((e) => e.type === 'error' && e.code === 'upstream.failed');
    expect(failure?.type === 'error' ? failure.message : '').toMatch(/refused the session settings: invalid_value: Invalid value: 'hal-9000'/);
  });

  it('the greeting is interruptible: clear, truncate of turn 0 at what was heard, cancel, then the answer', () => {
    const call = callOf('greeting-interrupted');
    expect(call.error).toBeUndefined();
    expect(eventsOf(call.events, 'clear')).toHaveLength(1);
    const truncate = call.log.find((e) => e.type === 'realtime.truncate');
    expect(truncate).toMatchObject({ turn: 0 });
    expect(truncate?.type === 'realtime.truncate' ? truncate.audioEndMs : 0).toBeGreaterThan(900);
    expect(received(call.journal, 'response.cancel')).toHaveLength(1);
    const metrics = computeCallMetrics(call.events, call.journal);
    expect(metrics.samples['bargein.leak_ms']).toEqual([0]);
    expect(Math.abs(metrics.samples['bargein.truncate_error_ms']?.[0] ?? Infinity)).toBeLessThan(150 + stalls.maxMs());
    const transcripts = sent(call.journal, 'response.output_audio_transcript.done').map((e) => e.data['transcript']);
    expect(transcripts.at(-1)).toBe(REPLY);
  });
});
