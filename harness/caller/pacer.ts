/**
 * Sends one frame every 20 ms on a deadline schedule: frame k is due at start + 20·(k+1), the
 * moment its 20 ms of audio would have been captured. A late tick sends every frame that is due
 * (as a real media gateway catches up) and the lateness of each is recorded, never hidden.
 */
import type { Clock } from '../clock.ts';
import { FRAME_MS } from '../audio/index.ts';
import { createHistogram, type LatencyHistogram } from '../metrics/histogram.ts';

export interface FramePacer {
  start(): void;
  stop(): void;
  /** How late each frame was sent, in ms. */
  readonly lateness: LatencyHistogram;
  readonly framesSent: number;
}

export function createFramePacer(clock: Clock, sendFrame: (index: number, dueAt: number) => void): FramePacer {
  const lateness = createHistogram();
  let origin = 0;
  let next = 0;
  let cancel: (() => void) | undefined;
  let running = false;

  const tick = (): void => {
    cancel = undefined;
    if (!running) return;
    const now = clock.now();
    for (;;) {
      const dueAt = origin + FRAME_MS * (next + 1);
      if (dueAt > now) break;
      lateness.record(now - dueAt);
      sendFrame(next, dueAt);
      next++;
      if (!running) return;
    }
    cancel = clock.at(origin + FRAME_MS * (next + 1), tick);
  };

  return {
    lateness,
    get framesSent() {
      return next;
    },
    start() {
      if (running) return;
      running = true;
      origin = clock.now();
      cancel = clock.at(origin + FRAME_MS, tick);
    },
    stop() {
      running = false;
      cancel?.();
      cancel = undefined;
    },
  };
}
