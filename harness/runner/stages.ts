/**
 * Load shapes as k6 writes them: stages, each a duration and a target the level ramps to linearly
 * from the previous stage's target (from 0 before the first). `30s:10,2m:200,30s:0` ramps up to 10
 * in 30 s, to 200 over 2 min, then down to 0 in 30 s; a stage of 0 s is a step (`0s:50,1m:50`
 * holds 50 for a minute).
 *
 * The level is either
 * - **concurrency** (k6's ramping-vus; a closed model): `round(level)` callers, each starting its
 *   next call when its last one ends; a caller above the level finishes its call and stops
 *   (k6's graceful ramp-down);
 * - **an arrival rate** in calls/s (k6's ramping-arrival-rate; an open model): call k is due when
 *   the rate's integral reaches k + 1 (a call is due once a whole call's worth of rate has
 *   accumulated), whatever the agent does; lateness and max-in-flight drop calls as the constant
 *   open model does (load-models.ts).
 *
 * Pure schedule arithmetic here, and the ramping-concurrency runner on the injected Clock.
 */
import type { Clock } from '../clock.ts';
import { runArrivals, type Arrival, type DropReason, type OpenModelOptions, type OpenModelResult } from './load-models.ts';

export interface Stage {
  /** ms; 0 for a step. */
  durationMs: number;
  /** The level at the stage's end: calls in flight, or calls per second. */
  target: number;
}

export function stagesDurationMs(stages: readonly Stage[]): number {
  return stages.reduce((sum, s) => sum + s.durationMs, 0);
}

export function peakTarget(stages: readonly Stage[]): number {
  return stages.reduce((max, s) => Math.max(max, s.target), 0);
}

/** "30s:10,2m:200,30s:0", as written on the command line. */
export function describeStages(stages: readonly Stage[]): string {
  const duration = (ms: number): string => (ms % 60_000 === 0 && ms > 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
  return stages.map((s) => `${duration(s.durationMs)}:${s.target}`).join(',');
}

/** The level `elapsedMs` after the start: linear within each stage, the last target after the end. */
export function stageLevel(stages: readonly Stage[], elapsedMs: number): number {
  let from = 0;
  let at = 0;
  for (const stage of stages) {
    if (elapsedMs < at + stage.durationMs) return from + ((stage.target - from) * (elapsedMs - at)) / stage.durationMs;
    at += stage.durationMs;
    from = stage.target;
  }
  return from;
}

/**
 * Ramping arrival rate: the due times (ms after the start) of every call, in order. Call k is due
 * where ∫rate = k + 1; within a stage ramping from a to b over D the integral is quadratic in τ:
 * aτ + (b − a)τ²/2D.
 */
export function rampingArrivalTimes(stages: readonly Stage[]): number[] {
  const times: number[] = [];
  let from = 0;
  let at = 0;
  let accumulated = 0;
  for (const stage of stages) {
    const D = stage.durationMs;
    const a = from / 1000;
    const b = stage.target / 1000;
    // calls per ms: a, b; the stage adds (a + b)D/2 calls.
    const added = ((a + b) * D) / 2;
    const c2 = D === 0 ? 0 : (b - a) / (2 * D);
    for (let k = Math.floor(accumulated + 1e-9) + 1; k <= accumulated + added + 1e-9; k++) {
      const need = k - accumulated;
      // The root of c2 τ² + a τ − need = 0 in [0, D], in the form that stays exact when c2 → 0.
      const tau = (2 * need) / (a + Math.sqrt(Math.max(0, a * a + 4 * c2 * need)));
      times.push(at + Math.min(D, tau));
    }
    accumulated += added;
    at += D;
    from = stage.target;
  }
  return times;
}

/** How often the ramping-concurrency runner reads the level (ms): a new caller starts within this of its time. */
export const RAMP_TICK_MS = 100;

/**
 * Ramping concurrency: keeps round(level) callers running, each playing `job(index)` calls one
 * after another with indices shared across callers in start order; resolves, with the number of
 * calls started, once the stages are over and every call has ended. Once `signal` aborts no call
 * starts. A caller whose slot is above the level stops after its current call.
 */
export function runRampingConcurrency(clock: Clock, stages: readonly Stage[], job: (index: number) => Promise<void>, signal?: AbortSignal, tickMs = RAMP_TICK_MS): Promise<number> {
  const t0 = clock.now();
  const end = t0 + stagesDurationMs(stages);
  const desired = (): number => Math.round(stageLevel(stages, clock.now() - t0) + 1e-9);
  const running = new Set<number>();
  let next = 0;
  let ticking = true;
  let failure: { error: unknown } | undefined;
  let cancelTick: (() => void) | undefined;

  return new Promise<number>((resolve, reject) => {
    const settle = (): void => {
      if (ticking || running.size > 0) return;
      signal?.removeEventListener('abort', onAbort);
      if (failure !== undefined) reject(failure.error);
      else resolve(next);
    };
    const caller = async (slot: number): Promise<void> => {
      while (signal?.aborted !== true && clock.now() < end && slot < desired()) await job(next++);
    };
    const spawn = (slot: number): void => {
      running.add(slot);
      caller(slot)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          running.delete(slot);
          settle();
        });
    };
    const tick = (): void => {
      if (signal?.aborted === true || clock.now() >= end) {
        ticking = false;
        settle();
        return;
      }
      const want = desired();
      for (let slot = 0; slot < want; slot++) if (!running.has(slot)) spawn(slot);
      cancelTick = clock.at(Math.min(end, clock.now() + tickMs), tick);
    };
    const onAbort = (): void => {
      cancelTick?.();
      ticking = false;
      settle();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    tick();
  });
}

/** Ramping arrival rate: starts the calls due on rampingArrivalTimes(stages), dropping as the open model does. */
export function runRampingArrivals(
  clock: Clock,
  stages: readonly Stage[],
  limits: Pick<OpenModelOptions, 'maxInFlight' | 'lateBoundMs'>,
  start: (arrival: Arrival) => Promise<void>,
  onDrop?: (arrival: Arrival, reason: DropReason) => void,
  signal?: AbortSignal,
): Promise<OpenModelResult> {
  const times = rampingArrivalTimes(stages);
  return runArrivals(clock, { total: times.length, dueAfter: (k) => times[k] ?? Infinity }, limits, start, onDrop, signal);
}
