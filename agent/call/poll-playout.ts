/**
 * `playout=poll`: the seed analysis's audio loop, reproduced. TTS audio and marks go into a
 * per-call queue; a timer on the agent's clock wakes 10 ms after its previous wake (a chain of
 * sleeps, as the seed's `await asyncio.sleep(0.01)` is) and sends everything queued through the
 * direct path. Audio that arrives in between waits for the next wake: up to one interval of
 * latency, more when the event loop is busy, which is exactly the cost the seed paid.
 *
 * The timer runs for the life of the call (as the seed's `while` loop does) and stops on dispose.
 */
import type { Clock } from '../../harness/clock.ts';
import type { AudioOut } from './audio-out.ts';

/** The seed's `asyncio.sleep(0.01)`. */
export const POLL_INTERVAL_MS = 10;

type Item = { kind: 'media'; turn: number; audio: Uint8Array } | { kind: 'mark'; name: string };

export interface PollPlayoutDeps {
  clock: Clock;
  /** Where the queue is drained to. */
  out: AudioOut;
  intervalMs?: number;
}

export function createPollPlayout(deps: PollPlayoutDeps): AudioOut {
  const { clock, out } = deps;
  const interval = deps.intervalMs ?? POLL_INTERVAL_MS;
  const queue: Item[] = [];
  let disposed = false;
  let cancel: () => void = () => {};

  const drain = (): void => {
    for (const item of queue.splice(0)) {
      if (item.kind === 'media') out.media(item.turn, item.audio);
      else out.mark(item.name);
    }
  };

  const tick = (): void => {
    if (disposed) return;
    drain();
    cancel = clock.at(clock.now() + interval, tick);
  };
  cancel = clock.at(clock.now() + interval, tick);

  return {
    media(turn, audio) {
      if (disposed || audio.byteLength === 0) return;
      queue.push({ kind: 'media', turn, audio });
    },
    mark(name) {
      if (disposed) return;
      queue.push({ kind: 'mark', name });
    },
    drop() {
      queue.length = 0;
      out.drop();
    },
    get pending() {
      return queue.length > 0;
    },
    dispose() {
      disposed = true;
      queue.length = 0;
      cancel();
      out.dispose();
    },
  };
}
