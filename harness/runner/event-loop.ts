/**
 * The harness's own event-loop delay while a run plays its calls, from Node's
 * `perf_hooks.monitorEventLoopDelay`: a timer armed every `resolutionMs` records how long each
 * period really took. Whatever keeps the loop busy (GC, the in-process agent, a CPU that other
 * processes hold) delays the caller's frames, its timestamps and every timer of the run alike, so
 * a run whose loop was held up cannot be trusted to the millisecond (harness/report/warnings.ts).
 *
 * Node's samples include the resolution itself (an idle loop reads ~10.1 ms at 10 ms): the delay
 * reported here is the part beyond it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Node's default; finer costs more timer wake-ups, coarser misses short stalls. */
export const EVENT_LOOP_RESOLUTION_MS = 10;

/** The loop's delay over the measured calls, in ms beyond the monitor's resolution. */
export interface EventLoopDelay {
  resolutionMs: number;
  /** Timer periods sampled. */
  samples: number;
  delayMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

/** What monitorEventLoopDelay's IntervalHistogram (and perf_hooks.createHistogram, for tests) give: nanoseconds. */
export interface NanosecondHistogram {
  readonly count: number;
  readonly max: number;
  readonly mean: number;
  percentile(percentile: number): number;
}

const NS_PER_MS = 1e6;

/** The delay a histogram of whole timer periods shows; undefined when it holds no sample (nothing to judge). */
export function eventLoopDelayOf(histogram: NanosecondHistogram, resolutionMs: number): EventLoopDelay | undefined {
  if (histogram.count === 0) return undefined;
  const beyond = (ns: number): number => Math.round(Math.max(0, ns / NS_PER_MS - resolutionMs) * 100) / 100;
  return {
    resolutionMs,
    samples: histogram.count,
    delayMs: {
      p50: beyond(histogram.percentile(50)),
      p90: beyond(histogram.percentile(90)),
      p99: beyond(histogram.percentile(99)),
      max: beyond(histogram.max),
      mean: beyond(histogram.mean),
    },
  };
}

export interface EventLoopMonitor {
  /** Stops sampling and reads the delay; undefined when no period elapsed. Call once. */
  stop(): EventLoopDelay | undefined;
}

/** Starts sampling now (the monitor's timer does not keep the process alive). */
export function startEventLoopMonitor(resolutionMs = EVENT_LOOP_RESOLUTION_MS): EventLoopMonitor {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      return eventLoopDelayOf(histogram, resolutionMs);
    },
  };
}
