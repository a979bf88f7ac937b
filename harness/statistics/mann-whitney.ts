/**
 * The Mann–Whitney U test (Wilcoxon rank-sum) of two independent samples, and the
 * Hodges–Lehmann estimate of the shift between them.
 *
 * Why a rank test for the verdict on a location shift: latency samples are skewed and carry
 * outliers (a GC pause, a stalled event loop); a rank test assumes no distribution, is not moved
 * by how far out an outlier is, and gives an analytic p-value, so many comparisons can be
 * corrected for (holm.ts) without millions of bootstrap resamples. It tests whether one sample
 * tends to be larger than the other (P(X < Y) ≠ ½); for two latency distributions of the same
 * shape that is a shift of location, which the Hodges–Lehmann estimator measures (the median of
 * every pairwise difference).
 *
 * Normal approximation with the tie correction and a continuity correction: good for n ≥ 10 per
 * side (callbench never judges fewer).
 */

export interface RankTest {
  /** U of `next` (the number of pairs in which next > base, ties counting ½). */
  u: number;
  /** Standardised U (positive: next tends to be larger). 0 when every value is tied. */
  z: number;
  /** Two-sided p-value. */
  p: number;
}

/** Two-sided Mann–Whitney U test of `base` against `next`; undefined when either is empty. */
export function mannWhitney(base: readonly number[], next: readonly number[]): RankTest | undefined {
  const n1 = base.length;
  const n2 = next.length;
  if (n1 === 0 || n2 === 0) return undefined;
  const all = [...base.map((value) => ({ value, next: false })), ...next.map((value) => ({ value, next: true }))].sort((a, b) => a.value - b.value);
  const N = all.length;
  let rankSumNext = 0;
  let tieTerm = 0;
  for (let i = 0; i < N; ) {
    let j = i;
    while (j + 1 < N && all[j + 1]?.value === all[i]?.value) j++;
    const t = j - i + 1;
    // Ranks i+1 … j+1 share their mean.
    const rank = (i + 1 + (j + 1)) / 2;
    for (let k = i; k <= j; k++) if (all[k]?.next === true) rankSumNext += rank;
    if (t > 1) tieTerm += t * t * t - t;
    i = j + 1;
  }
  const u = rankSumNext - (n2 * (n2 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  if (!(variance > 0)) return { u, z: 0, p: 1 };
  const delta = u - mean;
  // Continuity correction: half a unit of U towards the mean.
  const corrected = Math.sign(delta) * Math.max(0, Math.abs(delta) - 0.5);
  const z = corrected / Math.sqrt(variance);
  return { u, z, p: Math.min(1, 2 * normalUpperTail(Math.abs(z))) };
}

/** P(Z > z) for a standard normal Z, from Abramowitz & Stegun's 7.1.26 approximation of erfc (absolute error < 1.5e-7: ample for a p-value). */
export function normalUpperTail(z: number): number {
  if (z < 0) return 1 - normalUpperTail(-z);
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return 0.5 * poly * Math.exp(-x * x);
}

/** Above this many pairs the shift is estimated as the difference of the medians (the pairwise median would cost too much memory). */
const MAX_PAIRS = 4_000_000;

/** The Hodges–Lehmann shift of `next` over `base`: the median of next[j] − base[i] over every pair; NaN when either is empty. */
export function hodgesLehmannShift(base: readonly number[], next: readonly number[]): number {
  if (base.length === 0 || next.length === 0) return NaN;
  if (base.length * next.length > MAX_PAIRS) return median(next) - median(base);
  const diffs = new Float64Array(base.length * next.length);
  let k = 0;
  for (const b of base) for (const n of next) diffs[k++] = n - b;
  diffs.sort();
  return medianOfSorted(diffs);
}

function median(values: readonly number[]): number {
  return medianOfSorted(Float64Array.from(values).sort());
}

function medianOfSorted(sorted: Float64Array): number {
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}
