/**
 * Barge-in in every TTS transport, text mode and playout: the agent clears Twilio, stops its
 * upstream work (REST requests aborted, nothing more requested for the interrupted reply), drops
 * what sat in its poll queue, and answers the new question in full.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplyOptions } from '../../agent/index.ts';
import { REPLY_PRESETS } from '../../agent/reply/presets.ts';
import { speechDurationMs } from '../../harness/audio/index.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { eventsOf } from '../../harness/caller/timeline.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import { startMocks, type Mocks } from '../../harness/mocks/start-mocks.ts';
import { bargeInScenario, LONG_REPLY, replyCall, SECOND_REPLY, type ReplyCall } from './helpers/reply-call.ts';
import { fixedProfile } from './helpers/mock-context.ts';
import { facts } from './helpers/journal.ts';

const SCENARIO = bargeInScenario(600);

const MODES = {
  'token/ws': { text: 'token', tts: 'ws' },
  'sentence/rest/stream': { text: 'sentence', tts: 'rest', restBody: 'stream' },
  'sentence/ws/poll': { text: 'sentence', tts: 'ws', playout: 'poll' },
  'seed-current': REPLY_PRESETS['seed-current'],
} as const satisfies Record<string, Partial<ReplyOptions>>;
type Mode = keyof typeof MODES;

const clock = createSystemClock();
let mocks: Mocks;
const calls = new Map<Mode, ReplyCall>();

beforeAll(async () => {
  mocks = await startMocks({
    clock,
    profile: fixedProfile({ 'stt.result_lag_ms': 20, 'llm.first_token_ms': 60, 'llm.token_gap_ms': 5, 'tts.first_byte_ms': 40, 'tts.rest_first_byte_ms': 60 }, 20),
    seed: 5,
  });
  const results = await Promise.all((Object.keys(MODES) as Mode[]).map(async (mode) => [mode, await replyCall(clock, mocks, MODES[mode], SCENARIO)] as const));
  for (const [mode, call] of results) calls.set(mode, call);
}, 60_000);
afterAll(async () => {
  await mocks?.close();
});

describe('barge-in in every reply mode', () => {
  it.each(Object.keys(MODES) as Mode[])('%s: clears, leaks nothing, stops the interrupted reply upstream, answers the new question', (mode) => {
    const call = calls.get(mode);
    expect(call?.error).toBeUndefined();
    if (call === undefined) return;
    const clears = eventsOf(call.events, 'clear');
    expect(clears.length).toBeGreaterThanOrEqual(1);
    const clearAt = clears[0]?.t ?? Infinity;

    const metrics = computeCallMetrics(call.events);
    expect(metrics.unansweredTurns).toBe(0);
    expect(metrics.samples['bargein.clear_ms']).toHaveLength(1);
    for (const leak of metrics.samples['bargein.leak_ms'] ?? []) expect(leak).toBe(0);

    // Nothing of the interrupted reply was asked of TTS after the clear.
    // (A token found in both replies is the new reply's.)
    const interruptedText = (text: unknown): boolean =>
      typeof text === 'string' && text.trim() !== '' && LONG_REPLY.includes(text.trim()) && !SECOND_REPLY.includes(text.trim());
    const late = call.journal.filter(
      (e) => e.t > clearAt && e.direction === 'received' && (e.kind === 'Speak' || e.kind === 'request') && e.service.startsWith('deepgram.speak') && interruptedText(facts(e)['text']),
    );
    expect(late).toEqual([]);

    // The new question's answer was heard in full after the clear.
    const afterClear = eventsOf(call.events, 'agent_media').filter((m) => m.t > clearAt).reduce((sum, m) => sum + m.bytes / 8, 0);
    expect(afterClear).toBeGreaterThanOrEqual(speechDurationMs(SECOND_REPLY) - 2 * 66);
  });

  // That a request in flight is aborted at once is checked deterministically in test/unit/agent-rest-speech.test.ts.
  it('REST: no request is left running', () => {
    const { journal } = calls.get('sentence/rest/stream') ?? { journal: [] };
    const rest = journal.filter((e) => e.service === 'deepgram.speak.rest');
    const requests = new Set(rest.filter((e) => e.kind === 'request').map((e) => e.connection));
    const finished = new Set(rest.filter((e) => e.kind === 'done' || e.kind === 'abort').map((e) => e.connection));
    // Every request ended, one way or the other; none was left running.
    expect([...requests].filter((c) => !finished.has(c))).toEqual([]);
  });
});
