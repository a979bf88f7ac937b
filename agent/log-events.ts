/**
 * Everything the reference agent reports, as one tagged union of JSON-able events. The library
 * never prints: it hands each event to the `log` option. `t` is a reading of the agent's clock (ms).
 *
 * Per-turn stage timings: `stt.final` → `llm.request` → `llm.first_token` → `tts.first_byte` →
 * `twilio.first_media`, all carrying the same `turn` (0 is the greeting, replies count from 1).
 * In Realtime mode: `realtime.speech_stopped` → `realtime.response` → `realtime.first_audio` →
 * `twilio.first_media` → `realtime.done`, with `realtime.truncate` after a barge-in.
 */

export type Upstream = 'listen' | 'speak' | 'llm' | 'realtime';

/** Why a call ended, from the agent's side. */
export type CallEndReason =
  | 'stop'
  | 'twilio_closed'
  | 'upstream_failed'
  | 'agent_closed'
  /** No `start` within `tuning.startTimeoutMs` of the upgrade: the socket is closed (1008). */
  | 'no_start'
  /** The agent's own code failed while handling this call: that call is hung up (1011), no other. */
  | 'agent_error';

/** What ended the caller's utterance and triggered a reply. */
export type ReplyTrigger = 'speech_final' | 'utterance_end';

/** What made the agent stop talking. */
export type BargeInTrigger = 'speech_started' | 'transcript';

export type ReplyOutcome = 'completed' | 'cancelled' | 'failed';

/** How an error escaped: thrown from a callback (uncaughtException) or a rejected promise nobody awaited. */
export type UnhandledKind = 'uncaught_exception' | 'unhandled_rejection';

export type AgentWarningCode =
  | 'twilio.invalid_message'
  | 'twilio.binary_frame'
  | 'twilio.before_start'
  | 'twilio.duplicate_start'
  | 'twilio.invalid_start'
  | 'twilio.no_start'
  | 'twilio.empty_media'
  | 'twilio.wrong_stream'
  | 'twilio.unknown_mark'
  | 'twilio.socket_error'
  | 'webhook.rejected'
  | 'webhook.timeout'
  | 'stream.rejected'
  | 'listen.invalid_message'
  | 'speak.invalid_message'
  | 'speak.warning'
  | 'speak.unexpected_flushed'
  | 'speak.clear_timeout'
  | 'speak.resumed'
  | 'realtime.resumed'
  | 'speak.rest_failed'
  | 'upstream.dropped'
  | 'upstream.send_failed'
  | 'realtime.invalid_event'
  | 'realtime.error';

export type AgentErrorCode = 'upstream.failed' | 'llm.failed' | 'realtime.failed' | 'internal';

interface Stamped {
  /** Clock reading in ms. */
  t: number;
}

interface InCall extends Stamped {
  callSid: string;
}

interface InTurn extends InCall {
  turn: number;
}

export type AgentLogEvent =
  | (Stamped & { type: 'agent.listening'; url: string; signatureValidation: boolean; callHeader: boolean })
  | (Stamped & { type: 'agent.closed' })
  /**
   * Something the agent threw that nothing caught (reported by the process entry point, which
   * keeps serving): `kind` says whether it was thrown or a rejected promise nobody awaited.
   */
  | (Stamped & { type: 'agent.unhandled_error'; kind: UnhandledKind; message: string })
  | (Stamped & { type: 'webhook.answered'; callSid: string | null; streamUrl: string })
  | (InCall & { type: 'call.start'; streamSid: string; mode: 'cascaded' | 'realtime' })
  | (InCall & {
      type: 'call.end';
      streamSid: string;
      reason: CallEndReason;
      turns: number;
      durationMs: number;
      /** Warnings not logged because their code had already been logged often in this call. */
      suppressedWarnings: number;
      /** `media` frames whose payload decoded to no audio (empty or not base64): ignored, never forwarded. */
      emptyMediaFrames: number;
    })
  | (InCall & { type: 'upstream.open'; upstream: Exclude<Upstream, 'llm'>; connectMs: number; attempt: number })
  | (InTurn & { type: 'stt.final'; trigger: ReplyTrigger; transcript: string })
  | (InTurn & { type: 'llm.request'; model: string; messages: number })
  | (InTurn & { type: 'llm.first_token' })
  | (InTurn & {
      type: 'llm.done';
      outcome: ReplyOutcome;
      chars: number;
      promptTokens: number | null;
      completionTokens: number | null;
    })
  | (InTurn & { type: 'tts.first_byte' })
  | (InTurn & { type: 'twilio.first_media' })
  | (InTurn & { type: 'bargein'; trigger: BargeInTrigger })
  | (InCall & { type: 'realtime.session'; model: string; voice: string | null; inputFormat: string; outputFormat: string })
  /** Server VAD heard the caller stop: the end of the caller's turn as a Realtime agent sees it. */
  | (InTurn & { type: 'realtime.speech_stopped'; audioEndMs: number })
  | (InTurn & { type: 'realtime.response'; responseId: string })
  | (InTurn & { type: 'realtime.first_audio'; responseId: string })
  | (InTurn & {
      type: 'realtime.done';
      responseId: string;
      status: string;
      reason: string | null;
      /** Ms of the response's audio sent to Twilio. */
      audioMs: number;
      /** Audio deltas that arrived after the response was interrupted, and were dropped. */
      droppedDeltas: number;
    })
  | (InTurn & { type: 'realtime.truncate'; itemId: string; audioEndMs: number; sentMs: number })
  | (Stamped & { type: 'warning'; callSid: string | null; code: AgentWarningCode; message: string })
  | (Stamped & { type: 'error'; callSid: string | null; code: AgentErrorCode; message: string });

export type AgentLogEventType = AgentLogEvent['type'];

/** Where the agent's events go. Must not throw; the agent guards against it anyway. */
export type AgentLog = (event: AgentLogEvent) => void;

/** Omit over each member of a union (plain Omit would collapse the union). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event as written at the call site: the logger stamps `t` (and `callSid` for call events). */
export type UnstampedEvent = DistributiveOmit<AgentLogEvent, 't'>;
