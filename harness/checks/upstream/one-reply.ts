/**
 * `turn.one-reply` (REFERENCE-AGENTS §5 B8): one reply per caller utterance. The mocks journal every
 * reply they produce (a chat completion streamed, a Realtime response with audio); two for one
 * utterance is the double reply of bug class 23 (`speech_final`, then `UtteranceEnd`, both answered),
 * and it counts even when the second is never heard. A request the mock refused (an injected 429)
 * produced no reply, so the agent's retry is no second reply; nor is a reply on a new connection
 * after the old one failed (the agent recovering from a drop). A chat reply to words the earlier
 * ones did not answer is no double either: an utterance with a pause longer than the agent's
 * endpointing ("Thank you, that is all. … Goodbye.") is two turns to the STT, and answering the
 * second part too is what the service's endpointing asks for, not the bug.
 */
import { eventsOf } from '../../caller/timeline.ts';
import type { JournalEntry } from '../../mocks/journal/entries.ts';
import { normaliseText } from '../../mocks/attribution/text-mark.ts';
import { chatRequestText, isReply } from '../../mocks/journal/queries.ts';
import type { CallCheckInput } from '../call-checks.ts';
import { secondsAfter, skipped, verdictOf, type CheckVerdict } from '../check.ts';

export function checkOneReply(input: CallCheckInput, origin: number): CheckVerdict {
  const utterances = eventsOf(input.events, 'utterance');
  if (input.mocks === false) return skipped('turn.one-reply', 'no mocks (the real services): the replies are not seen');
  const replies = input.journal.filter(isReply);
  if (utterances.length === 0) return skipped('turn.one-reply', 'the caller said nothing');
  if (replies.length === 0) return skipped('turn.one-reply', 'no reply the mocks produced was tied to this call');
  const hangupAt = input.events.find((e) => e.kind === 'stop_sent' || e.kind === 'closed')?.t ?? Infinity;
  const evidence = utterances.flatMap((utterance, i) => {
    const until = Math.min(utterances[i + 1]?.firstVoicedAt ?? Infinity, hangupAt);
    const answers = replies.filter((r) => r.t >= utterance.firstVoicedAt && r.t < until);
    // Chat replies all count (each request is its own connection; a refused one made no reply);
    // Realtime responses per socket: one on a fresh socket after the first went away is a recovery.
    const byConnection = new Map<string, JournalEntry[]>();
    for (const r of answers) {
      const key = r.service === 'openai.chat' ? 'chat' : r.connection;
      byConnection.set(key, [...(byConnection.get(key) ?? []), r]);
    }
    if (byConnection.has('chat')) byConnection.set('chat', repeatedAnswers(byConnection.get('chat') ?? [], input.journal));
    const doubled = [...byConnection.values()].find((list) => list.length > 1);
    if (doubled === undefined) return [];
    const times = doubled.map((r) => secondsAfter(origin, r.t)).join(', ');
    const service = doubled[0]?.service === 'openai.chat' ? 'chat completions' : 'Realtime responses';
    return [`utterance '${utterance.id}' (caller done at ${secondsAfter(origin, utterance.lastVoicedAt)}) got ${doubled.length} ${service}, produced at ${times}`];
  });
  return verdictOf('turn.one-reply', evidence);
}

/**
 * The chat replies among `replies` (in order) that answered no word an earlier one had not: the
 * first reply and each repeat of it (the first alone when every later reply answered new words).
 * A reply whose request the journal lacks counts as a repeat (nothing shows it answered anything new).
 */
function repeatedAnswers(replies: readonly JournalEntry[], journal: readonly JournalEntry[]): JournalEntry[] {
  const answered = new Set<string>();
  const repeats: JournalEntry[] = [];
  for (const reply of replies) {
    const text = chatRequestText(journal, reply.connection);
    const words = text === undefined ? [] : normaliseText(text).split(' ').filter((w) => w !== '');
    const fresh = words.filter((w) => !answered.has(w));
    for (const w of words) answered.add(w);
    if (repeats.length === 0 || fresh.length === 0) repeats.push(reply);
  }
  return repeats;
}
