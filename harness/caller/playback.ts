/**
 * The caller's ear: Twilio's outbound buffer. Audio plays in order at 8 bytes per ms; a mark is
 * echoed when the audio queued before it has played (at once when nothing is queued); `clear`
 * drops what is queued and echoes every pending mark at once.
 */
import type { Clock } from '../clock.ts';
import { decodeMulaw, firstAudibleMs, lastAudibleEndMs, mulawDurationMs, SAMPLE_RATE } from '../audio/index.ts';

export interface PlayedChunk {
  playStart: number;
  playEnd: number;
  audibleFrom: number | undefined;
  audibleTo: number | undefined;
}

export interface PlaybackModel {
  /** Queues audio received now; returns when it will play. */
  enqueue(mulaw: Uint8Array): PlayedChunk;
  /** Queues a mark; `echo(name, cleared)` runs when it is reached or cleared. */
  mark(name: string): void;
  /** Drops queued audio; returns the ms of audio dropped. */
  clear(): number;
  /** When the queue will have played out (now or earlier when idle). */
  readonly drainsAt: number;
  /** Cancels pending mark timers (call end). */
  dispose(): void;
}

export function createPlaybackModel(clock: Clock, echo: (name: string, cleared: boolean) => void): PlaybackModel {
  let drainsAt = 0;
  /** Marks not yet echoed, in the order they were queued. */
  const pending = new Map<number, { name: string; cancel: () => void }>();
  let markSeq = 0;
  /** Echoes, in order, every pending mark queued up to `upTo` (all of them are due by then). */
  const echoUpTo = (upTo: number): void => {
    for (const [key, entry] of pending) {
      if (key > upTo) break;
      pending.delete(key);
      entry.cancel();
      echo(entry.name, false);
    }
  };

  return {
    get drainsAt() {
      return drainsAt;
    },
    enqueue(mulaw) {
      const now = clock.now();
      const playStart = Math.max(now, drainsAt);
      const playEnd = playStart + mulawDurationMs(mulaw.length);
      drainsAt = playEnd;
      const pcm = decodeMulaw(mulaw);
      const from = firstAudibleMs(pcm, SAMPLE_RATE);
      const to = lastAudibleEndMs(pcm, SAMPLE_RATE);
      return {
        playStart,
        playEnd,
        audibleFrom: from === undefined ? undefined : playStart + from,
        audibleTo: to === undefined ? undefined : playStart + to,
      };
    },
    mark(name) {
      const now = clock.now();
      if (drainsAt <= now) {
        // Marks whose timers are due but have not run yet go first: echoes keep their order.
        echoUpTo(Infinity);
        echo(name, false);
        return;
      }
      const key = ++markSeq;
      const cancel = clock.at(drainsAt, () => echoUpTo(key));
      pending.set(key, { name, cancel });
    },
    clear() {
      const now = clock.now();
      const dropped = Math.max(0, drainsAt - now);
      drainsAt = now;
      const marks = [...pending.values()];
      pending.clear();
      for (const mark of marks) {
        mark.cancel();
        echo(mark.name, true);
      }
      return dropped;
    },
    dispose() {
      for (const entry of pending.values()) entry.cancel();
      pending.clear();
    },
  };
}
