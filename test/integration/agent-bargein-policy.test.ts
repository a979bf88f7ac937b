/**
 * The cascaded agent's barge-in policy on the shipped `backchannel` scenario made short
 * (test/agents/planted/scenarios/backchannel-short.json: "uh-huh" two seconds into a 5 s answer):
 * `speech` stops for it (the fast default, REFERENCE-AGENTS bug class 15), `words` talks on and
 * does not answer it; both still stop for a real interruption (test/integration/scenarios/
 * barge-in-short.json, the shipped `barge-in-mid-sentence` made short).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf } from '../../harness/caller/timeline.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import { startMocks, type Mocks } from '../../harness/mocks/start-mocks.ts';
import { loadScenario } from '../../harness/scenario/load.ts';
import type { Scenario } from '../../harness/scenario/schema.ts';
import { fixedProfile } from './helpers/mock-context.ts';
import { loadTestScenario } from './helpers/test-scenarios.ts';
import { agentCall, callBook, type ReplyCall } from './helpers/reply-call.ts';

const PLANTED_SCENARIOS = path.resolve(import.meta.dirname, '..', 'agents', 'planted', 'scenarios');
const clock = createSystemClock();
let mocks: Mocks;
const calls = callBook();
const callOf = calls.get;

beforeAll(async () => {
  mocks = await startMocks({ clock, profile: fixedProfile({ 'stt.result_lag_ms': 20, 'llm.first_token_ms': 60, 'tts.first_byte_ms': 40 }, 20), seed: 2 });
  const backchannel = await loadScenario(path.join(PLANTED_SCENARIOS, 'backchannel-short.json'));
  const bargeIn: Scenario = await loadTestScenario('barge-in-short');
  const runs: Array<[string, Promise<ReplyCall>]> = [
    ['speech/backchannel', agentCall(clock, mocks, { bargeIn: 'speech' }, backchannel)],
    ['words/backchannel', agentCall(clock, mocks, { bargeIn: 'words' }, backchannel)],
    ['words/barge-in', agentCall(clock, mocks, { bargeIn: 'words' }, bargeIn)],
  ];
  for (const [name, call] of runs) calls.set(name, await call);
}, 120_000);
afterAll(async () => {
  await mocks?.close();
});

describe('barge-in policy', () => {
  it("speech: an 'uh-huh' stops the answer (the fast default's known cost)", () => {
    const call = callOf('speech/backchannel');
    expect(call.error).toBeUndefined();
    expect(eventsOf(call.events, 'clear')).toHaveLength(1);
    expect(computeCallMetrics(call.events).turns.map((t) => t.kind)).toEqual(['reply', 'barge-in']);
  });

  it("words: the agent talks on over 'uh-huh', does not answer it, and finishes its answer", () => {
    const call = callOf('words/backchannel');
    expect(call.error).toBeUndefined();
    expect(eventsOf(call.events, 'clear')).toHaveLength(0);
    const metrics = computeCallMetrics(call.events);
    expect(metrics.turns.map((t) => t.kind)).toEqual(['reply', 'talk-over']);
    expect(call.log.filter((e) => e.type === 'bargein')).toEqual([]);
    // One chat request: the answer; the backchannel was not sent to the LLM.
    expect(call.journal.filter((e) => e.service === 'openai.chat' && e.kind === 'request')).toHaveLength(1);
  });

  it('words: a real interruption still clears at once and is answered', () => {
    const call = callOf('words/barge-in');
    expect(call.error).toBeUndefined();
    const metrics = computeCallMetrics(call.events);
    expect(metrics.turns.map((t) => t.kind)).toEqual(['reply', 'barge-in']);
    expect(metrics.unansweredTurns).toBe(0);
    expect(metrics.samples['bargein.leak_ms']).toEqual([0]);
  });
});
