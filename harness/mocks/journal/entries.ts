/**
 * What the mocks journal: one typed entry per thing a mock received, sent or did, discriminated by
 * `service` × `kind` (and `direction`), so every reader — attribution, stage metrics, checks, the
 * reports — narrows on those fields instead of probing loose `data` records. Entries hold small
 * facts (flags, text, byte counts), never raw audio. Every mock writes through these types and every
 * reader goes through ./queries.ts.
 */

export type MockService = 'deepgram.listen' | 'deepgram.speak.ws' | 'deepgram.speak.rest' | 'openai.chat' | 'openai.realtime';
export type Direction = 'received' | 'sent' | 'event';

/** How a connection came to be tied to its call (see ../attribution). */
export type TieMethod = 'header' | 'audio' | 'text' | 'content';

interface Base<S extends MockService, D extends Direction, K extends string, Data> {
  /** Clock time of the event (ms). */
  t: number;
  service: S;
  /** One id per upstream connection or HTTP request, unique within the run. */
  connection: string;
  /** The call this connection belongs to, once known (entries recorded before the tie are updated). */
  call: string | undefined;
  direction: D;
  kind: K;
  data: Data;
}

type None = Record<string, never>;

/** Lifecycle entries every socket service shares. */
type SocketLifecycle<S extends MockService, Open> =
  | Base<S, 'event', 'open', Open>
  | Base<S, 'event', 'close', { code: number; reason?: string; activeResponse?: string | null }>
  | Base<S, 'event', 'error', { message: string }>;

/**
 * A connection was tied to a call (by the header at open, by the audio or text it carried later):
 * journalled once per connection so a reader can tell how every connection was attributed.
 */
type Tied<S extends MockService> = Base<S, 'event', 'tied', { how: TieMethod; detail: string }>;

/**
 * Something the mock refused and told the agent so: a refused upgrade (HTTP status), an error event
 * or response, a close code. `message` is the mock's own words, as the real service would send them.
 */
export type RefusalData = { what: 'upgrade' | 'http' | 'error-event' | 'close'; status?: number; code?: string | number | null; message: string };
type Refused<S extends MockService> = Base<S, 'event', 'refused', RefusalData>;

/** A fault the scenario armed that the mock injected. */
type FaultEntry<S extends MockService, F> = Base<S, 'event', 'fault', F>;

// --- Deepgram listen -----------------------------------------------------------------------------

export type ListenEntry =
  | SocketLifecycle<
      'deepgram.listen',
      {
        model: string;
        encoding: string;
        sampleRate: number;
        endpointing: number | false;
        /** The query as the agent wrote it (null: left out, so the mock took Deepgram's default). */
        declared: { encoding: string | null; sampleRate: string | null; channels: string | null };
      }
    >
  | Tied<'deepgram.listen'>
  | Refused<'deepgram.listen'>
  | Base<'deepgram.listen', 'sent', 'SpeechStarted', { atMs: number }>
  | Base<'deepgram.listen', 'sent', 'UtteranceEnd', { lastWordEndMs: number }>
  | Base<
      'deepgram.listen',
      'sent',
      'Results',
      {
        isFinal: boolean;
        speechFinal: boolean;
        fromFinalize: boolean;
        /** As the agent reads it, without any attribution mark. */
        transcript: string;
        audioEndMs: number;
        /** The registered utterance being heard (its fixture id), when recognised. */
        utterance: string | undefined;
        /** Whether an invisible call mark was added to the transcript (./../attribution/text-mark.ts). */
        marked: boolean;
      }
    >
  | Base<'deepgram.listen', 'sent', 'Metadata', { durationMs: number }>
  | Base<'deepgram.listen', 'received', 'KeepAlive' | 'Finalize' | 'Configure', None>
  | Base<'deepgram.listen', 'received', 'CloseStream', { legacy: boolean }>
  | Base<'deepgram.listen', 'received', 'invalid', { error: string }>
  | Base<'deepgram.listen', 'event', 'idle-timeout', None>
  | FaultEntry<'deepgram.listen', { type: 'close'; code: number; audioMs: number }>;

// --- Deepgram speak (WebSocket) ------------------------------------------------------------------

export type SpeakWsEntry =
  | SocketLifecycle<'deepgram.speak.ws', { model: string; encoding: string; sampleRate: number; speed: number; container: string | null }>
  | Tied<'deepgram.speak.ws'>
  | Refused<'deepgram.speak.ws'>
  | Base<'deepgram.speak.ws', 'sent', 'Metadata', { requestId: string; model: string }>
  | Base<'deepgram.speak.ws', 'sent', 'Flushed' | 'Cleared', { sequenceId: number }>
  | Base<'deepgram.speak.ws', 'sent', 'Warning', { code: string; description: string }>
  | Base<'deepgram.speak.ws', 'sent', 'audio', { bytes: number; flush: number; late: boolean }>
  | Base<'deepgram.speak.ws', 'received', 'Speak', { chars: number; text: string; ignored?: 'after Close' }>
  | Base<'deepgram.speak.ws', 'received', 'Flush', { chars: number; sequenceId?: number; rejected?: 'rate limit'; ignored?: 'after Close' }>
  | Base<'deepgram.speak.ws', 'received', 'Clear' | 'Close', { ignored?: 'after Close' }>
  | Base<'deepgram.speak.ws', 'received', 'invalid', { type: string | undefined; error: string }>
  | Base<'deepgram.speak.ws', 'received', 'binary', { bytes: number }>
  | Base<'deepgram.speak.ws', 'event', 'cleared', { chars: number; flushes: number[] }>
  | FaultEntry<'deepgram.speak.ws', { type: 'close'; code: number; flush: number } | { type: 'late_audio'; chunks: number } | { type: 'interleave_control'; flush: number }>;

// --- Deepgram speak (REST) -----------------------------------------------------------------------

export type SpeakRestEntry =
  | Tied<'deepgram.speak.rest'>
  | Refused<'deepgram.speak.rest'>
  | Base<'deepgram.speak.rest', 'received', 'request', { chars: number; text: string; model: string; encoding: string; container: string; sampleRate: number }>
  | Base<'deepgram.speak.rest', 'sent', 'first_byte', { bytes: number }>
  | Base<'deepgram.speak.rest', 'sent', 'done', { bytes: number; chunks: number }>
  | Base<'deepgram.speak.rest', 'event', 'abort', { bytes: number; chunks: number; of: number }>
  | Base<'deepgram.speak.rest', 'event', 'error', { message: string }>;

// --- OpenAI chat ---------------------------------------------------------------------------------

export type ChatEntry =
  | Tied<'openai.chat'>
  | Refused<'openai.chat'>
  | Base<
      'openai.chat',
      'received',
      'request',
      | { valid: false }
      | {
          valid: true;
          model: string;
          stream: boolean;
          includeUsage: boolean;
          messages: number;
          /** The last user message, without any attribution mark. */
          lastUserText: string;
        }
    >
  | Base<'openai.chat', 'sent', 'first_token', { text: string; scripted: boolean }>
  /** The reply the mock is about to stream, as the caller would hear it spoken whole (turn.complete compares). */
  | Base<'openai.chat', 'event', 'reply', { chars: number; speechMs: number; scripted: boolean }>
  | Base<'openai.chat', 'sent', 'done', { tokens: number; finishReason: string; stream: boolean }>
  | Base<'openai.chat', 'event', 'abort', { phase: 'request' } | { phase: 'stream'; tokensSent: number }>
  | FaultEntry<'openai.chat', { type: 'http_error'; status: number; request: number } | { type: 'stall'; afterTokens: number; ms: number; request: number }>;

// --- OpenAI Realtime -----------------------------------------------------------------------------

/** Primitive facts of a Realtime event the journal does not model field by field. */
export type RealtimeFacts = Record<string, string | number | boolean | null | undefined>;

/** Server events the journal models field by field. */
export type RealtimeModelledSent =
  | Base<'openai.realtime', 'sent', 'audio', { bytes: number; ms: number; itemId: string; responseId: string }>
  | Base<'openai.realtime', 'sent', 'input_audio_buffer.speech_started', { audioStartMs: number; itemId: string }>
  | Base<'openai.realtime', 'sent', 'input_audio_buffer.speech_stopped', { audioEndMs: number; itemId: string }>
  | Base<'openai.realtime', 'sent', 'conversation.item.truncated', { itemId: string; audioEndMs: number }>
  | Base<'openai.realtime', 'sent', 'error', { code: string | null; message: string; param: string | null; eventId: string | null }>
  | Base<'openai.realtime', 'sent', 'response.created', { responseId: string }>
  | Base<'openai.realtime', 'sent', 'response.done', { responseId: string; status: string; reason: string | null }>
  | Base<'openai.realtime', 'sent', 'session.created' | 'session.updated', { sessionId: string; model: string; inputFormat: string; outputFormat: string; voice: string; turnDetection: string | null }>;

/** Every server event name the Realtime mock sends that is journalled with generic facts. */
export const REALTIME_OTHER_SENT = [
  'conversation.item.added',
  'conversation.item.done',
  'conversation.item.deleted',
  'conversation.item.retrieved',
  'conversation.item.input_audio_transcription.completed',
  'input_audio_buffer.committed',
  'input_audio_buffer.cleared',
  'response.output_item.added',
  'response.output_item.done',
  'response.content_part.added',
  'response.content_part.done',
  'response.output_audio.done',
  'response.output_audio_transcript.delta',
  'response.output_audio_transcript.done',
  'response.output_text.delta',
  'response.output_text.done',
  'rate_limits.updated',
] as const;
export type RealtimeOtherSentKind = (typeof REALTIME_OTHER_SENT)[number];

/** Client events journalled with generic facts. */
export const REALTIME_OTHER_RECEIVED = ['input_audio_buffer.commit', 'input_audio_buffer.clear', 'conversation.item.retrieve', 'conversation.item.delete'] as const;
export type RealtimeOtherReceivedKind = (typeof REALTIME_OTHER_RECEIVED)[number];

export type RealtimeEntry =
  | SocketLifecycle<'openai.realtime', { model: string; beta: boolean; /** Query parameters besides `model` (the service ignores them). */ query: string[] }>
  | Tied<'openai.realtime'>
  | Refused<'openai.realtime'>
  | RealtimeModelledSent
  | Base<'openai.realtime', 'sent', RealtimeOtherSentKind, RealtimeFacts>
  | Base<'openai.realtime', 'received', 'input_audio_buffer.append', { bytes: number }>
  | Base<'openai.realtime', 'received', 'conversation.item.truncate', { itemId: unknown; contentIndex: unknown; audioEndMs: unknown; generatedMs: number | undefined }>
  | Base<
      'openai.realtime',
      'received',
      'session.update',
      {
        /** The session fields the update sets. */
        fields: string[];
        type: unknown;
        inputFormat: unknown;
        outputFormat: unknown;
        voice: unknown;
        turnDetection: unknown;
        silenceDurationMs: unknown;
        interruptResponse: unknown;
        createResponse: unknown;
        instructionsChars: number | undefined;
        outputModalities: unknown;
      }
    >
  | Base<'openai.realtime', 'received', 'response.create', { instructionsChars: number | undefined; outputModalities: unknown; conversation: unknown }>
  | Base<'openai.realtime', 'received', 'response.cancel', { responseId: unknown; active: string | undefined }>
  | Base<'openai.realtime', 'received', 'conversation.item.create', { itemType: unknown; role: unknown; callId: unknown; text: string }>
  | Base<'openai.realtime', 'received', RealtimeOtherReceivedKind, None>
  | Base<'openai.realtime', 'received', 'unknown', { type: string }>
  | Base<'openai.realtime', 'received', 'invalid', { error: 'json' | 'type' | 'binary' }>
  | Base<'openai.realtime', 'event', 'response_skipped', { reason: 'active_response'; responseId: string }>
  /** The reply a response speaks, and how long its audio is in full (turn.complete compares). */
  | Base<'openai.realtime', 'event', 'reply', { responseId: string; chars: number; speechMs: number }>
  | FaultEntry<'openai.realtime', { type: 'close'; code: number; response: number } | { type: 'late_audio'; deltas: number }>;

export type JournalEntry = ListenEntry | SpeakWsEntry | SpeakRestEntry | ChatEntry | RealtimeEntry;

/** Omit that keeps a union a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What a mock hands to `record`: the clock time and the call are filled in by the journal. */
export type JournalInput = DistributiveOmit<JournalEntry, 't' | 'call'>;

/** The entries of one service. */
export type EntryOf<S extends MockService> = Extract<JournalEntry, { service: S }>;

/**
 * The entries of `service` whose kind is `kind`, also where `kind` is one name of a variant that
 * covers several (the Realtime events journalled with generic facts).
 */
export type EntryWithKind<S extends MockService, K extends string> = WithKind<EntryOf<S>, K>;
/** Distributes over the entries (E is a naked type parameter here). */
type WithKind<E, K extends string> = E extends { kind: infer Kinds } ? (K extends Kinds ? E & { kind: K } : never) : never;

/** What one service's writer takes: its entries without the fields the writer fills in. */
export type ServiceInput<S extends MockService> = DistributiveOmit<EntryOf<S>, 't' | 'call' | 'service' | 'connection'>;
