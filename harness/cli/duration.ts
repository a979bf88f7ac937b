/**
 * Durations on the command line, as k6 writes them: `30s`, `2m`, `1m30s`, `1.5s`, `500ms`, `1h`,
 * or a bare number of seconds (`10`, `0.5`). Returns milliseconds; every problem is a UsageError
 * naming the flag.
 */
import { UsageError } from './usage-error.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;

export function parseDurationMs(flag: string, raw: string): number {
  const fail = (): never => {
    throw new UsageError(`--${flag} expects a duration such as 30s, 2m, 1m30s, 500ms or a number of seconds, got '${raw}'`);
  };
  const text = raw.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000;
  else {
    ms = 0;
    PART.lastIndex = 0;
    let matched = 0;
    while (PART.lastIndex < text.length) {
      const start = PART.lastIndex;
      const m = PART.exec(text);
      if (m === null || m.index !== start) return fail();
      ms += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? NaN);
      matched++;
    }
    if (matched === 0) return fail();
  }
  if (!Number.isFinite(ms) || ms <= 0) return fail();
  return ms;
}

/** A positive rate such as `2`, `0.5` or `1.25` (fractions allowed). */
export function parseRate(flag: string, raw: string, max: number): number {
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new UsageError(`--${flag} expects a number of calls per second above 0 and at most ${max} (fractions allowed, e.g. 0.5), got '${raw}'`);
  }
  return value;
}
