/** The bounds a run is judged by (report/trust-bounds.ts): the defaults, or what CALLBENCH_TRUST_BOUNDS sets. */
import { parseTrustBounds, TRUST_BOUNDS, TRUST_BOUNDS_ENV, type TrustBounds } from '../report/trust-bounds.ts';
import { UsageError } from './usage-error.ts';

export function trustBoundsFrom(env: Readonly<Record<string, string | undefined>>): TrustBounds {
  const text = env[TRUST_BOUNDS_ENV];
  if (text === undefined || text === '') return { ...TRUST_BOUNDS };
  const parsed = parseTrustBounds(text);
  if (!parsed.ok) throw new UsageError(`${TRUST_BOUNDS_ENV}='${text}': ${parsed.expected}`);
  return parsed.bounds;
}
