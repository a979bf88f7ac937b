/**
 * Whether a run can be trusted: the harness's own lateness (the caller's frame pacing and its
 * event-loop delay) against the bounds of trust-bounds.ts. A run beyond them still reports what
 * it measured, with a warning that says why those figures read high; `run --strict` makes any
 * warning a failure. Pure: the terminal line is rendered here, printed by the CLI.
 */
import type { LatencySummary } from '../metrics/histogram.ts';
import type { EventLoopDelay } from '../runner/event-loop.ts';
import { TRUST_BOUNDS, type TrustBounds } from './trust-bounds.ts';

/** Stable codes: a CI script may match on them. */
export type TrustWarningCode = 'pacing.late' | 'event_loop.delayed';

export interface TrustWarning {
  code: TrustWarningCode;
  message: string;
}

export interface TrustInput {
  pacing: { framesLateMs: LatencySummary; framesSent: number };
  /** Null (or undefined) when it was not measured. */
  eventLoop: EventLoopDelay | null | undefined;
}

const ms = (value: number): string => `${Number(value.toFixed(2))} ms`;

/** "p99 136 ms (bound 10 ms), max 1025 ms (bound 100 ms)": each figure, and the bound of those past theirs. */
function figures(p99: number, max: number, p99Bound: number, maxBound: number): string {
  const one = (label: string, value: number, bound: number): string => `${label} ${ms(value)}${value > bound ? ` (bound ${ms(bound)})` : ''}`;
  return `${one('p99', p99, p99Bound)}, ${one('max', max, maxBound)}`;
}

/** The warnings of a run, in a fixed order; [] when it kept within every bound (or measured nothing). */
export function trustWarnings(input: TrustInput, bounds: Readonly<TrustBounds> = TRUST_BOUNDS): TrustWarning[] {
  const warnings: TrustWarning[] = [];
  const late = input.pacing.framesLateMs;
  if (input.pacing.framesSent > 0 && (late.p99 > bounds.pacingP99Ms || late.max > bounds.pacingMaxMs)) {
    warnings.push({
      code: 'pacing.late',
      message:
        `the caller's 20 ms frames went out late: ${figures(late.p99, late.max, bounds.pacingP99Ms, bounds.pacingMaxMs)} over ${input.pacing.framesSent} frames; ` +
        'the machine was too loaded for these latencies to be trusted',
    });
  }
  const loop = input.eventLoop;
  if (loop !== null && loop !== undefined && (loop.delayMs.p99 > bounds.eventLoopP99Ms || loop.delayMs.max > bounds.eventLoopMaxMs)) {
    warnings.push({
      code: 'event_loop.delayed',
      message:
        `the harness's event loop was held up: ${figures(loop.delayMs.p99, loop.delayMs.max, bounds.eventLoopP99Ms, bounds.eventLoopMaxMs)} beyond its ${loop.resolutionMs} ms timer over ${loop.samples} samples; ` +
        'timestamps taken then read late, so the latencies read high',
    });
  }
  return warnings;
}

/** The terminal block after the tables; '' without warnings. */
export function renderWarnings(warnings: readonly TrustWarning[]): string {
  if (warnings.length === 0) return '';
  return [
    `WARNING: this run cannot be trusted (${warnings.length} warning(s); --strict makes this a failure, exit 3):`,
    ...warnings.map((w) => `  ! ${w.code}: ${w.message}`),
  ].join('\n');
}
