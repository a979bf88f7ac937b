/**
 * What was playing to the caller, read from the agent chunks of its timeline: one notion, shared
 * by the metrics (harness/metrics/call-metrics.ts: is an utterance a barge-in, a talk-over or a
 * reply?) and the checks (harness/checks/twilio/facts.ts), so that the two never classify a turn
 * differently.
 */
import type { EventOf } from '../caller/timeline.ts';

type Media = EventOf<'agent_media'>;
type Clear = EventOf<'clear'>;

/** When a chunk really stopped playing: its end, or the first `clear` after it arrived if that came sooner. */
export function effectiveEnd(media: Media, clears: readonly Clear[]): number {
  const clear = clears.find((c) => c.t >= media.t);
  return clear !== undefined && clear.t < media.playEnd ? Math.max(media.playStart, clear.t) : media.playEnd;
}

/** A chunk with some audible sound in it (not silence throughout). */
const audible = (m: Media): boolean => m.audibleFrom !== undefined;

/**
 * Whether the agent's speech was playing at `t`: a chunk the caller had received by then was
 * playing, and it was audible, or it was a quiet stretch inside a reply: audible audio played
 * before it and audible audio already queued after it, with no gap in the queue between. A
 * reply's pause between sentences is a silent chunk of its own (100 ms here and there); the
 * caller who starts speaking in it speaks over the reply, as much as one a chunk earlier.
 * Silence queued after the last audible chunk (or before the first) is not speech playing.
 */
export function agentPlayingAt(media: readonly Media[], endOf: (m: Media) => number, t: number): boolean {
  const queued = media.filter((m) => m.t <= t);
  const now = queued.find((m) => m.playStart <= t && t < endOf(m));
  if (now === undefined) return false;
  if (audible(now)) return true;
  // The contiguous stretch of queued playback around `now`: chunks play back to back until the queue
  // runs dry. As it stood at `t`: a clear that came later cuts nothing yet (the caller's speech is what
  // the clear answers), one that came before ends the chunks it cut.
  const endAsOf = (m: Media): number => (endOf(m) > t ? m.playEnd : endOf(m));
  const ordered = [...queued].sort((a, b) => a.playStart - b.playStart);
  const at = ordered.indexOf(now);
  const CONTIGUOUS_MS = 0.5;
  let before = false;
  for (let k = at - 1; k >= 0 && endAsOf(ordered[k]!) >= ordered[k + 1]!.playStart - CONTIGUOUS_MS; k--) {
    if (audible(ordered[k]!)) {
      before = true;
      break;
    }
  }
  if (!before) return false;
  for (let k = at + 1; k < ordered.length && ordered[k]!.playStart <= endAsOf(ordered[k - 1]!) + CONTIGUOUS_MS; k++) {
    if (audible(ordered[k]!)) return true;
  }
  return false;
}
