/**
 * addCheckSummaries: the check summaries of disjoint sets of calls (a run's shards) add up to the
 * one summarizeChecks gives over all of them: counts, skip reasons, status, and the first
 * evidence lines in scenario-then-call order.
 */
import { describe, expect, it } from 'vitest';
import { passed, skipped, verdictOf, type CallVerdicts } from '../../harness/checks/check.ts';
import { addCheckSummaries, summarizeChecks } from '../../harness/checks/summary.ts';

const call = (n: number, failing: boolean): CallVerdicts => ({
  call: n,
  verdicts: [failing ? verdictOf('turn.answered', [`call ${n} line a`, `call ${n} line b`]) : passed('turn.answered'), skipped('bargein.no-leak', n % 2 === 0 ? 'no barge-in' : 'no audio')],
});

describe('addCheckSummaries', () => {
  it("adds shards' summaries into the whole run's, evidence in call order", () => {
    const scenarios = ['a', 'b'];
    const calls = { a: [1, 2, 3, 4, 5].map((n) => call(n, n !== 1)), b: [1, 2, 3].map((n) => call(n, n === 2)) };
    const whole = summarizeChecks(scenarios.map((s) => ({ scenario: s, calls: calls[s as 'a' | 'b'] })));
    // Shard i of 2 holds the calls with odd or even numbers, as --shard splits a plan.
    const shard = (i: number): ReturnType<typeof summarizeChecks>[] =>
      scenarios.map((s) => summarizeChecks([{ scenario: s, calls: calls[s as 'a' | 'b'].filter((c) => c.call % 2 === i % 2) }]));
    const perScenario = scenarios.map((_, k) => addCheckSummaries([shard(2)[k]!, shard(1)[k]!], scenarios));
    const merged = addCheckSummaries(perScenario, scenarios);
    expect(merged['turn.answered']).toEqual(whole['turn.answered']);
    expect(merged['turn.answered'].evidence.map((e) => `${e.scenario}${e.call}`)).toEqual(['a2', 'a2', 'a3']);
    expect(merged['bargein.no-leak'].skipped).toBe(8);
    expect(merged['bargein.no-leak'].status).toBe('skipped');
    expect(new Set(merged['bargein.no-leak'].skipReasons.map((r) => `${r.reason}:${r.calls}`))).toEqual(new Set(whole['bargein.no-leak'].skipReasons.map((r) => `${r.reason}:${r.calls}`)));
  });
});
