/**
 * `turn.complete`: a reply the caller does not interrupt is heard to its end, or the agent says
 * something more (a resumption, an apology) soon after it breaks off. The mocks know how long each
 * reply they produced sounds when spoken whole (a chat reply, a Realtime response: the journal's
 * `reply` entries; the last one of a turn is the one judged); the caller knows what it played. A
 * reply that stops short and leaves the line
 * silent is the dead air of REFERENCE-AGENTS §6 bug class 6 (an upstream drop the agent never
 * recovered from), which `turn.answered` cannot see: the first 100 ms of a reply are an answer.
 */
import { eventsOf, type EventOf, type TimelineEvent } from '../caller/timeline.ts';
import type { CallMetrics } from '../metrics/call-metrics.ts';
import { effectiveEnd } from '../metrics/playback.ts';
import type { JournalEntry } from '../mocks/journal/entries.ts';
import { isReply } from '../mocks/journal/queries.ts';
import { secondsAfter, skipped, verdictOf, type CheckVerdict } from './check.ts';
import { absentService } from './absence.ts';

/** A reply counts as whole when the caller played this share of it, less the slack (pauses trimmed between sentences). */
export const COMPLETE_FRACTION = 0.9;
export const COMPLETE_SLACK_MS = 300;
/** Silence inside a reply longer than this is a break; a break the agent does not end within DEAD_AIR_MS is dead air. */
export const BREAK_MS = 1000;
export const DEAD_AIR_MS = 5000;

type Media = EventOf<'agent_media'>;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export interface CompleteCheckInput {
  events: readonly TimelineEvent[];
  metrics: CallMetrics;
  journal: readonly JournalEntry[];
  mocks?: boolean;
  origin: number;
}

export function checkRepliesComplete(input: CompleteCheckInput): CheckVerdict {
  const { events, metrics, journal, origin } = input;
  if (input.mocks === false) return skipped('turn.complete', 'no mocks (the real services): the length of a reply is unknown');
  const utterances = eventsOf(events, 'utterance');
  const media = eventsOf(events, 'agent_media');
  const clears = eventsOf(events, 'clear');
  // The caller hanging up cuts a reply short by its own choice: not judged. The agent closing the
  // stream mid-reply is the agent's doing: the reply is judged on what played until then.
  const callerHangupAt = events.find((e) => e.kind === 'stop_sent' || (e.kind === 'closed' && e.by === 'caller'))?.t ?? Infinity;
  const agentClosedAt = events.find((e) => e.kind === 'closed' && e.by === 'agent')?.t ?? Infinity;
  const hangupAt = Math.min(callerHangupAt, agentClosedAt);
  const replies = journal.filter(isReply);
  const endOf = (m: Media): number => effectiveEnd(m, clears);
  let judged = 0;
  const evidence: string[] = [];
  utterances.forEach((utterance, i) => {
    const turn = metrics.turns[i];
    if (turn === undefined || turn.kind === 'talk-over' || !turn.answered) return;
    // The reply goes on over a talk-over (a backchannel the agent rightly spoke through): it ends at
    // the next utterance that stopped it or asked for a new reply.
    const nextAt = utterances.findIndex((_u, k) => k > i && metrics.turns[k]?.kind !== 'talk-over');
    const next = nextAt === -1 ? undefined : utterances[nextAt];
    const windowEnd = Math.min(next?.firstVoicedAt ?? Infinity, hangupAt);
    // The reply the agent went on to say: the last one produced for this turn (after a failure the
    // agent may ask again, or say a fallback line); its audio is what arrived after it was produced.
    const last = replies.filter((r) => r.t >= utterance.lastVoicedAt && r.t < windowEnd).at(-1);
    if (last === undefined || last.data.speechMs === 0) return;
    const expected = last.data.speechMs;
    // The caller barging into this reply, or hanging up while it plays, cuts it: nothing to judge.
    if (nextAt !== -1 && metrics.turns[nextAt]?.kind === 'barge-in') return;
    const reply = media.filter((m) => m.t > last.t && m.t < windowEnd);
    if (callerHangupAt <= agentClosedAt && reply.some((m) => endOf(m) > callerHangupAt)) return;
    judged++;
    const played = reply.reduce((sum, m) => sum + Math.max(0, Math.min(endOf(m), windowEnd) - m.playStart), 0);
    // Audio still queued when the agent closed the stream never reached the caller.
    if (played >= COMPLETE_FRACTION * expected - COMPLETE_SLACK_MS) return;
    const what = `reply to '${turn.utterance}' (caller done at ${secondsAfter(origin, utterance.lastVoicedAt)}): the caller heard ${seconds(played)} of a ${seconds(expected)} reply`;
    // A break in the reply the agent ends within DEAD_AIR_MS (it resumed, or apologised) is a recovery.
    let lastEnd = -Infinity;
    for (const m of reply) {
      if (lastEnd > -Infinity && m.playStart - lastEnd > BREAK_MS) {
        const silence = m.playStart - lastEnd;
        if (silence > DEAD_AIR_MS) evidence.push(`${what}: dead air for ${seconds(silence)} from ${secondsAfter(origin, lastEnd)} before the agent spoke again`);
        return;
      }
      lastEnd = Math.max(lastEnd, Math.min(endOf(m), windowEnd));
    }
    const until =
      next !== undefined && next.firstVoicedAt <= hangupAt
        ? `the caller spoke again at ${secondsAfter(origin, next.firstVoicedAt)}`
        : agentClosedAt < callerHangupAt
          ? `it closed the call at ${secondsAfter(origin, agentClosedAt)}`
          : `the hang-up at ${secondsAfter(origin, hangupAt)}`;
    const stopped = lastEnd === -Infinity ? 'before any of it played' : `at ${secondsAfter(origin, lastEnd)}`;
    evidence.push(`${what}: it stopped ${stopped}, and the agent said nothing more until ${until} (${seconds(windowEnd - Math.max(lastEnd, utterance.lastVoicedAt))} of silence)`);
  });
  if (judged === 0) {
    if (utterances.length === 0) return skipped('turn.complete', 'the caller said nothing');
    const absent = absentService(input, 'openai.chat') !== undefined && absentService(input, 'openai.realtime') !== undefined;
    return skipped('turn.complete', absent ? 'no reply the mocks produced was tied to this call' : 'no caller turn had an uninterrupted reply the mocks produced');
  }
  return verdictOf('turn.complete', evidence);
}
