/**
 * "Did you mean …?" for a mistyped flag, command or name: the closest known word by edit
 * distance, when it is close enough to be a typo rather than a different word.
 */

/** Levenshtein distance, with a swap of two neighbours counted as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = best;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * The known word closest to `word`, or undefined when none is within a typo's reach: at most
 * 2 edits, and no more than half the word's length (1 for a short word), so `x` suggests nothing
 * rather than `--json`. A known word that starts with `word` (an abbreviation, `--conc`) counts
 * as close too.
 */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: { word: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = candidate.startsWith(word) && word.length >= 3 ? 1 : editDistance(word, candidate);
    if (best === undefined || distance < best.distance) best = { word: candidate, distance };
  }
  if (best === undefined) return undefined;
  return best.distance <= Math.min(2, Math.max(1, Math.floor(word.length / 2))) && best.distance < word.length ? best.word : undefined;
}

/** ` (did you mean X?)` for a message, or '' when nothing is close. */
export function didYouMean(word: string, known: readonly string[], quote: (w: string) => string = (w) => `'${w}'`): string {
  const match = closest(word, known);
  return match === undefined ? '' : ` (did you mean ${quote(match)}?)`;
}
