/**
 * Threshold evaluation on hand-built run summaries: each aggregation reads the right number
 * (p50/p90/p95/p99 and med from the summary, p(100) = max, other percentiles from the HDR
 * histogram on the summary's scale), each operator compares as written, a scenario tag reads
 * that scenario's metrics, a metric with no samples fails ("no samples"), under-sampled
 * percentiles are flagged, and the terminal's ✓/✗ section shows it all.
 */
import { describe, expect, it } from 'vitest';
import { compare, evaluateThresholds, outcomeHistograms, type HistogramLookup, type ThresholdResult } from '../../harness/gate/evaluate.ts';
import { percentileMs } from '../../harness/gate/percentile.ts';
import { OPERATORS, parseThresholdFlag, type Threshold } from '../../harness/gate/thresholds.ts';
import type { MetricName } from '../../harness/metrics/definitions.ts';
import { createHistogram, type LatencyHistogram } from '../../harness/metrics/histogram.ts';
import type { MetricSummary, RunSummary } from '../../harness/report/summary.ts';
import { summarize } from '../../harness/report/summary.ts';
import { renderThresholds } from '../../harness/report/thresholds-table.ts';
import { summarizeChecks } from '../../harness/checks/summary.ts';
import { runOutcome } from './helpers/run-outcome.ts';

function threshold(text: string): Threshold {
  const parsed = parseThresholdFlag(text);
  if (!parsed.ok) throw new Error(parsed.error.expected);
  return parsed.value;
}

/** min 100, p50 110, p90 120, p95 130, p99 140, max 150 (+ base), mean 999 (never read). */
function metric(count: number, base = 0): MetricSummary {
  return { count, min: 100 + base, p50: 110 + base, p90: 120 + base, p95: 130 + base, p99: 140 + base, max: 150 + base, mean: 999 };
}

function summary(all: Record<string, MetricSummary>, scenarios: Record<string, Record<string, MetricSummary>> = {}): RunSummary {
  const none: MetricSummary = { count: 0, min: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  return {
    callbench: { version: '0.1.0' },
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 1000,
    profile: 'instant',
    seed: 1,
    agent: 'reference',
    load: { model: 'closed', label: 'closed model', concurrency: 1, callsPerScenario: 1, started: 1 },
    warmup: { calls: 0, failedCalls: 0 },
    statistics: { ci: 'percentile bootstrap', level: 0.95, resamples: 1000, seed: 1, minSamples: 10 },
    metrics: all,
    scenarios: Object.fromEntries(
      Object.entries(scenarios).map(([name, metrics]) => [name, { calls: 1, failedCalls: 0, droppedCalls: 0, warmupCalls: 0, unansweredTurns: 0, turns: {}, greetings: { stream: 1, twiml: 0 }, errors: [], metrics, checks: summarizeChecks([]) }]),
    ),
    pacing: { framesLateMs: none, framesSent: 0 },
    eventLoop: null,
    warnings: [],
    checks: summarizeChecks([]),
    attribution: null,
    refusals: [],
    twimlNotes: [],
    histograms: {},
  };
}

const noHistograms: HistogramLookup = () => undefined;

function histogramOf(values: readonly number[]): LatencyHistogram {
  const h = createHistogram();
  for (const v of values) h.record(v);
  return h;
}

/** 0.01, 0.02 … 1.00 ms: 10 … 1000 µs, below HDR's 2048 sub-buckets, so recorded exactly. */
const HUNDREDTHS = Array.from({ length: 100 }, (_, i) => (i + 1) / 100);

function evaluate(texts: string[], s: RunSummary, histograms: HistogramLookup = noHistograms): ThresholdResult[] {
  return evaluateThresholds(texts.map(threshold), s, histograms);
}

describe('compare', () => {
  it.each([
    // observed, value, then <=, >=, ==, !=, <, > (the order of OPERATORS)
    [1, 2, [true, false, false, true, true, false]],
    [2, 2, [true, true, true, false, false, false]],
    [3, 2, [false, true, false, true, false, true]],
  ] as const)('%d against %d', (observed, value, expected) => {
    expect(OPERATORS.map((op) => compare(observed, op, value))).toEqual(expected);
  });

  it('compares exactly as written, operator by operator', () => {
    expect(compare(1500, '<', 1500)).toBe(false);
    expect(compare(1500, '<=', 1500)).toBe(true);
    expect(compare(1500.01, '>', 1500)).toBe(true);
    expect(compare(1500, '>=', 1500)).toBe(true);
    expect(compare(1500, '==', 1500)).toBe(true);
    expect(compare(1500, '!=', 1500)).toBe(false);
  });
});

describe('evaluateThresholds on the summary', () => {
  const s = summary({ 'turn.response_ms': metric(25) });

  it('reads each aggregation from the summary and compares', () => {
    const results = evaluate(
      [
        'turn.response_ms: p(95)<1500',
        'turn.response_ms: med<=110',
        'turn.response_ms: p(50)<110',
        'turn.response_ms: p(90)>120',
        'turn.response_ms: p(99)==140',
        'turn.response_ms: p(100)<150',
        'turn.response_ms: min>=100',
        'turn.response_ms: max!=150',
        'turn.response_ms: count>=20',
      ],
      s,
    );
    expect(results).toEqual<ThresholdResult[]>([
      { metric: 'turn.response_ms', expression: 'p(95)<1500', observed: 130, ok: true, samples: 25 },
      { metric: 'turn.response_ms', expression: 'med<=110', observed: 110, ok: true, samples: 25 },
      { metric: 'turn.response_ms', expression: 'p(50)<110', observed: 110, ok: false, samples: 25 },
      { metric: 'turn.response_ms', expression: 'p(90)>120', observed: 120, ok: false, samples: 25 },
      { metric: 'turn.response_ms', expression: 'p(99)==140', observed: 140, ok: true, samples: 25, underSampled: true },
      { metric: 'turn.response_ms', expression: 'p(100)<150', observed: 150, ok: false, samples: 25 },
      { metric: 'turn.response_ms', expression: 'min>=100', observed: 100, ok: true, samples: 25 },
      { metric: 'turn.response_ms', expression: 'max!=150', observed: 150, ok: false, samples: 25 },
      { metric: 'turn.response_ms', expression: 'count>=20', observed: 25, ok: true, samples: 25 },
    ]);
  });

  it('never reads the mean', () => {
    const [result] = evaluate(['turn.response_ms: med<999'], s);
    expect(result?.observed).toBe(110);
  });

  it('reads a scenario tag from scenarios.<name>.metrics', () => {
    const scoped = summary({ 'turn.response_ms': metric(30) }, { fast: { 'turn.response_ms': metric(10) }, slow: { 'turn.response_ms': metric(20, 1000) } });
    expect(evaluate(['turn.response_ms{scenario:slow}: p(95)<1500', 'turn.response_ms{scenario:fast}: max<150', 'turn.response_ms: max<1000'], scoped)).toEqual<ThresholdResult[]>([
      { metric: 'turn.response_ms', scenario: 'slow', expression: 'p(95)<1500', observed: 1130, ok: true, samples: 20 },
      { metric: 'turn.response_ms', scenario: 'fast', expression: 'max<150', observed: 150, ok: false, samples: 10 },
      { metric: 'turn.response_ms', expression: 'max<1000', observed: 150, ok: true, samples: 30 },
    ]);
  });

  it('fails every threshold on a metric with no samples, count included (k6 would pass them)', () => {
    const scoped = summary({ 'turn.response_ms': metric(5) }, { greeting: { 'greeting.first_audio_ms': metric(1) } });
    expect(
      evaluate(['bargein.clear_ms: max<300', 'turn.response_ms{scenario:greeting}: p(95)<1500', 'bargein.clear_ms: count>=0', 'turn.gap_ms: count<1'], scoped),
    ).toEqual<ThresholdResult[]>([
      { metric: 'bargein.clear_ms', expression: 'max<300', observed: null, ok: false, samples: 0 },
      { metric: 'turn.response_ms', scenario: 'greeting', expression: 'p(95)<1500', observed: null, ok: false, samples: 0 },
      { metric: 'bargein.clear_ms', expression: 'count>=0', observed: null, ok: false, samples: 0 },
      { metric: 'turn.gap_ms', expression: 'count<1', observed: null, ok: false, samples: 0 },
    ]);
  });

  it('flags percentiles the sample count cannot support, as the table stars them', () => {
    const flags = (count: number, text: string): boolean | undefined => evaluate([`turn.response_ms: ${text}`], summary({ 'turn.response_ms': metric(count) }), () => histogramOf([1, 2, 3]))[0]?.underSampled;
    expect(flags(19, 'p(95)<1')).toBe(true);
    expect(flags(20, 'p(95)<1')).toBeUndefined();
    expect(flags(9, 'p(90)<1')).toBe(true);
    expect(flags(10, 'p(90)<1')).toBeUndefined();
    expect(flags(3, 'p(75)<1')).toBe(true);
    expect(flags(4, 'p(75)<1')).toBeUndefined();
    expect(flags(1, 'med<1')).toBeUndefined();
    expect(flags(1, 'p(100)<1')).toBeUndefined();
    expect(flags(1, 'max<1')).toBeUndefined();
  });
});

describe('percentiles from the HDR histogram', () => {
  it('reads p(75), p(99.9) and p(0.5) from the histogram of the threshold\'s scope', () => {
    const asked: Array<[MetricName, string | undefined]> = [];
    const lookup: HistogramLookup = (metric, scenario) => {
      asked.push([metric, scenario]);
      return histogramOf(HUNDREDTHS);
    };
    const s = summary({ 'bargein.clear_ms': metric(100) }, { b: { 'bargein.clear_ms': metric(100) } });
    const results = evaluate(['bargein.clear_ms: p(75)<0.75', 'bargein.clear_ms{scenario:b}: p(99.9)<=1', 'bargein.clear_ms: p(0.5)==0.01'], s, lookup);
    expect(results.map((r) => [r.observed, r.ok, r.underSampled])).toEqual([
      [0.75, false, undefined],
      [1, true, true],
      [0.01, true, undefined],
    ]);
    expect(asked).toEqual([
      ['bargein.clear_ms', undefined],
      ['bargein.clear_ms', 'b'],
      ['bargein.clear_ms', undefined],
    ]);
  });

  it('gives what the summary gives at p50, p90, p95, p99 and 100, on HDR buckets wider than 1 µs', () => {
    const values = Array.from({ length: 200 }, (_, i) => 250 + ((i * 37) % 200) * 7.3);
    const h = histogramOf(values);
    const s = h.summary();
    expect([50, 90, 95, 99, 100].map((p) => percentileMs(h, p))).toEqual([s.p50, s.p90, s.p95, s.p99, s.max]);
    // Between the summary's percentiles, on the same scale and within the recorded range.
    const p75 = percentileMs(h, 75) ?? NaN;
    expect(p75).toBeGreaterThan(s.p50);
    expect(p75).toBeLessThan(s.p90);
    expect(percentileMs(h, 99.99)).toBe(s.max);
    expect(percentileMs(createHistogram(), 75)).toBeUndefined();
  });

  it('throws when a percentile needs a histogram the caller did not give (a programming error, not a verdict)', () => {
    expect(() => evaluate(['turn.response_ms: p(75)<1'], summary({ 'turn.response_ms': metric(4) }))).toThrow('no histogram of turn.response_ms for p(75), though the summary has 4 samples');
  });

  it('reads a run outcome\'s histograms, overall and per scenario, through summarize()', () => {
    const outcome = runOutcome([
      { name: 'a', values: { 'turn.response_ms': HUNDREDTHS } },
      { name: 'b', values: { 'turn.response_ms': [5, 6, 7, 8] } },
    ]);
    const s = summarize(outcome, '0.1.0', { resamples: 10 });
    const results = evaluateThresholds(
      ['turn.response_ms{scenario:a}: p(75)<0.8', 'turn.response_ms{scenario:b}: p(75)<7', 'turn.response_ms: p(98)<1', 'turn.response_ms{scenario:a}: p(95)<0.95'].map(threshold),
      s,
      outcomeHistograms(outcome),
    );
    expect(results.map((r) => [r.observed, r.ok, r.samples])).toEqual([
      [0.75, true, 100],
      [7, false, 4],
      [6, false, 104], // rank ⌈0.98 × 104⌉ = 102: past the 100 samples ≤ 1 ms, 5 is 101st, 6 is 102nd
      [0.95, false, 100],
    ]);
  });
});

describe('renderThresholds', () => {
  it('prints nothing without thresholds', () => {
    expect(renderThresholds([])).toBe('');
  });

  it('prints one ✓/✗ line per threshold with the observed value', () => {
    const results: ThresholdResult[] = [
      { metric: 'turn.response_ms', expression: 'p(95)<1500', observed: 1612.4, ok: false, samples: 40 },
      { metric: 'bargein.clear_ms', scenario: 'barge-in-mid-sentence', expression: 'max<300', observed: 31, ok: true, samples: 1 },
      { metric: 'turn.response_ms', expression: 'count>=20', observed: 40, ok: true, samples: 40 },
    ];
    expect(renderThresholds(results)).toBe(
      [
        'Thresholds: 1 of 3 failed.',
        '  ✗ turn.response_ms p(95)<1500 (observed 1612.4)',
        '  ✓ bargein.clear_ms{scenario:barge-in-mid-sentence} max<300 (observed 31)',
        '  ✓ turn.response_ms count>=20 (observed 40)',
      ].join('\n'),
    );
  });

  it('says "no samples", stars under-sampled percentiles, and explains both', () => {
    const results: ThresholdResult[] = [
      { metric: 'greeting.first_audio_ms', expression: 'p(95)<2000', observed: 69, ok: true, samples: 1, underSampled: true },
      { metric: 'bargein.clear_ms', expression: 'max<300', observed: null, ok: false, samples: 0 },
    ];
    expect(renderThresholds(results)).toBe(
      [
        'Thresholds: 1 of 2 failed.',
        '  ✓ greeting.first_audio_ms p(95)<2000 (observed 69*)',
        '  ✗ bargein.clear_ms max<300 (no samples)',
        '* fewer samples than this percentile needs (p(95): 20, p(99): 100): it is the largest sample.',
        'A threshold on a metric with no samples fails: a gate does not pass on missing data.',
      ].join('\n'),
    );
    expect(renderThresholds([{ metric: 'turn.gap_ms', expression: 'max<50', observed: 0, ok: true, samples: 3 }])).toBe('Thresholds: all 1 passed.\n  ✓ turn.gap_ms max<50 (observed 0)');
  });
});
