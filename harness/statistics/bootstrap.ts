/**
 * Bootstrap confidence intervals for percentiles, from the raw samples (exact values, not HDR
 * buckets). Percentile bootstrap: resample the n samples with replacement `resamples` times, take
 * the percentile of each resample, and report the 2.5th and 97.5th percentiles of those estimates.
 * Percentiles are nearest-rank (the smallest sample with at least p% of the samples at or below
 * it), the definition HdrHistogram uses. Seeded: the same samples and seed give the same interval.
 *
 * A resample is drawn as a count per sorted sample (a multinomial), so each costs O(n) and both
 * percentiles come out of one pass.
 */
import { createRng } from '../random.ts';

export type Interval = [lo: number, hi: number];

export interface PercentileCis {
  p50: Interval;
  p95: Interval;
}

export interface BootstrapOptions {
  seed: number;
  /** Resamples drawn (default 1000). */
  resamples?: number;
  /** Confidence level (default 0.95). */
  level?: number;
}

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_LEVEL = 0.95;

/** Nearest-rank percentile of ascending `sorted` (p in 0..100). */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? NaN;
}

/** 95% (by default) bootstrap intervals for p50 and p95; undefined when there are no samples. */
export function bootstrapPercentileCis(samples: readonly number[], options: BootstrapOptions): PercentileCis | undefined {
  const n = samples.length;
  if (n === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? DEFAULT_LEVEL;
  const rng = createRng(options.seed);
  const rank50 = Math.max(1, Math.ceil(0.5 * n));
  const rank95 = Math.max(1, Math.ceil(0.95 * n));
  const counts = new Uint32Array(n);
  const p50s = new Float64Array(resamples);
  const p95s = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const k = Math.floor(rng() * n);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    let seen = 0;
    let found50 = false;
    for (let i = 0; i < n; i++) {
      seen += counts[i] ?? 0;
      const value = sorted[i] ?? NaN;
      if (!found50 && seen >= rank50) {
        p50s[r] = value;
        found50 = true;
      }
      if (seen >= rank95) {
        p95s[r] = value;
        break;
      }
    }
  }
  const tail = ((1 - level) / 2) * 100;
  const bounds = (estimates: Float64Array): Interval => {
    const ordered = Array.from(estimates).sort((a, b) => a - b);
    return [percentileOfSorted(ordered, tail), percentileOfSorted(ordered, 100 - tail)];
  };
  return { p50: bounds(p50s), p95: bounds(p95s) };
}

/** A stable 32-bit seed for one series (e.g. run seed + scenario + metric), independent of iteration order. */
export function seriesSeed(seed: number, ...labels: string[]): number {
  let h = (2166136261 ^ seed) >>> 0;
  for (const label of labels) {
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619) >>> 0;
    h = Math.imul(h ^ 0x2f, 16777619) >>> 0;
  }
  return h >>> 0;
}
