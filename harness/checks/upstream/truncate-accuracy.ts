/**
 * `realtime.truncate-accurate` (REFERENCE-AGENTS §5 C16, bug classes 11 and 12): a truncate names
 * the item the caller was hearing, content_index 0, at the audio the caller had heard of it. What
 * the caller heard is known: it played the reply's audio in order, and the mock sent each item's
 * audio in order, so the caller's played time maps onto the sequence of items — a truncate counted
 * from send time, or from a start never reset between responses, lands on the wrong item or far
 * from the played position.
 */
import { eventsOf } from '../../caller/timeline.ts';
import { entriesOfKind, isTruncate, truncateAudioEndMs } from '../../mocks/journal/queries.ts';
import type { CallCheckInput } from '../call-checks.ts';
import { secondsAfter, skipped, verdictOf, type CheckVerdict } from '../check.ts';
import { absentService } from '../absence.ts';

/** How far audio_end_ms may be from what the caller played of the item. */
export const TRUNCATE_TOLERANCE_MS = 250;
/** A truncate sent this long after a clear still answers it. */
const AFTER_CLEAR_MS = 1000;

export function checkTruncateAccuracy(input: CallCheckInput, origin: number): CheckVerdict {
  const truncates = input.journal.filter(isTruncate);
  if (truncates.length === 0) return skipped('realtime.truncate-accurate', absentService(input, 'openai.realtime') ?? 'the agent sent no conversation.item.truncate on this call');
  const utterances = eventsOf(input.events, 'utterance');
  const media = eventsOf(input.events, 'agent_media');
  const clears = eventsOf(input.events, 'clear');
  const audio = entriesOfKind(input.journal, 'openai.realtime', 'audio');
  const evidence = truncates.flatMap((truncate) => {
    const what = `conversation.item.truncate at ${secondsAfter(origin, truncate.t)} of ${String(truncate.data.itemId)} (audio_end_ms ${String(truncate.data.audioEndMs)})`;
    if (truncate.data.contentIndex !== 0) return [`${what}: content_index ${String(truncate.data.contentIndex)}, not 0`];
    const clear = [...clears].reverse().find((c) => c.t <= truncate.t + 50 && truncate.t - c.t <= AFTER_CLEAR_MS);
    if (clear === undefined) return [`${what}: no clear of the caller's audio came with it`];
    // The interrupted reply is what arrived since the utterance before the barge-in ended (as
    // bargein.truncate_error_ms counts it): the barge-in is the last utterance begun before the clear.
    const bargeIn = utterances.filter((u) => u.firstVoicedAt <= clear.t).length - 1;
    const from = utterances[bargeIn - 1]?.lastVoicedAt ?? -Infinity;
    const played = media.filter((m) => m.t > from && m.t <= clear.t).reduce((sum, m) => sum + Math.max(0, Math.min(m.playEnd, clear.t) - m.playStart), 0);
    // The items in the order their audio was sent, with how much each had.
    const items: Array<{ id: string; ms: number }> = [];
    for (const a of audio.filter((e) => e.t > from && e.t <= clear.t)) {
      const last = items[items.length - 1];
      if (last?.id === a.data.itemId) last.ms += a.data.ms;
      else items.push({ id: a.data.itemId, ms: a.data.ms });
    }
    let left = played;
    let playing = items[items.length - 1];
    let into = playing?.ms ?? 0;
    for (const item of items) {
      if (left <= item.ms) {
        playing = item;
        into = left;
        break;
      }
      left -= item.ms;
    }
    if (playing === undefined) return [];
    const end = truncateAudioEndMs(truncate);
    if (truncate.data.itemId !== playing.id) return [`${what}: the caller was hearing ${playing.id}, ${Math.round(into)} ms into it`];
    if (end === undefined) return [`${what}: audio_end_ms is not a number`];
    if (Math.abs(end - into) > TRUNCATE_TOLERANCE_MS) return [`${what}: the caller had heard ${Math.round(into)} ms of it (off by ${Math.round(Math.abs(end - into))} ms)`];
    return [];
  });
  return verdictOf('realtime.truncate-accurate', evidence);
}
