/**
 * Any percentile of a latency histogram, in ms, read exactly as harness/metrics/histogram.ts
 * summarises p50 … p99: HDR's nearest-rank value (the top of its bucket), clamped to the recorded
 * minimum and maximum, rounded to 0.01 ms. So p(75) or p(99.9) sits on the same scale as the
 * summary's p95, and p(95) read here equals the summary's.
 */
import type { LatencyHistogram } from '../metrics/histogram.ts';

/** `percentile` in (0, 100]; undefined when the histogram has no samples. */
export function percentileMs(histogram: LatencyHistogram, percentile: number): number | undefined {
  const raw = histogram.raw;
  if (raw.totalCount === 0) return undefined;
  const max = raw.maxValue;
  const min = Math.min(raw.getValueAtPercentile(0), max);
  const us = Math.max(min, Math.min(max, raw.getValueAtPercentile(percentile)));
  return Math.round(us / 10) / 100;
}
