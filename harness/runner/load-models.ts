/**
 * How calls are started: the load models of a run.
 *
 * - **Closed model** (`--calls`/`--concurrency`, the default): a fixed number of callers, each
 *   starting its next call when the last one ends. A slow agent slows the arrivals down with it,
 *   which hides queueing (coordinated omission); reports label it "closed model".
 * - **Closed model for a duration** (`--duration` without `--arrival-rate`): the same callers keep
 *   starting calls until the duration has passed.
 * - **Open model** (`--arrival-rate R --duration D`): call k is due at t0 + k/R whatever the agent
 *   does (k6's constant-arrival-rate). A call that cannot start because `maxInFlight` calls are
 *   running, or whose start comes more than `lateBoundMs` after its due time (the harness itself
 *   fell behind), is dropped and counted, never started late (k6's dropped_iterations).
 * - **Stages** (`--stages 30s:10,2m:200,30s:0`): the concurrency of the closed model, or the rate
 *   of the open model, ramped (stages.ts, on runArrivals here for the rate).
 *
 * Every decision reads the injected Clock, so the schedule can be tested with a manual clock.
 * Each model takes an optional AbortSignal: once it aborts no further call is started, and the
 * model resolves when the calls already running have finished.
 */
import type { Clock } from '../clock.ts';

/** Runs `count` jobs with at most `limit` in flight; resolves when all are done. */
export async function runClosedCount(limit: number, count: number, job: (index: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && signal?.aborted !== true) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** `concurrency` callers keep starting calls until `durationMs` has passed; resolves with the number started. */
export async function runClosedForDuration(
  clock: Clock,
  concurrency: number,
  durationMs: number,
  job: (index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<number> {
  const endAt = clock.now() + durationMs;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (clock.now() < endAt && signal?.aborted !== true) await job(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return next;
}

export interface OpenModelOptions {
  /** Calls per second (fractions allowed). */
  ratePerSec: number;
  /** Calls are due from t0 while their due time is before t0 + durationMs. */
  durationMs: number;
  /** Calls running at once; a call due while this many run is dropped. */
  maxInFlight: number;
  /** A call whose start would come more than this after its due time is dropped. */
  lateBoundMs: number;
}

export const DEFAULT_MAX_IN_FLIGHT = 100;
export const DEFAULT_LATE_BOUND_MS = 1000;

export type DropReason = 'late' | 'max-in-flight';

export interface Arrival {
  /** 0-based arrival number. */
  index: number;
  /** When the call was due on the schedule (clock ms). */
  intendedAt: number;
  /** When it was started (or dropped), clock ms; minus intendedAt, the start lag. */
  at: number;
}

export interface OpenModelResult {
  /** Calls that came due: all of the schedule's, or, when aborted, those due before the abort. */
  scheduled: number;
  started: number;
  dropped: Record<DropReason, number>;
}

/** How many calls are due in `durationMs` at `ratePerSec`: those with k/R < D. */
export function scheduledArrivals(ratePerSec: number, durationMs: number): number {
  const exact = (durationMs * ratePerSec) / 1000;
  return Math.max(0, Math.ceil(exact - 1e-9));
}

/**
 * Starts calls on the open-model schedule; resolves once every started call has finished. The
 * first call is due at once. `start` must not reject for a failed call (record it instead); if it
 * does, the first such error rejects the result after the other calls finish.
 */
export function runOpenModel(
  clock: Clock,
  options: OpenModelOptions,
  start: (arrival: Arrival) => Promise<void>,
  onDrop?: (arrival: Arrival, reason: DropReason) => void,
  signal?: AbortSignal,
): Promise<OpenModelResult> {
  const interval = 1000 / options.ratePerSec;
  return runArrivals(clock, { total: scheduledArrivals(options.ratePerSec, options.durationMs), dueAfter: (k) => k * interval }, options, start, onDrop, signal);
}

/** When the calls of an open model are due: `total` calls, call k `dueAfter(k)` ms after the start (non-decreasing in k). */
export interface ArrivalSchedule {
  total: number;
  dueAfter(index: number): number;
}

/**
 * Starts calls on any open-model schedule (a constant rate, or the ramping rate of stages.ts),
 * dropping those that are late or find `maxInFlight` calls running, as runOpenModel says.
 */
export function runArrivals(
  clock: Clock,
  schedule: ArrivalSchedule,
  options: Pick<OpenModelOptions, 'maxInFlight' | 'lateBoundMs'>,
  start: (arrival: Arrival) => Promise<void>,
  onDrop?: (arrival: Arrival, reason: DropReason) => void,
  signal?: AbortSignal,
): Promise<OpenModelResult> {
  const t0 = clock.now();
  const total = schedule.total;
  const result: OpenModelResult = { scheduled: total, started: 0, dropped: { late: 0, 'max-in-flight': 0 } };
  let next = 0;
  let inFlight = 0;
  let scheduling = true;
  let failure: { error: unknown } | undefined;
  let cancelTick: (() => void) | undefined;

  return new Promise<OpenModelResult>((resolve, reject) => {
    const settle = (): void => {
      if (scheduling || inFlight > 0) return;
      signal?.removeEventListener('abort', onAbort);
      if (failure !== undefined) reject(failure.error);
      else resolve(result);
    };
    const onAbort = (): void => {
      if (!scheduling) return;
      cancelTick?.();
      scheduling = false;
      result.scheduled = next;
      settle();
    };
    const drop = (arrival: Arrival, reason: DropReason): void => {
      result.dropped[reason]++;
      onDrop?.(arrival, reason);
    };
    const tick = (): void => {
      const now = clock.now();
      // A late tick (a blocked event loop) finds several calls due: each is judged on its own lag.
      while (next < total) {
        const intendedAt = t0 + schedule.dueAfter(next);
        if (intendedAt > now) break;
        const arrival: Arrival = { index: next++, intendedAt, at: now };
        if (now - intendedAt > options.lateBoundMs) {
          drop(arrival, 'late');
          continue;
        }
        if (inFlight >= options.maxInFlight) {
          drop(arrival, 'max-in-flight');
          continue;
        }
        inFlight++;
        result.started++;
        let call: Promise<void>;
        try {
          call = start(arrival);
        } catch (error) {
          call = Promise.reject(error);
        }
        call
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => {
            inFlight--;
            settle();
          });
      }
      if (next < total) cancelTick = clock.at(t0 + schedule.dueAfter(next), tick);
      else {
        scheduling = false;
        settle();
      }
    };
    if (signal?.aborted === true) {
      scheduling = false;
      result.scheduled = 0;
      settle();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    tick();
  });
}
