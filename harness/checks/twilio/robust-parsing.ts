/**
 * `twilio.robust-parsing` (REFERENCE-AGENTS §5 A1): after the messages an `inject` step sent (an
 * unknown event, malformed JSON, a binary frame, a media or a stop of another stream) the agent
 * did not close the stream before the caller hung up, and every later caller utterance that
 * expected an answer (`reply` or `interrupt`; without expectations, every one the agent did not
 * talk over) got audible audio. A reply the injections cut short shows in turn.complete.
 */
import { eventsOf } from '../../caller/timeline.ts';
import { INJECT_LABELS } from '../../caller/inject.ts';
import type { CallCheckInput } from '../call-checks.ts';
import { secondsAfter, skipped, verdictOf, type CheckVerdict } from '../check.ts';
import { ms } from './facts.ts';

export function checkRobustParsing(input: CallCheckInput, origin: number): CheckVerdict {
  const { events, metrics } = input;
  const injected = eventsOf(events, 'injected');
  const first = injected[0];
  if (first === undefined) return skipped('twilio.robust-parsing', 'the scenario injects nothing (no inject step)');
  const at = (t: number): string => secondsAfter(origin, t);
  const evidence: string[] = [];

  const closed = events.find((e) => e.kind === 'closed' && e.t >= first.t);
  if (closed?.kind === 'closed' && closed.by === 'agent') {
    const last = injected.filter((e) => e.t <= closed.t).at(-1) ?? first;
    evidence.push(`the agent closed the stream (code ${closed.code}) at ${at(closed.t)}, ${ms(closed.t - last.t)} after the injection of ${INJECT_LABELS[last.message]} at ${at(last.t)}`);
  }

  // computeCallMetrics records one turn per utterance, in order.
  const utterances = eventsOf(events, 'utterance');
  utterances.forEach((u, i) => {
    if (u.firstVoicedAt < first.t) return;
    const turn = metrics.turns[i];
    // A talk-over turn (a barge-in the agent missed, or a backchannel) is turn.expected's to judge: the agent was still talking.
    if (turn === undefined || turn.kind === 'talk-over' || turn.answered || u.expectation?.expect === 'ignore') return;
    const before = injected.filter((e) => e.t <= u.firstVoicedAt);
    const what = [...new Set(before.map((e) => INJECT_LABELS[e.message]))].join(', ');
    evidence.push(`'${u.id}' (last voiced sample at ${at(u.lastVoicedAt)}) got no audible answer after the injected messages (${what}, from ${at(first.t)})`);
  });
  return verdictOf('twilio.robust-parsing', evidence);
}
