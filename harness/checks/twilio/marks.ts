/**
 * `marks.tied-to-audio` (REFERENCE-AGENTS §5 C11; bug classes 13, 14), a warning: the agent sends
 * `mark`s, so it can know what the caller has heard;
 * - each mark follows audio: some media since the start of its response or the last `clear`
 *   (a mark before any audio tells the agent nothing);
 * - names are distinct within a response (a response: the agent's output from one caller
 *   utterance's last voiced sample to the next's; the greeting before the first), so an echo
 *   names what played: the same name everywhere is how stale echoes get counted against the
 *   next reply;
 * - stale echoes did no harm: when the fake Twilio held a clear's echoes back until the next reply
 *   had queued its marks (twilio.markEcho "late"), the next utterance expected to interrupt still
 *   got its `clear`.
 */
import { eventsOf, type EventOf } from '../../caller/timeline.ts';
import type { CallCheckInput } from '../call-checks.ts';
import { secondsAfter, skipped, verdictOf, type CheckVerdict } from '../check.ts';
import { hangupAt, ms, playbackFacts } from './facts.ts';

type Mark = EventOf<'agent_mark'>;

export function checkMarks(input: CallCheckInput, origin: number): CheckVerdict {
  const { events } = input;
  const at = (t: number): string => secondsAfter(origin, t);
  const media = eventsOf(events, 'agent_media');
  if (media.length === 0) return skipped('marks.tied-to-audio', 'the agent sent no media');
  const marks = eventsOf(events, 'agent_mark');
  if (marks.length === 0) {
    const audioMs = media.reduce((sum, m) => sum + m.bytes / 8, 0);
    return verdictOf('marks.tied-to-audio', [`the agent sent ${media.length} media message(s) (${ms(audioMs)} of audio) and no mark: it cannot know what the caller has heard`]);
  }
  const utterances = eventsOf(events, 'utterance');
  const clears = eventsOf(events, 'clear');
  /** Response k runs from boundary k to boundary k+1: the greeting, then the reply to each utterance. */
  const boundaries = [-Infinity, ...utterances.map((u) => u.lastVoicedAt), Infinity];
  const evidence: string[] = [];

  for (let k = 0; k + 1 < boundaries.length; k++) {
    const from = boundaries[k] ?? -Infinity;
    const to = boundaries[k + 1] ?? Infinity;
    const response = k === 0 ? 'the greeting' : `the reply to '${utterances[k - 1]?.id ?? '?'}'`;
    const own = marks.filter((m) => m.t >= from && m.t < to);
    for (const mark of own) {
      const since = Math.max(from, ...clears.filter((c) => c.t <= mark.t).map((c) => c.t));
      const audio = media.some((m) => m.t >= since && m.t <= mark.t);
      if (!audio) evidence.push(`mark '${mark.name}' at ${at(mark.t)} (${response}) follows no audio: no media since ${Number.isFinite(since) ? at(since) : 'the start'}`);
    }
    const byName = new Map<string, Mark[]>();
    for (const mark of own) byName.set(mark.name, [...(byName.get(mark.name) ?? []), mark]);
    for (const [name, same] of byName) {
      if (same.length < 2) continue;
      evidence.push(`mark name '${name}' sent ${same.length} times in ${response} (from ${at(same[0]?.t ?? 0)} to ${at(same[same.length - 1]?.t ?? 0)}): its echoes cannot say what played`);
    }
  }

  // Late echoes, then an interruption that got no clear: the stale echoes upset the agent's accounting.
  const late = eventsOf(events, 'mark_echo').filter((e) => e.late === true);
  if (late.length > 0) {
    const playback = playbackFacts(events);
    const hangup = hangupAt(events);
    utterances.forEach((u, i) => {
      if (u.expectation?.expect !== 'interrupt' || !playback.playingAt(u.firstVoicedAt)) return;
      const stale = late.filter((e) => e.t < u.firstVoicedAt);
      if (stale.length === 0) return;
      const until = Math.min(utterances[i + 1]?.firstVoicedAt ?? Infinity, hangup);
      if (clears.some((c) => c.t >= u.firstVoicedAt && c.t < until)) return;
      const distinct = [...new Set(stale.map((e) => `'${e.name}'`))];
      const names = distinct.length > 4 ? `${distinct.slice(0, 4).join(', ')}, …` : distinct.join(', ');
      evidence.push(`${stale.length} stale echo(es) (${names}) arrived late, from ${at(stale[0]?.t ?? 0)}, after a clear; then '${u.id}' spoke over agent audio at ${at(u.firstVoicedAt)} and got no clear`);
    });
  }
  return verdictOf('marks.tied-to-audio', evidence);
}
