/**
 * How long this process's event loop was held up while a test ran (perf_hooks.monitorEventLoopDelay):
 * a shared CI machine may deschedule the process for hundreds of ms, and every timer, socket read
 * and timestamp of the test waits out the stall alike. An upper bound on a wall-clock latency adds
 * the worst stall seen, so that the machine's load cannot decide a test while a doubled delay still
 * fails it on a quiet one.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 10;

export interface LoopStalls {
  /** The longest stall so far, ms beyond the monitor's resolution. */
  maxMs(): number;
  stop(): void;
}

export function watchLoopStalls(): LoopStalls {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return {
    // The monitor's samples include its own period; a sample is taken only when the timer runs, so
    // a stall still going on shows in the next: add one period.
    maxMs: () => Math.max(0, histogram.max / 1e6 - RESOLUTION_MS) + RESOLUTION_MS,
    stop: () => histogram.disable(),
  };
}
