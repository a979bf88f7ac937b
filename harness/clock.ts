/**
 * The one monotonic clock of a run. Every latency callbench reports is the
 * difference of two readings of a Clock; nothing else reads time or arms timers.
 * Times are milliseconds (fractional) on the clock's own origin.
 */
export interface Clock {
  /** Monotonic milliseconds, sub-millisecond resolution. */
  now(): number;
  /** Runs `fn` once the clock reaches `at` (ms). Returns a cancel function. */
  at(at: number, fn: () => void): () => void;
  /** Resolves once the clock reaches `at`; rejects with the signal's reason when aborted. */
  sleepUntil(at: number, signal?: AbortSignal): Promise<void>;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function sleepWith(clock: Pick<Clock, 'at'>, at: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      cancel();
      reject(signal?.reason);
    };
    const cancel = clock.at(at, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** setTimeout's longest delay; longer ones fire at once (TimeoutOverflowWarning). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The process-wide monotonic clock (CLOCK_MONOTONIC, the same in every thread), ms. */
function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** A measured offset between this thread's clock and the process-wide monotonic clock. */
export interface ClockOffset {
  offsetMs: number;
  /** Half the narrowest bracket of monotonic reads around the clock read: the offset is within ± this. */
  uncertaintyMs: number;
}

/**
 * Runs `fn` after the reads already due, and returns its cancel. A wait for quiet that ends on a
 * timer must look once more: after a stall of our own event loop, due timers run before the
 * messages that came in meanwhile are read (Node's timers phase comes before its I/O), so an agent
 * that never paused would look quiet. A timer due now runs on the loop's next turn, after that I/O
 * (on the manual clock, at once: it has no I/O).
 */
export function afterPendingReads(clock: Pick<Clock, 'at' | 'now'>, fn: () => void): () => void {
  return clock.at(clock.now(), fn);
}

/**
 * This thread's system clock minus the process-wide monotonic clock, ms. Each thread has its own
 * performance.timeOrigin, mapped to the epoch when the thread started, so two threads' readings
 * of performance.timeOrigin + performance.now() differ by a few µs (and by any wall-clock step
 * between their starts). A thread given another's offset reads that thread's clock to within the
 * two measurements' uncertainties.
 */
export function measureSystemClockOffset(): ClockOffset {
  // performance.now() bracketed by monotonic reads, the midpoint removing the read's own cost. A
  // thread preempted inside a bracket (a loaded machine) widens it: keep the narrowest of a few.
  let best: ClockOffset = { offsetMs: 0, uncertaintyMs: Infinity };
  for (let attempt = 0; attempt < 16 && best.uncertaintyMs > 0.01; attempt++) {
    const before = monotonicMs();
    const now = performance.timeOrigin + performance.now();
    const after = monotonicMs();
    const uncertaintyMs = (after - before) / 2;
    if (uncertaintyMs < best.uncertaintyMs) best = { offsetMs: now - (before + after) / 2, uncertaintyMs };
  }
  return best;
}

/** measureSystemClockOffset()'s offset alone. */
export function systemClockOffset(): number {
  return measureSystemClockOffset().offsetMs;
}

export interface SystemClockOptions {
  /**
   * Another thread's systemClockOffset(): this clock then reads what that thread's clock reads
   * (a worker thread's agent on its harness's clock), so a latency between their readings is real.
   */
  shareOffsetOf?: number;
  /** This thread's own offset, when the caller measured it already (to know its uncertainty). */
  ownOffset?: ClockOffset;
}

/** The process's monotonic clock (performance.now), with its origin at the Unix epoch so separate threads agree. */
export function createSystemClock(options: SystemClockOptions = {}): Clock {
  const origin = performance.timeOrigin + (options.shareOffsetOf === undefined ? 0 : options.shareOffsetOf - (options.ownOffset ?? measureSystemClockOffset()).offsetMs);
  const clock: Clock = {
    now: () => origin + performance.now(),
    at(at, fn) {
      // Node's timers count whole milliseconds of a coarser loop clock and can fire up to ~1 ms
      // before performance.now() reaches the deadline: check, and wait out any remainder.
      const fire = (): void => {
        const wait = at - clock.now();
        if (wait > 0) timer = setTimeout(fire, Math.min(wait, MAX_TIMEOUT_MS));
        else fn();
      };
      let timer = setTimeout(fire, Math.min(Math.max(0, at - clock.now()), MAX_TIMEOUT_MS));
      return () => clearTimeout(timer);
    },
    sleepUntil: (at, signal) => sleepWith(clock, at, signal),
    sleep: (ms, signal) => sleepWith(clock, clock.now() + ms, signal),
  };
  return clock;
}

/** A clock that moves only when told to: for unit tests of timing logic. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, running every timer that falls due, in order. */
  advance(ms: number): void;
}

export function createManualClock(start = 0): ManualClock {
  let current = start;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: ManualClock = {
    now: () => current,
    at(at, fn) {
      const id = nextId++;
      timers.set(id, { at, fn });
      return () => timers.delete(id);
    },
    sleepUntil: (at, signal) => sleepWith(clock, at, signal),
    sleep: (ms, signal) => sleepWith(clock, current + ms, signal),
    advance(ms) {
      const end = current + ms;
      for (;;) {
        let due: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry;
        }
        if (due === undefined) break;
        timers.delete(due[0]);
        current = Math.max(current, due[1].at);
        due[1].fn();
      }
      current = end;
    },
  };
  return clock;
}
