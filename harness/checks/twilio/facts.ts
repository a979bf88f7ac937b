/**
 * Facts of a caller timeline that several Twilio-side checks read: when the call was hung up,
 * what the caller heard of each agent chunk, the window each utterance owns, and evidence helpers.
 */
import { eventsOf, type EventOf, type TimelineEvent, type UtteranceExpectation } from '../../caller/timeline.ts';
import { agentPlayingAt, effectiveEnd } from '../../metrics/playback.ts';
import { secondsAfter } from '../check.ts';

export type Media = EventOf<'agent_media'>;
export type Clear = EventOf<'clear'>;
export type UtteranceEvent = EventOf<'utterance'>;

export const ms = (value: number): string => `${Math.round(value)} ms`;

/** When the caller hung up (`stop` sent) or the stream closed, whichever came first; Infinity if neither. */
export function hangupAt(events: readonly TimelineEvent[]): number {
  return events.find((e) => e.kind === 'stop_sent' || e.kind === 'closed')?.t ?? Infinity;
}

export interface PlaybackFacts {
  media: readonly Media[];
  clears: readonly Clear[];
  /** When a chunk really stopped playing (a later clear may have cut it). */
  endOf(m: Media): number;
  /** Whether the caller heard some of a chunk's audible part. */
  heard(m: Media): boolean;
  /** Whether the agent's speech was playing at `t` (a pause inside a reply included: harness/metrics/playback.ts). */
  playingAt(t: number): boolean;
}

/** The playback notion of harness/metrics/call-metrics.ts, read from the timeline. */
export function playbackFacts(events: readonly TimelineEvent[]): PlaybackFacts {
  const media = eventsOf(events, 'agent_media');
  const clears = eventsOf(events, 'clear');
  const ends = new Map(media.map((m) => [m, effectiveEnd(m, clears)]));
  const endOf = (m: Media): number => ends.get(m) ?? m.playEnd;
  return {
    media,
    clears,
    endOf,
    heard: (m) => m.audibleFrom !== undefined && m.audibleFrom < endOf(m),
    playingAt: (t) => agentPlayingAt(media, endOf, t),
  };
}

/** `'wait-stop' (expected: interrupt, clear within 500 ms)`: the budgets, and whether the step's place decided it. */
export function utteranceLabel(u: UtteranceEvent, expectation: UtteranceExpectation): string {
  const parts = [`expected: ${expectation.expect}`];
  if (expectation.clearWithinMs !== undefined) parts.push(`clear within ${expectation.clearWithinMs} ms`);
  if (expectation.replyWithinMs !== undefined) parts.push(`reply within ${expectation.replyWithinMs} ms`);
  if (!expectation.stated) parts.push('by default');
  return `'${u.id}' (${parts.join(', ')})`;
}

/** "the next utterance at 9.000 s" or "the hang-up at 12.000 s" or "the end of the call": where an utterance's window ends. */
export function windowEndLabel(origin: number, next: UtteranceEvent | undefined, hangup: number): string {
  if (next !== undefined && next.firstVoicedAt <= hangup) return `the next utterance at ${secondsAfter(origin, next.firstVoicedAt)}`;
  return Number.isFinite(hangup) ? `the hang-up at ${secondsAfter(origin, hangup)}` : 'the end of the call';
}

/** Consecutive runs of events with the same key: `media ×12 from 1.000 s to 1.480 s`, one line per run. */
export function runsOf<E extends { t: number }>(events: readonly E[], key: (e: E) => string, origin: number, at: (t: number) => string = (t) => secondsAfter(origin, t)): string[] {
  const runs: Array<{ key: string; first: E; last: E; n: number }> = [];
  for (const e of events) {
    const k = key(e);
    const run = runs[runs.length - 1];
    if (run !== undefined && run.key === k) {
      run.last = e;
      run.n++;
    } else runs.push({ key: k, first: e, last: e, n: 1 });
  }
  return runs.map((run) => (run.n === 1 ? `${run.key} at ${at(run.first.t)}` : `${run.key} ×${run.n} from ${at(run.first.t)} to ${at(run.last.t)}`));
}
