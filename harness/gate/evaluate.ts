/**
 * Thresholds evaluated against a run's summary: each gives the value it observed and whether it
 * holds. p(50), p(90), p(95) and p(99) (and `med`) are read from the summary; other percentiles,
 * such as p(75) or p(99.9), from the run's HDR histograms on the same scale (percentile.ts);
 * p(100) is the maximum. Pure.
 *
 * A metric with no samples (in the threshold's scope) fails every threshold on it, `count`
 * included, and is reported with observed `null` ("no samples"). k6 passes such a threshold
 * silently; a CI gate that passes when the data is missing (a metric the agent never produced, a
 * scenario that never reached the barge-in) is a trap.
 */
import type { MetricName } from '../metrics/definitions.ts';
import type { LatencyHistogram } from '../metrics/histogram.ts';
import type { MetricSummary, RunSummary } from '../report/summary.ts';
import type { RunOutcome } from '../report/fold.ts';
import { percentileMs } from './percentile.ts';
import type { Operator, Threshold } from './thresholds.ts';

/** One threshold's verdict, as the JSON summary's `thresholds` array holds it. */
export interface ThresholdResult {
  metric: MetricName;
  scenario?: string;
  /** As written, without spaces: `p(95)<1500`. */
  expression: string;
  /** The value compared, in ms (in samples for `count`); null when the metric has no samples. */
  observed: number | null;
  ok: boolean;
  /** Samples behind the observed value. */
  samples: number;
  /** Present when p(N) needs more samples than there are (p(95) needs 20): the observed value is then the largest sample. */
  underSampled?: true;
}

/** A metric's histogram over every scenario (`scenario` undefined) or over one. */
export type HistogramLookup = (metric: MetricName, scenario: string | undefined) => LatencyHistogram | undefined;

/** The histograms a run recorded. */
export function outcomeHistograms(outcome: RunOutcome): HistogramLookup {
  return (metric, scenario) => (scenario === undefined ? outcome.metrics[metric] : outcome.scenarios.find((s) => s.name === scenario)?.metrics[metric]);
}

export function compare(observed: number, operator: Operator, value: number): boolean {
  switch (operator) {
    case '<':
      return observed < value;
    case '<=':
      return observed <= value;
    case '>':
      return observed > value;
    case '>=':
      return observed >= value;
    case '==':
      return observed === value;
    case '!=':
      return observed !== value;
  }
}

function fromSummary(summary: MetricSummary, percentile: number): number | undefined {
  switch (percentile) {
    case 50:
      return summary.p50;
    case 90:
      return summary.p90;
    case 95:
      return summary.p95;
    case 99:
      return summary.p99;
    case 100:
      return summary.max;
    default:
      return undefined;
  }
}

function observe(threshold: Threshold, summary: MetricSummary, histograms: HistogramLookup): number {
  const { aggregation } = threshold;
  switch (aggregation.kind) {
    case 'min':
      return summary.min;
    case 'max':
      return summary.max;
    case 'count':
      return summary.count;
    case 'percentile': {
      const read = fromSummary(summary, aggregation.percentile);
      if (read !== undefined) return read;
      const histogram = histograms(threshold.metric, threshold.scenario);
      const value = histogram === undefined ? undefined : percentileMs(histogram, aggregation.percentile);
      if (value === undefined) {
        throw new Error(`no histogram of ${threshold.metric}${threshold.scenario === undefined ? '' : ` in ${threshold.scenario}`} for p(${aggregation.percentile}), though the summary has ${summary.count} samples`);
      }
      return value;
    }
  }
}

/** As the summary table stars them: above p50, a percentile needs n ≥ 100 / (100 − N) to be more than the largest sample. */
function underSampled(threshold: Threshold, samples: number): boolean {
  const { aggregation } = threshold;
  if (aggregation.kind !== 'percentile') return false;
  const p = aggregation.percentile;
  return p > 50 && p < 100 && samples < 100 / (100 - p);
}

export function evaluateThreshold(threshold: Threshold, summary: RunSummary, histograms: HistogramLookup): ThresholdResult {
  const { metric, scenario, expression } = threshold;
  const scope = scenario === undefined ? summary.metrics : summary.scenarios[scenario]?.metrics;
  const metricSummary = scope?.[metric];
  const base = { metric, ...(scenario === undefined ? {} : { scenario }), expression };
  if (metricSummary === undefined || metricSummary.count === 0) return { ...base, observed: null, ok: false, samples: 0 };
  const observed = observe(threshold, metricSummary, histograms);
  return {
    ...base,
    observed,
    ok: compare(observed, threshold.operator, threshold.value),
    samples: metricSummary.count,
    ...(underSampled(threshold, metricSummary.count) ? { underSampled: true as const } : {}),
  };
}

/** Every threshold, in order. */
export function evaluateThresholds(thresholds: readonly Threshold[], summary: RunSummary, histograms: HistogramLookup): ThresholdResult[] {
  return thresholds.map((threshold) => evaluateThreshold(threshold, summary, histograms));
}
