/**
 * Holm's step-down correction of p-values for many comparisons at once. A report that compares
 * twenty metrics in four scopes makes eighty tests: at α = 0.05 each, four would come out
 * "significant" by chance alone on two runs of the same build. Holm's method keeps the chance of
 * even one false verdict among them at α, and is never less powerful than Bonferroni's.
 */

/** Adjusted p-values, in the input's order: compare each with α. */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(m).fill(1);
  let running = 0;
  order.forEach(({ p, i }, k) => {
    // Monotone: an adjusted p-value is never below the one of a smaller raw p-value.
    running = Math.max(running, Math.min(1, (m - k) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
