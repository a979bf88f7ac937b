/**
 * A run that cannot be trusted says so: the bounds logic on hand-made histograms (the caller's
 * frame lateness as an HDR histogram, the event-loop delay as a perf_hooks histogram of whole
 * timer periods in ns), the override of the bounds, the terminal block, and the summary and
 * fold carrying the event-loop delay and the warnings through.
 */
import { createHistogram as createNsHistogram } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { createHistogram } from '../../harness/metrics/histogram.ts';
import { createRunFold } from '../../harness/report/fold.ts';
import { summarize } from '../../harness/report/summary.ts';
import { renderSummaryTable } from '../../harness/report/table.ts';
import { parseTrustBounds, TRUST_BOUNDS } from '../../harness/report/trust-bounds.ts';
import { renderWarnings, trustWarnings } from '../../harness/report/warnings.ts';
import { eventLoopDelayOf, type EventLoopDelay } from '../../harness/runner/event-loop.ts';
import { callRecord, runStarted } from './helpers/run-events.ts';
import { runOutcome } from './helpers/run-outcome.ts';

/** Frame lateness (ms) as the caller's pacer records it. */
function pacing(lateMs: readonly number[]): { framesLateMs: ReturnType<ReturnType<typeof createHistogram>['summary']>; framesSent: number } {
  const h = createHistogram();
  for (const v of lateMs) h.record(v);
  return { framesLateMs: h.summary(), framesSent: lateMs.length };
}

/** Timer periods (ms, the 10 ms resolution included) as monitorEventLoopDelay records them, in ns. */
function loop(periodsMs: readonly number[]): EventLoopDelay {
  const h = createNsHistogram();
  for (const ms of periodsMs) h.record(Math.round(ms * 1e6));
  const delay = eventLoopDelayOf(h, 10);
  if (delay === undefined) throw new Error('no samples');
  return delay;
}

const times = (n: number, value: number): number[] => Array.from({ length: n }, () => value);

describe('eventLoopDelayOf', () => {
  it('reports the delay beyond the resolution, never below 0, and nothing without samples', () => {
    const delay = loop([...times(98, 10.1), 9.9, 160]);
    expect(delay.samples).toBe(100);
    expect(delay.resolutionMs).toBe(10);
    expect(delay.delayMs.p50).toBeCloseTo(0.1, 1);
    expect(delay.delayMs.max).toBeCloseTo(150, 0);
    expect(loop([9.5]).delayMs.max).toBe(0);
    expect(eventLoopDelayOf(createNsHistogram(), 10)).toBeUndefined();
  });
});

describe('trustWarnings', () => {
  const quiet = loop(times(200, 10.2));

  it('gives none for a run within every bound', () => {
    expect(trustWarnings({ pacing: pacing([...times(999, 0.4), 3]), eventLoop: quiet })).toEqual([]);
    // Just under each bound (HDR keeps 3 significant digits: a sample at the bound may read 0.01 ms above it).
    expect(trustWarnings({ pacing: pacing([...times(99, 9.9), 99.8]), eventLoop: loop([...times(99, 29.9), 109.8]) })).toEqual([]);
  });

  it('pacing.late: a p99 or a max of frame lateness beyond its bound, naming the figure and the bound', () => {
    // The run of the issue: p99 136 ms, max 1025 ms late.
    const [warning, ...rest] = trustWarnings({ pacing: pacing([...times(90, 1), ...times(9, 136), 1025]), eventLoop: quiet });
    expect(rest).toEqual([]);
    expect(warning?.code).toBe('pacing.late');
    expect(warning?.message).toMatch(/^the caller's 20 ms frames went out late: p99 136(\.\d+)? ms \(bound 10 ms\), max 1025(\.\d+)? ms \(bound 100 ms\) over 100 frames; /);
    // Only the max beyond its bound: the p99 is shown without one.
    const spike = trustWarnings({ pacing: pacing([...times(999, 0.5), 400]), eventLoop: quiet });
    expect(spike.map((w) => w.code)).toEqual(['pacing.late']);
    expect(spike[0]?.message).toContain('p99 0.5 ms, max 400 ms (bound 100 ms)');
  });

  it('event_loop.delayed: a p99 or a max of the loop delay beyond its bound', () => {
    const held = trustWarnings({ pacing: pacing([0.5]), eventLoop: loop([...times(90, 10.1), ...times(10, 45)]) });
    expect(held.map((w) => w.code)).toEqual(['event_loop.delayed']);
    expect(held[0]?.message).toMatch(/^the harness's event loop was held up: p99 35(\.\d+)? ms \(bound 20 ms\), max 35(\.\d+)? ms beyond its 10 ms timer over 100 samples; /);
    expect(trustWarnings({ pacing: pacing([0.5]), eventLoop: loop([...times(999, 10.1), 400]) }).map((w) => w.code)).toEqual(['event_loop.delayed']);
  });

  it('both, in a fixed order; nothing to judge without frames or an event-loop measurement', () => {
    expect(trustWarnings({ pacing: pacing(times(10, 50)), eventLoop: loop(times(10, 50)) }).map((w) => w.code)).toEqual(['pacing.late', 'event_loop.delayed']);
    expect(trustWarnings({ pacing: pacing([]), eventLoop: null })).toEqual([]);
  });

  it('uses the bounds given: at 0, any lateness at all warns', () => {
    const zero = { pacingP99Ms: 0, pacingMaxMs: 0, eventLoopP99Ms: 0, eventLoopMaxMs: 0 };
    expect(trustWarnings({ pacing: pacing([0.01]), eventLoop: loop([10.01]) }, zero).map((w) => w.code)).toEqual(['pacing.late', 'event_loop.delayed']);
  });
});

describe('parseTrustBounds', () => {
  it('overrides any subset of the defaults', () => {
    expect(parseTrustBounds('pacing.p99=0, event_loop.max=250.5')).toEqual({ ok: true, bounds: { ...TRUST_BOUNDS, pacingP99Ms: 0, eventLoopMaxMs: 250.5 } });
    expect(parseTrustBounds('pacing.p99=1,pacing.max=2,event_loop.p99=3,event_loop.max=4')).toEqual({ ok: true, bounds: { pacingP99Ms: 1, pacingMaxMs: 2, eventLoopP99Ms: 3, eventLoopMaxMs: 4 } });
  });

  it('says what it expected of a bad value', () => {
    expect(parseTrustBounds('pacing.p95=10')).toEqual({ ok: false, expected: "unknown bound 'pacing.p95'; expected pacing.p99, pacing.max, event_loop.p99, event_loop.max" });
    expect(parseTrustBounds('pacing.p99=-1')).toEqual({ ok: false, expected: "expected KEY=MS items separated by commas, e.g. pacing.p99=10,event_loop.max=100, got 'pacing.p99=-1'" });
    expect(parseTrustBounds('pacing.p99=10ms').ok).toBe(false);
  });
});

describe('the warnings in the summary and on the terminal', () => {
  it('renderWarnings: one block with a line per warning, and nothing without warnings', () => {
    expect(renderWarnings([])).toBe('');
    expect(renderWarnings([{ code: 'pacing.late', message: 'late' }])).toBe('WARNING: this run cannot be trusted (1 warning(s); --strict makes this a failure, exit 3):\n  ! pacing.late: late');
  });

  it('the fold carries the event-loop event into the summary, which judges it with the bounds it is given', () => {
    const fold = createRunFold();
    fold.add(runStarted());
    fold.add({ type: 'call-ended', call: callRecord() });
    const delay = loop([...times(99, 10.2), 60]);
    fold.add({ type: 'event-loop', delay });
    fold.add({ type: 'run-ended', result: { state: 'completed', durationMs: 1000 } });
    const outcome = fold.outcome();
    expect(outcome.eventLoop).toEqual(delay);

    const trusted = summarize(outcome, '0.0.0', { resamples: 10 });
    expect(trusted.eventLoop).toEqual(delay);
    expect(trusted.warnings).toEqual([]);
    expect(renderSummaryTable(trusted, (m) => m)).toContain(`Harness event-loop delay: p99 ${delay.delayMs.p99.toFixed(2)} ms, max 50.0 ms.`);

    const strictBounds = { ...TRUST_BOUNDS, eventLoopMaxMs: 40 };
    expect(summarize(outcome, '0.0.0', { resamples: 10, trustBounds: strictBounds }).warnings.map((w) => w.code)).toEqual(['event_loop.delayed']);
  });

  it('a run without an event-loop measurement has eventLoop null and no line for it', () => {
    const summary = summarize(runOutcome([{ name: 'question', values: { 'turn.response_ms': [100] } }]), '0.0.0', { resamples: 10 });
    expect(summary.eventLoop).toBeNull();
    expect(summary.warnings).toEqual([]);
    expect(renderSummaryTable(summary, (m) => m)).not.toContain('event-loop');
  });
});
