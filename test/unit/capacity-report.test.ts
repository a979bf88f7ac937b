/**
 * What `callbench capacity` prints on recorded steps: the table and the verdict, then what held
 * the harness up where it set the limit (its own process, with the in-process reference agent on
 * its loop; the machine's other work; or short stalls), an interrupted ramp, no verdict; and the
 * --json object. No run, no timing.
 */
import { describe, expect, it } from 'vitest';
import { decideCapacity, type CapacityCriteria, type CapacityStep } from '../../harness/capacity/decide.ts';
import type { CapacityResult } from '../../harness/capacity/ramp.ts';
import { capacityJson, renderCapacityReport, type CapacityContext } from '../../harness/report/capacity-report.ts';

const CRITERIA: CapacityCriteria = { metric: 'turn.response_ms', p95Factor: 2, pacingP99Ms: 10, eventLoopP99Ms: 20, minSamples: 4 };
const CONTEXT: CapacityContext = { criteria: CRITERIA, levels: [1, 2, 4, 8], length: { kind: 'calls', callsPerCaller: 4 }, warmup: 1, inProcessReference: true, cores: 2 };

const step = (level: number, more: Partial<CapacityStep> = {}): CapacityStep => ({
  level,
  calls: level * 4,
  failedCalls: 0,
  lateDrops: 0,
  headline: { count: level * 4, p50: 340, p95: 400 },
  pacingP99Ms: 1,
  eventLoopP99Ms: 2,
  cpuPercent: 20 * level,
  ...more,
});

function resultOf(steps: CapacityStep[], machineCpuPercent: number | undefined, end: CapacityResult['end'] = { state: 'decided' }): CapacityResult {
  const decision = decideCapacity(steps, CRITERIA);
  return {
    decision,
    played: decision.judged.map((judged, index) => ({ index, step: judged.step, reasons: judged.reasons, result: { state: 'completed', durationMs: 60_000 }, machineCpuPercent })),
    end,
  };
}

describe('renderCapacityReport', () => {
  it('the agent: the table with p50, p95 and cpu, and the verdict; no note on the harness', () => {
    const text = renderCapacityReport(resultOf([step(1), step(2), step(4, { headline: { count: 16, p50: 500, p95: 900 } })], 30), CONTEXT);
    expect(text).toMatch(/^level\s+calls\s+failed\s+p50\s+p95\s+pacing p99\s+loop p99\s+cpu\s+verdict$/m);
    expect(text).toMatch(/^\s+4\s+16\s+0\s+500\s+900\s+1\s+2\s+80%\s+broke: p95$/m);
    expect(text).toContain('The highest load that held: 2 call(s) in flight; it broke at 4 call(s) in flight: turn.response_ms p95 900 ms beyond 2 × its low-load 400 ms. The limit is the agent');
    expect(text).not.toContain('At 4');
  });

  it("the harness, its own process busy: the CPU it used, and that the in-process reference agent shares its loop", () => {
    const text = renderCapacityReport(resultOf([step(1), step(4, { pacingP99Ms: 30, cpuPercent: 95 })], 60), CONTEXT);
    expect(text).toContain('The limit is the harness, not the agent');
    expect(text).toContain("At 4 call(s) in flight callbench's process used 95% of one CPU core; the machine's 2 core(s) were 60% busy. The reference agent ran on callbench's event loop (--agent-in-process)");
    const apart = renderCapacityReport(resultOf([step(1), step(4, { pacingP99Ms: 30, cpuPercent: 95 })], 60), { ...CONTEXT, inProcessReference: false });
    expect(apart).not.toContain('The reference agent ran');
    expect(apart.endsWith("At 4 call(s) in flight callbench's process used 95% of one CPU core; the machine's 2 core(s) were 60% busy.")).toBe(true);
    // Nothing measured, an agent of its own: no note at all.
    const { cpuPercent: _, ...unmeasured } = step(1, { pacingP99Ms: 30 });
    expect(renderCapacityReport(resultOf([unmeasured], undefined), { ...CONTEXT, inProcessReference: false }).endsWith('to measure the agent beyond it.')).toBe(true);
  });

  it('the harness, its process nearly idle: the machine was busy with other work, or nothing was and the stalls were short', () => {
    expect(renderCapacityReport(resultOf([step(1, { eventLoopP99Ms: 40, cpuPercent: 3 })], 97), CONTEXT)).toContain(
      "At 1 call(s) in flight callbench's process used only 3% of one CPU core while the machine's 2 core(s) were 97% busy: other processes held the CPUs.",
    );
    expect(renderCapacityReport(resultOf([step(1, { eventLoopP99Ms: 40, cpuPercent: 3 })], 40), CONTEXT)).toContain('neither was busy throughout, so the lateness came in bursts');
  });

  it('an interrupted ramp names the step it stopped, unjudged; too few samples is no verdict', () => {
    expect(renderCapacityReport(resultOf([step(1)], 30, { state: 'interrupted', reason: 'SIGINT' }), CONTEXT)).toContain(
      'Interrupted (SIGINT) during the step at 2 call(s) in flight: that step is not judged, and the ramp stopped there.',
    );
    expect(renderCapacityReport(resultOf([], 30, { state: 'interrupted', reason: 'SIGTERM' }), CONTEXT)).toBe(
      'Interrupted (SIGTERM) during the step at 1 call(s) in flight: that step is not judged, and the ramp stopped there.',
    );
    expect(renderCapacityReport(resultOf([step(1, { headline: { count: 0, p95: 0 } })], 30), CONTEXT)).toContain('No verdict on the agent or the harness');
  });
});

describe('capacityJson', () => {
  it('every step played with its verdict, and the decision', () => {
    const json = capacityJson(resultOf([step(1), step(2, { failedCalls: 1 })], 30), CONTEXT);
    expect(json).toMatchObject({ kind: 'capacity', metric: 'turn.response_ms', levels: [1, 2, 4, 8], step: { callsPerCaller: 4, warmup: 1 }, referenceP95: 400, highestHeld: 1, brokeAt: 2, limitedBy: 'agent', outcome: 'found' });
    expect(json['steps']).toEqual([
      { level: 1, calls: 4, failedCalls: 0, headline: { count: 4, p50: 340, p95: 400 }, pacingP99Ms: 1, eventLoopP99Ms: 2, cpuPercent: 20, durationMs: 60_000, machineCpuPercent: 30, held: true, reasons: [] },
      expect.objectContaining({ level: 2, held: false, reasons: [{ code: 'failed-calls', by: 'agent', message: '1 of 8 call(s) failed' }] }),
    ]);
    expect(capacityJson(resultOf([step(1), step(2)], 30), CONTEXT)).toMatchObject({ highestHeld: 2, brokeAt: null, limitedBy: null, outcome: 'above-max' });
  });
});
