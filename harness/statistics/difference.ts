/**
 * How two samples' percentiles differ, with bootstrap confidence intervals: `base` and `next`
 * are resampled independently (each with replacement, as many as it has), the chosen
 * percentiles of both read from every resample, and the interval of their difference
 * (next − base) and of their ratio (next / base) taken from those resampled estimates.
 *
 * Independent resampling, not paired: two runs' (or two variants') samples do not pair one to
 * one (a turn classified as a barge-in in one call is a reply in another, a call may fail), so
 * the test treats them as two samples. Seeded: the same inputs give the same intervals.
 */
import { createRng } from '../random.ts';
import { DEFAULT_LEVEL, DEFAULT_RESAMPLES, intervalOf, nearestRank, percentileOfSorted, resampleRanks, type Interval } from './bootstrap.ts';

export interface PercentileDifference {
  /** 0 < percentile < 100 (or 100, the maximum). */
  percentile: number;
  base: number;
  next: number;
  /** next − base, ms. */
  diff: number;
  diffCi: Interval;
  /** next / base; null when base is 0 (no ratio to speak of). */
  ratio: number | null;
  ratioCi: Interval | null;
  /**
   * Two-sided bootstrap p-value of "no difference": twice the smaller share of resampled
   * differences on either side of 0 (at least 1 / resamples, at most 1).
   */
  p: number;
}

export interface DifferenceOptions {
  seed: number;
  /** Percentiles to compare (default [50, 95]). */
  percentiles?: readonly number[];
  resamples?: number;
  level?: number;
}

/** Percentile differences in the order asked for; undefined when either sample is empty. */
export function bootstrapPercentileDifference(base: readonly number[], next: readonly number[], options: DifferenceOptions): PercentileDifference[] | undefined {
  if (base.length === 0 || next.length === 0) return undefined;
  const percentiles = options.percentiles ?? [50, 95];
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? DEFAULT_LEVEL;
  const rng = createRng(options.seed);
  const sortedBase = [...base].sort((a, b) => a - b);
  const sortedNext = [...next].sort((a, b) => a - b);
  // resampleRanks reads ranks in ascending order; `order` maps them back to the percentiles asked for.
  const order = percentiles.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const ranksOf = (n: number): number[] => order.map(({ p }) => nearestRank(n, p));
  const baseRanks = ranksOf(sortedBase.length);
  const nextRanks = ranksOf(sortedNext.length);
  const baseCounts = new Uint32Array(sortedBase.length);
  const nextCounts = new Uint32Array(sortedNext.length);
  const baseOut = new Float64Array(order.length);
  const nextOut = new Float64Array(order.length);
  const diffs = percentiles.map(() => new Float64Array(resamples));
  const ratios = percentiles.map(() => new Float64Array(resamples));
  for (let r = 0; r < resamples; r++) {
    resampleRanks(sortedBase, baseRanks, rng, baseCounts, baseOut);
    resampleRanks(sortedNext, nextRanks, rng, nextCounts, nextOut);
    for (let k = 0; k < order.length; k++) {
      const i = order[k]?.i ?? 0;
      const b = baseOut[k] ?? NaN;
      const n = nextOut[k] ?? NaN;
      (diffs[i] as Float64Array)[r] = n - b;
      // A resample whose base percentile is 0 has no ratio; it counts as no change (1), which only widens the interval towards 1.
      (ratios[i] as Float64Array)[r] = b > 0 ? n / b : 1;
    }
  }
  return percentiles.map((percentile, i) => {
    const b = percentileOfSorted(sortedBase, percentile);
    const n = percentileOfSorted(sortedNext, percentile);
    const d = diffs[i] as Float64Array;
    let below = 0;
    let above = 0;
    for (const value of d) {
      if (value <= 0) below++;
      if (value >= 0) above++;
    }
    const p = Math.min(1, Math.max(1 / resamples, (2 * Math.min(below, above)) / resamples));
    return {
      percentile,
      base: b,
      next: n,
      diff: n - b,
      diffCi: intervalOf(d, level),
      ratio: b > 0 ? n / b : null,
      ratioCi: b > 0 ? intervalOf(ratios[i] as Float64Array, level) : null,
      p,
    };
  });
}

/**
 * Resamples needed for a `level` interval whose tails hold at least `perTail` resampled
 * estimates each (an interval read off fewer is mostly the one extreme resample), and never
 * fewer than the default.
 */
export function resamplesFor(level: number, perTail = 10): number {
  const tail = (1 - level) / 2;
  return Math.max(DEFAULT_RESAMPLES, Math.ceil(perTail / tail));
}
