/**
 * OpenAI Realtime (GA) server events that a client acts on, validated once at the socket edge.
 * Shapes follow ../shared/specs/openai-openapi.yaml (RealtimeServerEvent*); only the fields a
 * client needs are required, and unknown fields pass. Events a client has no use for (transcript
 * deltas, rate limits, content parts, …) parse as `{ type: 'other' }` so that a new event type
 * never breaks a call. Client events are typed by the official SDK (`RealtimeClientEvent`).
 */
import { z } from 'zod';
import { describeIssues, type Parsed } from './parse.ts';

export const RealtimeAudioFormat = z.object({ type: z.enum(['audio/pcm', 'audio/pcmu', 'audio/pcma']) }).loose();

const SessionShape = z
  .object({
    audio: z
      .object({
        input: z.object({ format: RealtimeAudioFormat }).loose(),
        output: z.object({ format: RealtimeAudioFormat, voice: z.string().optional() }).loose(),
      })
      .loose(),
  })
  .loose();

export const RealtimeSessionCreated = z.object({ type: z.literal('session.created'), session: SessionShape }).loose();
export const RealtimeSessionUpdated = z.object({ type: z.literal('session.updated'), session: SessionShape }).loose();
export const RealtimeSpeechStarted = z
  .object({ type: z.literal('input_audio_buffer.speech_started'), audio_start_ms: z.number(), item_id: z.string() })
  .loose();
export const RealtimeSpeechStopped = z
  .object({ type: z.literal('input_audio_buffer.speech_stopped'), audio_end_ms: z.number(), item_id: z.string() })
  .loose();
export const RealtimeResponseCreated = z
  .object({ type: z.literal('response.created'), response: z.object({ id: z.string() }).loose() })
  .loose();
export const RealtimeOutputItemAdded = z
  .object({
    type: z.literal('response.output_item.added'),
    response_id: z.string(),
    item: z.object({ id: z.string(), type: z.string(), role: z.string().optional() }).loose(),
  })
  .loose();
export const RealtimeAudioDelta = z
  .object({ type: z.literal('response.output_audio.delta'), response_id: z.string(), item_id: z.string(), delta: z.string() })
  .loose();
export const RealtimeAudioDone = z
  .object({ type: z.literal('response.output_audio.done'), response_id: z.string(), item_id: z.string() })
  .loose();
export const RealtimeTranscriptDone = z
  .object({ type: z.literal('response.output_audio_transcript.done'), response_id: z.string(), item_id: z.string(), transcript: z.string() })
  .loose();
export const RealtimeInputTranscription = z
  .object({ type: z.literal('conversation.item.input_audio_transcription.completed'), item_id: z.string(), transcript: z.string() })
  .loose();
export const RealtimeResponseDone = z
  .object({
    type: z.literal('response.done'),
    response: z
      .object({
        id: z.string(),
        status: z.enum(['completed', 'cancelled', 'failed', 'incomplete', 'in_progress']),
        status_details: z
          .object({ type: z.string().optional(), reason: z.string().nullable().optional(), error: z.unknown().optional() })
          .loose()
          .nullable()
          .optional(),
      })
      .loose(),
  })
  .loose();
export const RealtimeItemTruncated = z
  .object({ type: z.literal('conversation.item.truncated'), item_id: z.string(), content_index: z.number(), audio_end_ms: z.number() })
  .loose();
export const RealtimeError = z
  .object({
    type: z.literal('error'),
    error: z
      .object({
        type: z.string(),
        code: z.string().nullable().optional(),
        message: z.string(),
        param: z.string().nullable().optional(),
        event_id: z.string().nullable().optional(),
      })
      .loose(),
  })
  .loose();

const KNOWN = [
  RealtimeSessionCreated,
  RealtimeSessionUpdated,
  RealtimeSpeechStarted,
  RealtimeSpeechStopped,
  RealtimeResponseCreated,
  RealtimeOutputItemAdded,
  RealtimeAudioDelta,
  RealtimeAudioDone,
  RealtimeTranscriptDone,
  RealtimeInputTranscription,
  RealtimeResponseDone,
  RealtimeItemTruncated,
  RealtimeError,
] as const;

export const RealtimeKnownEvent = z.discriminatedUnion('type', KNOWN);
export type RealtimeKnownEvent = z.infer<typeof RealtimeKnownEvent>;

/** A server event as a client sees it: one it acts on, or any other well-formed event. */
export type RealtimeServerEvent = RealtimeKnownEvent | { type: 'other'; name: string };

const KNOWN_TYPES: ReadonlySet<string> = new Set(KNOWN.map((schema) => schema.shape.type.value));

/** Validates one server event (already JSON-decoded, as the SDK hands it over). Never throws. */
export function parseRealtimeServerEvent(data: unknown): Parsed<RealtimeServerEvent> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, error: 'not a JSON object' };
  const type: unknown = (data as Record<string, unknown>)['type'];
  if (typeof type !== 'string') return { ok: false, error: 'type: expected a string' };
  if (!KNOWN_TYPES.has(type)) return { ok: true, value: { type: 'other', name: type } };
  const result = RealtimeKnownEvent.safeParse(data);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: `${type}: ${describeIssues(result.error)}` };
}
