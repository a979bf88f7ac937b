/**
 * `turn.expected`: each caller utterance got what its scenario step expects (the expectation the
 * caller recorded on the utterance: harness/scenario/expectations.ts).
 * - `interrupt`: spoken over playing agent audio, and a `clear` came before the next utterance (or
 *   the hang-up), within `clearWithinMs` of the first voiced sample when set. Without it, it is a
 *   missed barge-in, which the turn classification calls talk-over and nothing else fails.
 * - `reply` (and `interrupt` with `replyWithinMs`): an audible reply after the last voiced sample,
 *   within `replyWithinMs` when set.
 * - `ignore` (a backchannel): no `clear`, and no reply: no new audible audio when nothing was
 *   playing, and, with the mocks, no reply produced for it (a reply entry in the journal after
 *   it). Audio that merely goes on playing over it is the agent talking on, as it should.
 */
import { eventsOf, type UtteranceExpectation } from '../../caller/timeline.ts';
import { isReply } from '../../mocks/journal/queries.ts';
import type { CallCheckInput } from '../call-checks.ts';
import { secondsAfter, skipped, verdictOf, type CheckVerdict } from '../check.ts';
import { hangupAt, ms, playbackFacts, utteranceLabel, windowEndLabel, type PlaybackFacts, type UtteranceEvent } from './facts.ts';

export function checkExpected(input: CallCheckInput, origin: number): CheckVerdict {
  const { events } = input;
  const utterances = eventsOf(events, 'utterance');
  if (utterances.length === 0) return skipped('turn.expected', 'the caller said nothing');
  if (utterances.every((u) => u.expectation === undefined)) return skipped('turn.expected', 'no utterance carried an expectation (the call was not placed from a scenario)');
  const call: CallFacts = { input, origin, utterances, playback: playbackFacts(events), hangup: hangupAt(events) };
  const evidence = utterances.flatMap((u, i) => (u.expectation === undefined ? [] : judge(call, i, u, u.expectation)));
  return verdictOf('turn.expected', evidence);
}

interface CallFacts {
  input: CallCheckInput;
  origin: number;
  utterances: readonly UtteranceEvent[];
  playback: PlaybackFacts;
  hangup: number;
}

function judge(call: CallFacts, i: number, u: UtteranceEvent, expectation: UtteranceExpectation): string[] {
  const { input, origin, playback, hangup } = call;
  const next = call.utterances[i + 1];
  const windowEnd = Math.min(next?.firstVoicedAt ?? Infinity, hangup);
  const until = windowEndLabel(origin, next, hangup);
  const label = utteranceLabel(u, expectation);
  const at = (t: number): string => secondsAfter(origin, t);
  const clear = playback.clears.find((c) => c.t >= u.firstVoicedAt && c.t < windowEnd);
  // The reply: the first chunk after the utterance the caller heard some of (a clear may cut a chunk
  // before its audible part), and after the clear if the agent cleared only once the caller was done:
  // until then what played was the interrupted reply going on (as harness/metrics/call-metrics.ts counts it).
  const replyFrom = clear === undefined ? u.lastVoicedAt : Math.max(u.lastVoicedAt, clear.t);
  const reply = playback.media.find((m) => m.t > replyFrom && m.t < windowEnd && playback.heard(m));
  const replyAt = reply?.audibleFrom;
  const lines: string[] = [];

  const needReply = (): void => {
    if (replyAt === undefined) {
      lines.push(`${label}: no audible agent audio after its last voiced sample (${at(u.lastVoicedAt)}) before ${until}: the reply never came`);
      return;
    }
    const after = replyAt - u.lastVoicedAt;
    if (expectation.replyWithinMs !== undefined && after > expectation.replyWithinMs) {
      lines.push(`${label}: the first audible reply sample played at ${at(replyAt)}, ${ms(after)} after its last voiced sample (${at(u.lastVoicedAt)}), over the ${expectation.replyWithinMs} ms budget`);
    }
  };

  switch (expectation.expect) {
    case 'interrupt': {
      // Agent audio playing at any moment the caller was voiced is something to interrupt (a reply may resume mid-utterance after a gap).
      const overAgent = playback.media.some((m) => m.audibleFrom !== undefined && m.t <= u.lastVoicedAt && m.playStart < u.lastVoicedAt && playback.endOf(m) > u.firstVoicedAt);
      if (!overAgent) {
        lines.push(`${label}: no agent audio played while it was voiced (${at(u.firstVoicedAt)} to ${at(u.lastVoicedAt)}): there was nothing to interrupt`);
        break;
      }
      if (clear === undefined) {
        lines.push(`${label}: spoken over agent audio from ${at(u.firstVoicedAt)}, and no clear came before ${until}: a missed barge-in`);
        break;
      }
      const after = clear.t - u.firstVoicedAt;
      if (expectation.clearWithinMs !== undefined && after > expectation.clearWithinMs) {
        lines.push(`${label}: clear at ${at(clear.t)}, ${ms(after)} after its first voiced sample (${at(u.firstVoicedAt)}), over the ${expectation.clearWithinMs} ms budget`);
      }
      if (expectation.replyWithinMs !== undefined) needReply();
      break;
    }
    case 'reply':
      needReply();
      break;
    case 'ignore': {
      const overAgent = playback.playingAt(u.firstVoicedAt);
      const produced = input.journal.filter(isReply).find((e) => e.t >= u.firstVoicedAt && e.t < windowEnd);
      const parts: string[] = [];
      if (clear !== undefined) parts.push(`the agent stopped for it: clear at ${at(clear.t)}, ${ms(clear.t - u.firstVoicedAt)} after its first voiced sample (${at(u.firstVoicedAt)})`);
      // Audio after a clear, or after silence, is a new reply; audio that plays on over it is the agent talking on.
      const answered = replyAt !== undefined && (clear !== undefined || !overAgent);
      if (answered && replyAt !== undefined) parts.push(`the agent answered it: audible reply at ${at(replyAt)}, ${ms(replyAt - u.lastVoicedAt)} after its last voiced sample`);
      else if (produced !== undefined) parts.push(`the agent had a reply produced for it (${produced.service === 'openai.realtime' ? 'a Realtime response' : 'a chat completion'} at ${at(produced.t)})`);
      if (parts.length > 0) lines.push(`${label}: ${parts.join('; ')}`);
      break;
    }
  }
  return lines;
}
