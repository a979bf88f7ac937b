/**
 * The loads `callbench capacity` steps through: a list given as it is (`--levels 1,2,4,8`), or a
 * geometric ramp from `start` by `factor` up to `max` (`--start 1 --factor 2 --max 64`: 1, 2, 4,
 * …, 64). A ramp always ends at `max`, so the highest load asked for is played even when the
 * factor does not land on it (1, 2, 4, 8, 16, 20 for `--max 20`), and every level is a whole
 * number of calls above the last, however small the factor. Pure: problems are returned, the CLI
 * words them.
 */

export type Levels = { ok: true; levels: number[] } | { ok: false; expected: string };

/** The most calls in flight a step may ask for (run's own --concurrency limit). */
export const MAX_LEVEL = 1000;

/** `1,2,4,8`: whole numbers from 1 to MAX_LEVEL, each above the last. */
export function parseLevels(text: string): Levels {
  const parts = text.split(',').map((part) => part.trim());
  const levels: number[] = [];
  for (const part of parts) {
    const value = Number(part);
    if (!/^\d+$/.test(part) || !Number.isSafeInteger(value) || value < 1 || value > MAX_LEVEL) {
      return { ok: false, expected: `expected whole numbers from 1 to ${MAX_LEVEL} separated by commas (e.g. 1,2,4,8), got '${part}'` };
    }
    const last = levels.at(-1);
    if (last !== undefined && value <= last) return { ok: false, expected: `expected each level above the one before it (a ramp goes up), got ${value} after ${last}` };
    levels.push(value);
  }
  return { ok: true, levels };
}

/** start, start × factor, … (rounded, each at least one above the last) while below max, then max. */
export function rampLevels(start: number, max: number, factor: number): number[] {
  const levels = [start];
  for (;;) {
    const last = levels[levels.length - 1] ?? start;
    if (last >= max) return levels;
    levels.push(Math.min(max, Math.max(last + 1, Math.round(last * factor))));
  }
}
