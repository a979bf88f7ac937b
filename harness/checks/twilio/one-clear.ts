/**
 * `bargein.one-clear` (REFERENCE-AGENTS §5 C12): at most one `clear` per interruption. Each caller
 * utterance owns the clears from its first voiced sample to the next utterance's; two or more
 * there are one interruption cleared twice (say on `SpeechStarted` and again on the transcript),
 * or the agent clearing its own answer to it.
 */
import { eventsOf } from '../../caller/timeline.ts';
import type { CallCheckInput } from '../call-checks.ts';
import { secondsAfter, skipped, verdictOf, type CheckVerdict } from '../check.ts';

export function checkOneClear(input: CallCheckInput, origin: number): CheckVerdict {
  const { events } = input;
  const clears = eventsOf(events, 'clear');
  if (clears.length === 0) return skipped('bargein.one-clear', 'the agent sent no clear');
  const utterances = eventsOf(events, 'utterance');
  let judged = 0;
  const evidence = utterances.flatMap((u, i) => {
    const until = utterances[i + 1]?.firstVoicedAt ?? Infinity;
    const own = clears.filter((c) => c.t >= u.firstVoicedAt && c.t < until);
    if (own.length > 0) judged++;
    if (own.length < 2) return [];
    return [`'${u.id}' (first voiced sample at ${secondsAfter(origin, u.firstVoicedAt)}): ${own.length} clears, at ${own.map((c) => secondsAfter(origin, c.t)).join(', ')}`];
  });
  if (judged === 0) return skipped('bargein.one-clear', 'no clear came after a caller utterance began');
  return verdictOf('bargein.one-clear', evidence);
}
