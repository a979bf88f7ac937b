/**
 * Plays recorded upstream messages at their anchors (./source.ts): each goes out once the agent has
 * sent as much audio as it had when the service sent it (or has sent the control message it
 * answered), that message's recorded delay later, and never before the one recorded ahead of it.
 * Audio positions count what the agent sends, not the wall clock: an agent that forwards the
 * caller's audio later meets each message equally later, at the same audio.
 *
 * A message anchored on a control message the agent does not send this time (a Finalize it no
 * longer sends) is dropped once a later message's audio anchor is reached, rather than holding
 * back everything after it.
 */
import type { Clock } from '../../clock.ts';
import type { Anchor } from './source.ts';

export interface AnchoredPlayer {
  /** The agent has just sent `ms` more audio. */
  audio(ms: number): void;
  /** The agent has just sent a control message of `type`. */
  control(type: string): void;
  /** Cancels what is scheduled (the socket closed). */
  cancel(): void;
  /** Ms of audio the agent has sent. */
  readonly positionMs: number;
}

/** Positions are compared with this slack: byte counts divided by a rate are not exact. */
const EPSILON_MS = 0.01;

export function createAnchoredPlayer<M extends { anchor: Anchor }>(
  clock: Clock,
  items: readonly M[],
  /** Sends `item`; `intendedAt` is when its anchor and delay say it was due. */
  deliver: (item: M, intendedAt: number) => void,
): AnchoredPlayer {
  let position = 0;
  let next = 0;
  let lastAt = -Infinity;
  const controls = new Map<string, Array<number>>();
  const timers = new Set<() => void>();

  const schedule = (item: M, intendedAt: number): void => {
    const at = Math.max(lastAt, intendedAt);
    lastAt = at;
    // Due already (no recorded delay): now, in order, rather than a timer's millisecond later.
    if (at <= clock.now() && timers.size === 0) {
      deliver(item, intendedAt);
      return;
    }
    const cancel = clock.at(at, () => {
      timers.delete(cancel);
      deliver(item, intendedAt);
    });
    timers.add(cancel);
  };

  /** Schedules every message whose anchor has been reached, in order; `audioAt` is when the latest audio came. */
  const advance = (audioAt: number | undefined): void => {
    for (;;) {
      const item = items[next];
      if (item === undefined) return;
      const anchor = item.anchor;
      if (anchor.kind === 'audio') {
        if (audioAt === undefined || position + EPSILON_MS < anchor.audioMs) return;
        schedule(item, audioAt + anchor.afterMs);
        next++;
        continue;
      }
      const seen = controls.get(anchor.type)?.[anchor.index];
      if (seen !== undefined) {
        schedule(item, seen + anchor.afterMs);
        next++;
        continue;
      }
      // Not sent (yet): dropped only once audio has gone past what the next audio-anchored message waits for.
      const later = items.slice(next + 1).find((m) => m.anchor.kind === 'audio');
      if (audioAt !== undefined && later?.anchor.kind === 'audio' && position + EPSILON_MS >= later.anchor.audioMs) {
        next++;
        continue;
      }
      return;
    }
  };

  return {
    get positionMs() {
      return position;
    },
    audio(ms) {
      position += ms;
      advance(clock.now());
    },
    control(type) {
      let seen = controls.get(type);
      if (seen === undefined) controls.set(type, (seen = []));
      seen.push(clock.now());
      advance(undefined);
    },
    cancel() {
      for (const cancel of timers) cancel();
      timers.clear();
    },
  };
}
