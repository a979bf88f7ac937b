/**
 * `bargein.generation-stopped` (REFERENCE-AGENTS §5 C14, bug classes 8 and 9): when the agent clears
 * a barge-in, it also stops what was generating the interrupted reply. Judged on the journal of
 * the call from the `clear` until the reply to the barge-in utterance was produced:
 * - a chat stream still open at the clear is aborted (the mock journals `abort`), never read to
 *   its end (`done`);
 * - no TTS text of the interrupted reply is flushed or requested after the clear (Deepgram speak
 *   `Flush`, REST speak requests), and a speak socket with synthesis in flight gets a `Clear`;
 * - a Realtime response still generating is cancelled (`response.cancel`, or the server's own
 *   interruption), rather than left to produce audio.
 */
import { eventsOf } from '../../caller/timeline.ts';
import type { JournalEntry } from '../../mocks/journal/entries.ts';
import { entriesOfKind, isReply } from '../../mocks/journal/queries.ts';
import type { CallCheckInput } from '../call-checks.ts';
import { secondsAfter, skipped, verdictOf, type CheckVerdict } from '../check.ts';

/** A stream still open this long after the clear has not been stopped. */
export const STOP_WITHIN_MS = 1500;

const between = <E extends JournalEntry>(entries: readonly E[], from: number, to: number): E[] => entries.filter((e) => e.t >= from && e.t < to);

export function checkGenerationStopped(input: CallCheckInput, origin: number): CheckVerdict {
  if (input.mocks === false) return skipped('bargein.generation-stopped', 'no mocks (the real services): upstream generation is not seen');
  const utterances = eventsOf(input.events, 'utterance');
  const clears = eventsOf(input.events, 'clear');
  const { journal } = input;
  let judged = 0;
  const evidence: string[] = [];
  input.metrics.turns.forEach((turn, i) => {
    if (turn.kind !== 'barge-in') return;
    const utterance = utterances[i];
    if (utterance === undefined) return;
    const clear = clears.find((c) => c.t >= utterance.firstVoicedAt && c.t < (utterances[i + 1]?.firstVoicedAt ?? Infinity));
    if (clear === undefined) return;
    const at = `clear at ${secondsAfter(origin, clear.t)} (barge-in '${turn.utterance}')`;
    // The interrupted reply's generation: what the journal shows between the clear and the next reply produced.
    const nextReply = journal.filter(isReply).find((r) => r.t > clear.t)?.t ?? Infinity;
    const window = Math.min(nextReply, clear.t + STOP_WITHIN_MS);
    const before = journal.filter((e) => e.t <= clear.t);
    judged++;

    // Chat streams open at the clear.
    for (const reply of before.filter((e) => e.service === 'openai.chat' && e.kind === 'reply')) {
      const ends = journal.filter((e) => e.connection === reply.connection && (e.kind === 'done' || e.kind === 'abort'));
      const end = ends[0];
      if (end === undefined || end.t <= clear.t) continue;
      if (end.kind === 'done') evidence.push(`${at}: the agent kept reading the LLM stream ${reply.connection} to its end (${secondsAfter(origin, end.t)}) instead of aborting it`);
      else if (end.t > clear.t + STOP_WITHIN_MS) evidence.push(`${at}: the LLM stream ${reply.connection} was aborted only at ${secondsAfter(origin, end.t)}`);
    }
    // Speech of the interrupted reply after the clear.
    for (const flush of between(entriesOfKind(journal, 'deepgram.speak.ws', 'Flush'), clear.t, window)) {
      evidence.push(`${at}: TTS Flush at ${secondsAfter(origin, flush.t)} on ${flush.connection}, before any reply to the barge-in: speech of the interrupted reply`);
    }
    for (const request of between(entriesOfKind(journal, 'deepgram.speak.rest', 'request'), clear.t, window)) {
      evidence.push(`${at}: REST TTS request at ${secondsAfter(origin, request.t)} ('${request.data.text.slice(0, 40)}'), before any reply to the barge-in`);
    }
    // A speak socket still synthesising at the clear must be told to Clear.
    for (const connection of new Set(entriesOfKind(before, 'deepgram.speak.ws', 'Flush').map((e) => e.connection))) {
      const flushes = entriesOfKind(before, 'deepgram.speak.ws', 'Flush').filter((e) => e.connection === connection && e.data.sequenceId !== undefined).length;
      const flushed = entriesOfKind(before, 'deepgram.speak.ws', 'Flushed').filter((e) => e.connection === connection).length;
      if (flushes <= flushed) continue;
      const cleared = between(entriesOfKind(journal, 'deepgram.speak.ws', 'Clear'), clear.t - 50, clear.t + STOP_WITHIN_MS).some((e) => e.connection === connection);
      const closed = journal.some((e) => e.connection === connection && e.kind === 'close' && e.t <= clear.t + STOP_WITHIN_MS);
      if (!cleared && !closed) evidence.push(`${at}: the speak socket ${connection} was still synthesising (${flushes - flushed} Flush(es) unanswered) and got no Clear`);
    }
    // Realtime responses generating at the clear.
    for (const created of entriesOfKind(before, 'openai.realtime', 'response.created')) {
      const done = entriesOfKind(journal, 'openai.realtime', 'response.done').find((d) => d.data.responseId === created.data.responseId);
      if (done !== undefined && done.t <= clear.t) continue;
      const cancelled = done !== undefined && done.data.status === 'cancelled' && done.t <= clear.t + STOP_WITHIN_MS;
      if (cancelled) continue;
      const late = entriesOfKind(journal, 'openai.realtime', 'audio').filter((a) => a.data.responseId === created.data.responseId && a.t > clear.t);
      const ms = Math.round(late.reduce((sum, a) => sum + a.data.ms, 0));
      evidence.push(`${at}: Realtime response ${created.data.responseId} was not cancelled${done === undefined ? '' : ` (it ended ${done.data.status} at ${secondsAfter(origin, done.t)})`}; it generated ${ms} ms more audio`);
    }
  });
  if (judged === 0) return skipped('bargein.generation-stopped', 'no barge-in the agent cleared');
  return verdictOf('bargein.generation-stopped', evidence);
}
