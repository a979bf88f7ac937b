/** callbench capacity's decision on recorded step figures: which load held, where it broke, and whether the agent or the harness set the limit. No timing. */
import { describe, expect, it } from 'vitest';
import { decideCapacity, renderCapacity, type CapacityCriteria, type CapacityStep } from '../../harness/capacity/decide.ts';

const CRITERIA: CapacityCriteria = { metric: 'turn.response_ms', p95Factor: 2, pacingP99Ms: 10, eventLoopP99Ms: 20, minSamples: 5 };

const step = (level: number, p95: number, more: Partial<CapacityStep> = {}): CapacityStep => ({
  level,
  calls: level * 4,
  failedCalls: 0,
  lateDrops: 0,
  headline: { count: level * 8, p95 },
  pacingP99Ms: 2,
  eventLoopP99Ms: 3,
  ...more,
});

describe('decideCapacity', () => {
  it('the agent: p95 beyond 2 × the low-load p95 breaks the step; the one before is the highest that held', () => {
    const decision = decideCapacity([step(1, 400), step(5, 500), step(10, 790), step(20, 810), step(40, 2000)], CRITERIA);
    expect(decision.referenceP95).toBe(400);
    expect(decision.highestHeld).toBe(10);
    expect(decision.brokeAt).toBe(20);
    expect(decision.limitedBy).toBe('agent');
    // Steps after the first break are not judged.
    expect(decision.judged.map((j) => j.step.level)).toEqual([1, 5, 10, 20]);
    expect(decision.judged.at(-1)?.reasons.map((r) => r.code)).toEqual(['p95']);
    const text = renderCapacity(decision, CRITERIA, 'calls in flight');
    expect(text).toContain('The highest load that held: 10 calls in flight; it broke at 20 calls in flight: turn.response_ms p95 810 ms beyond 2 × its low-load 400 ms.');
    expect(text).toContain('The limit is the agent');
  });

  it('any failed call breaks the step, the agent named', () => {
    const decision = decideCapacity([step(1, 400), step(5, 420, { failedCalls: 1 })], CRITERIA);
    expect(decision).toMatchObject({ highestHeld: 1, brokeAt: 5, limitedBy: 'agent' });
    expect(decision.judged[1]?.reasons[0]?.message).toBe('1 of 20 call(s) failed');
  });

  it('pacing, the event loop or late drops beyond their bounds: the harness is the limit, even when the agent broke at the same step', () => {
    expect(decideCapacity([step(1, 400), step(5, 410, { pacingP99Ms: 12 })], CRITERIA)).toMatchObject({ highestHeld: 1, brokeAt: 5, limitedBy: 'harness' });
    expect(decideCapacity([step(1, 400), step(5, 410, { eventLoopP99Ms: 25 })], CRITERIA)).toMatchObject({ brokeAt: 5, limitedBy: 'harness' });
    expect(decideCapacity([step(1, 400), step(5, 410, { lateDrops: 2 })], CRITERIA)).toMatchObject({ brokeAt: 5, limitedBy: 'harness' });
    const both = decideCapacity([step(1, 400), step(5, 900, { pacingP99Ms: 40 })], CRITERIA);
    expect(both.limitedBy).toBe('harness');
    expect(both.judged[1]?.reasons.map((r) => r.code)).toEqual(['pacing', 'p95']);
    expect(renderCapacity(both, CRITERIA, 'calls in flight')).toContain('The limit is the harness, not the agent');
  });

  it('every step held: the limit is above the ramp; too few samples is no verdict on anyone', () => {
    expect(decideCapacity([step(1, 400), step(2, 450)], CRITERIA)).toMatchObject({ highestHeld: 2, brokeAt: undefined, limitedBy: undefined });
    expect(renderCapacity(decideCapacity([step(1, 400), step(2, 450)], CRITERIA), CRITERIA, 'calls/s')).toContain('Every step held: the limit is above 2 calls/s');
    const few = decideCapacity([step(1, 400, { headline: { count: 2, p95: 400 } })], CRITERIA);
    expect(few).toMatchObject({ referenceP95: undefined, highestHeld: undefined, brokeAt: 1, limitedBy: undefined });
    expect(renderCapacity(few, CRITERIA, 'calls in flight')).toContain('No step held');
    expect(decideCapacity([], CRITERIA)).toMatchObject({ referenceP95: undefined, highestHeld: undefined, brokeAt: undefined });
  });
});
