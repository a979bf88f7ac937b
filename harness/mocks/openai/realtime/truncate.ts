/**
 * `conversation.item.truncate`, checked against the audio the server actually generated and sent
 * for the item: the real service refuses an `audio_end_ms` past it ("Audio content of X ms is
 * already shorter than Y ms"), and items that are not assistant audio.
 */
import type { ConversationItem } from './conversation.ts';
import { realtimeErrors, type RealtimeErrorBody } from './errors.ts';

export type TruncateCheck = { ok: true; audioEndMs: number } | { ok: false; error: Omit<RealtimeErrorBody, 'event_id'> };

export function checkTruncate(item: ConversationItem | undefined, event: { item_id?: unknown; content_index?: unknown; audio_end_ms?: unknown }): TruncateCheck {
  if (typeof event.item_id !== 'string') return { ok: false, error: realtimeErrors.missingParam('item_id') };
  if (typeof event.audio_end_ms !== 'number' || !Number.isInteger(event.audio_end_ms) || event.audio_end_ms < 0) {
    return { ok: false, error: realtimeErrors.invalidValue('audio_end_ms', "Invalid value for 'audio_end_ms': expected a non-negative integer.") };
  }
  if (item === undefined) return { ok: false, error: realtimeErrors.unknownItem(event.item_id) };
  const hasAudio = item.role === 'assistant' && item.content.some((c) => c.type === 'output_audio') && item.audioMs > 0;
  if (!hasAudio) return { ok: false, error: realtimeErrors.notTruncatable() };
  if (event.content_index !== 0) return { ok: false, error: realtimeErrors.invalidContentIndex() };
  const generatedMs = Math.floor(item.audioMs);
  if (event.audio_end_ms > generatedMs) return { ok: false, error: realtimeErrors.audioShorter(generatedMs, event.audio_end_ms) };
  return { ok: true, audioEndMs: event.audio_end_ms };
}
