/**
 * The caller's ear: Twilio's outbound buffer. Audio plays in order at 8 bytes per ms; a mark is
 * echoed when the audio queued before it has played (at once when nothing is queued); `clear`
 * drops what is queued and echoes every pending mark at once.
 *
 * With `markEcho: 'late'` (a scenario's twilio.markEcho) the echoes a `clear` owes are held back
 * until the agent's next reply has queued its own marks: sent once the agent has queued a mark
 * after the clear and then been quiet (no audio, no mark) for LATE_ECHO_QUIET_MS. An agent that
 * matches echoes to marks by name is not upset by them; one that pops any outstanding mark per
 * echo (the same name everywhere) now believes its new reply has played, and misses the next
 * barge-in (REFERENCE-AGENTS §6 bug class 13).
 */
import { afterPendingReads, type Clock } from '../clock.ts';
import { decodeMulaw, firstAudibleMs, lastAudibleEndMs, mulawDurationMs, SAMPLE_RATE } from '../audio/index.ts';

export interface PlayedChunk {
  playStart: number;
  playEnd: number;
  audibleFrom: number | undefined;
  audibleTo: number | undefined;
}

export type MarkEchoMode = 'prompt' | 'late';

/** How long the agent must have been quiet, after queuing a mark past a clear, before the held echoes go. */
export const LATE_ECHO_QUIET_MS = 300;

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

export function createPlaybackModel(clock: Clock, echo: (name: string, cleared: boolean, late: boolean) => void, markEcho: MarkEchoMode = 'prompt'): PlaybackModel {
  let drainsAt = 0;
  /** late mode: echoes a clear owes, not sent yet; whether a mark has been queued since; the timer that will send them. */
  const held: string[] = [];
  let markedSinceClear = false;
  let cancelRelease: (() => void) | undefined;
  const release = (): void => {
    cancelRelease = undefined;
    for (const name of held.splice(0)) echo(name, true, true);
  };
  /** Quiet by our clock: released once what came in meanwhile has been read (activity read then restarts the wait). */
  const quietOver = (): void => {
    cancelRelease = afterPendingReads(clock, release);
  };
  /** Any activity of the agent's while echoes are held and a mark has been queued restarts the quiet wait. */
  const activity = (): void => {
    if (held.length === 0 || !markedSinceClear) return;
    cancelRelease?.();
    cancelRelease = clock.at(clock.now() + LATE_ECHO_QUIET_MS, quietOver);
  };
  /** Marks not yet echoed, in the order they were queued. */
  const pending = new Map<number, { name: string; cancel: () => void }>();
  let markSeq = 0;
  /** Echoes, in order, every pending mark queued up to `upTo` (all of them are due by then). */
  const echoUpTo = (upTo: number): void => {
    for (const [key, entry] of pending) {
      if (key > upTo) break;
      pending.delete(key);
      entry.cancel();
      echo(entry.name, false, false);
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
      activity();
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
      if (held.length > 0) markedSinceClear = true;
      if (drainsAt <= now) {
        // Marks whose timers are due but have not run yet go first: echoes keep their order.
        echoUpTo(Infinity);
        echo(name, false, false);
      } else {
        const key = ++markSeq;
        const cancel = clock.at(drainsAt, () => echoUpTo(key));
        pending.set(key, { name, cancel });
      }
      activity();
    },
    clear() {
      const now = clock.now();
      const dropped = Math.max(0, drainsAt - now);
      drainsAt = now;
      const marks = [...pending.values()];
      pending.clear();
      for (const mark of marks) mark.cancel();
      if (markEcho === 'late') {
        held.push(...marks.map((mark) => mark.name));
        markedSinceClear = false;
        cancelRelease?.();
        cancelRelease = undefined;
      } else {
        for (const mark of marks) echo(mark.name, true, false);
      }
      return dropped;
    },
    dispose() {
      for (const entry of pending.values()) entry.cancel();
      pending.clear();
      cancelRelease?.();
      held.length = 0;
    },
  };
}
