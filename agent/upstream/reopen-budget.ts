/**
 * How often one upstream of a call may be reopened after a failure: immediately the first time,
 * after a short pause after that, at most `max` times per call.
 */
import type { Clock } from '../../harness/clock.ts';

/** Pause before every reopen after the first. */
export const REOPEN_DELAY_MS = 500;

export interface ReopenBudget {
  /** Reopens left. */
  readonly left: number;
  /** Spends one reopen and waits the pause it calls for; false (at once) when none is left. */
  take(): Promise<boolean>;
}

export function createReopenBudget(clock: Clock, max: number): ReopenBudget {
  let left = max;
  return {
    get left() {
      return left;
    },
    async take() {
      if (left <= 0) return false;
      const first = left === max;
      left -= 1;
      if (!first) await clock.sleep(REOPEN_DELAY_MS);
      return true;
    },
  };
}
