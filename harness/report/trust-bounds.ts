/**
 * How loaded the harness may have been before a run's latencies stop meaning what they say. Beyond
 * any of these bounds the run carries a warning (harness/report/warnings.ts), and `run --strict`
 * fails it.
 *
 * Chosen from the calibration (README "Measurement error"): on an idle 2-CPU machine the harness
 * reads +1.5 ms at the median and under +3 ms at worst, and its frames go out well under 1 ms late
 * (p99) with a max of a few ms; under a load average of 5–6 single calls read 10–30 ms late while
 * the median holds. So a pacing p99 above 10 ms means stalls were routine rather than rare, and a
 * single stall above 100 ms is larger than the differences the harness is used to show. The event
 * loop (sampled every 10 ms) idles at well under 1 ms beyond its resolution; a p99 above 20 ms
 * means one sample in a hundred was held up by more than a whole 20 ms frame.
 */

export interface TrustBounds {
  /** Caller frame pacing: how late a 20 ms frame went out, ms. */
  pacingP99Ms: number;
  pacingMaxMs: number;
  /** The harness's event-loop delay beyond the monitor's resolution, ms. */
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
}

export const TRUST_BOUNDS: Readonly<TrustBounds> = {
  pacingP99Ms: 10,
  pacingMaxMs: 100,
  eventLoopP99Ms: 20,
  eventLoopMaxMs: 100,
};

/**
 * The environment variable that overrides bounds, for a machine known to be slower (or a test
 * that needs every run to be "late": all four at 0): `pacing.p99=10,pacing.max=100,event_loop.p99=20,event_loop.max=100`,
 * any subset, in ms.
 */
export const TRUST_BOUNDS_ENV = 'CALLBENCH_TRUST_BOUNDS';

const KEYS: Readonly<Record<string, keyof TrustBounds>> = {
  'pacing.p99': 'pacingP99Ms',
  'pacing.max': 'pacingMaxMs',
  'event_loop.p99': 'eventLoopP99Ms',
  'event_loop.max': 'eventLoopMaxMs',
};

export type ParsedBounds = { ok: true; bounds: TrustBounds } | { ok: false; expected: string };

/** The bounds `text` (the override's value) sets over the defaults; a problem says what was expected. */
export function parseTrustBounds(text: string, defaults: Readonly<TrustBounds> = TRUST_BOUNDS): ParsedBounds {
  const bounds: TrustBounds = { ...defaults };
  const example = 'e.g. pacing.p99=10,event_loop.max=100';
  for (const part of text.split(',')) {
    const m = /^\s*([a-z_.0-9]+)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (m?.[1] === undefined || m[2] === undefined) return { ok: false, expected: `expected KEY=MS items separated by commas, ${example}, got '${part.trim()}'` };
    const key = KEYS[m[1]];
    if (key === undefined) return { ok: false, expected: `unknown bound '${m[1]}'; expected ${Object.keys(KEYS).join(', ')}` };
    bounds[key] = Number(m[2]);
  }
  return { ok: true, bounds };
}
