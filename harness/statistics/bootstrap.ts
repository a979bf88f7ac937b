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

/** The nearest rank (1-based) of percentile `p` among `n` samples. */
export function nearestRank(n: number, p: number): number {
  return Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
}

/**
 * One bootstrap resample of ascending `sorted`, drawn as a count per sample (a multinomial, so
 * it costs O(n)), and the value at each of `ranks` (ascending 1-based ranks) written into `out`.
 * `counts` is scratch space of sorted.length.
 */
export function resampleRanks(sorted: readonly number[], ranks: readonly number[], rng: () => number, counts: Uint32Array, out: Float64Array): void {
  const n = sorted.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(rng() * n);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  let seen = 0;
  let next = 0;
  for (let i = 0; i < n && next < ranks.length; i++) {
    seen += counts[i] ?? 0;
    while (next < ranks.length && seen >= (ranks[next] ?? Infinity)) out[next++] = sorted[i] ?? NaN;
  }
}

/** The two-sided `level` interval of bootstrap `estimates` (their tail percentiles, nearest rank). */
export function intervalOf(estimates: ArrayLike<number>, level: number): Interval {
  const ordered = Array.from(estimates).sort((a, b) => a - b);
  const tail = ((1 - level) / 2) * 100;
  return [percentileOfSorted(ordered, tail), percentileOfSorted(ordered, 100 - tail)];
}

/** 95% (by default) bootstrap intervals for p50 and p95; undefined when there are no samples. */
export function bootstrapPercentileCis(samples: readonly number[], options: BootstrapOptions): PercentileCis | undefined {
  const n = samples.length;
  if (n === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? DEFAULT_LEVEL;
  const rng = createRng(options.seed);
  const ranks = [nearestRank(n, 50), nearestRank(n, 95)];
  const counts = new Uint32Array(n);
  const out = new Float64Array(2);
  const p50s = new Float64Array(resamples);
  const p95s = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    resampleRanks(sorted, ranks, rng, counts, out);
    p50s[r] = out[0] ?? NaN;
    p95s[r] = out[1] ?? NaN;
  }
  return { p50: intervalOf(p50s, level), p95: intervalOf(p95s, level) };
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
