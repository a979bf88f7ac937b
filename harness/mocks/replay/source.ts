/**
 * What the mocks answer from when they replay a recorded call (`callbench replay`): for each
 * upstream connection the agent had on that call, the messages, tokens and delays the service gave
 * it, each anchored where it happened, so that the agent under replay meets the same upstream
 * behaviour at the same moments of the conversation:
 * - listen and Realtime server VAD: each message at its audio position on the connection (ms of
 *   audio the agent had sent when the service sent it) and the delay after the frame that got the
 *   audio there; or after the agent's control message (Finalize, CloseStream) it answered;
 * - chat: each SSE event at its offset from the request's arrival;
 * - speak (WebSocket and REST) and Realtime responses: the delay to first audio after the Flush,
 *   the request or the trigger; the speech itself is made anew from what the agent sends now.
 *
 * The recording is plain data (built from a capture by harness/replay/); this module hands its
 * connections out per call, in the order the agent opens them: the n-th listen socket of a call
 * replays the n-th recorded one. A replay plays one call at a time, so the call is the one live
 * call when a connection is not tied yet. What the agent opens beyond the recording, and what the
 * recording has no figure for, is served as the live mock would.
 *
 * Every event replayed is timed against its anchor and the error kept (`timing`), for the replay's
 * own report.
 */
import type { CallBook } from '../attribution/call-book.ts';
import type { Journal } from '../journal/journal.ts';

/** Where an upstream message was anchored in the recording. */
export type Anchor =
  /** `audioMs` of audio had been sent on the connection; `afterMs` after the frame that got it there. */
  | { kind: 'audio'; audioMs: number; afterMs: number }
  /** `afterMs` after the agent's `index`-th (0-based) control message of `type` on the connection. */
  | { kind: 'control'; type: string; index: number; afterMs: number };

export interface RecordedMessage {
  /** The message as the service sent it (JSON text). */
  text: string;
  type: string;
  anchor: Anchor;
  /** Its time in the recorded call (ms after `start`), for the report. */
  callMs: number;
}

export interface RecordedListen {
  /** Bytes of the agent's audio per ms (from the encoding and rate it declared). */
  bytesPerMs: number;
  messages: readonly RecordedMessage[];
}

export interface RecordedChat {
  /** The last user message the recorded request carried (marks stripped), to match requests by. */
  lastUserText: string;
  status: number;
  contentType: string | undefined;
  /** A body that is not a stream (an error, a whole completion), as recorded. */
  body: string | undefined;
  /** The stream's SSE `data:` payloads with their offsets from the request's arrival. */
  events: ReadonlyArray<{ atMs: number; data: string }>;
  /** The agent aborted the recorded stream: `events` end where it did. */
  abortedByAgent: boolean;
}

export interface RecordedSpeakWs {
  /** Per Flush the agent sent, the delay to its first audio frame (undefined: none came). */
  flushes: ReadonlyArray<{ firstByteMs: number | undefined }>;
}

export interface RecordedRealtime {
  /** Bytes of appended audio per ms (the session's input format). */
  bytesPerMs: number;
  /** Server VAD events, anchored on the appended audio. */
  turns: ReadonlyArray<{
    type: 'speech_started' | 'speech_stopped';
    anchor: Extract<Anchor, { kind: 'audio' }>;
    /** audio_start_ms / audio_end_ms as recorded. */
    audioMs: number;
    /** speech_stopped: what the service transcribed of the turn, if it did. */
    transcript: string | undefined;
    callMs: number;
  }>;
  /** Per response, in order: what it said (the transcript sent) and its first audio after its trigger. */
  responses: ReadonlyArray<{ text: string; firstAudioMs: number | undefined }>;
}

/** A recorded call's upstream, connection by connection, in the order each was opened. */
export interface UpstreamRecording {
  listen: readonly RecordedListen[];
  chat: readonly RecordedChat[];
  speakWs: readonly RecordedSpeakWs[];
  /** Per REST speak request, in order: the delay to its first body byte. */
  speakRest: ReadonlyArray<{ firstByteMs: number | undefined }>;
  realtime: readonly RecordedRealtime[];
}

export interface TimingSample {
  /** e.g. `deepgram.listen Results`, `openai.chat token`, `deepgram.speak.ws first audio`. */
  what: string;
  /** Actual − intended (anchor + recorded offset), ms. */
  errorMs: number;
}

export interface ReplaySource {
  listen(call: string | undefined): RecordedListen | undefined;
  /** The recorded request this one replays: the first unused one with the same last user text, else the next in order. */
  chat(call: string | undefined, lastUserText: string): RecordedChat | undefined;
  speakWs(call: string | undefined): RecordedSpeakWs | undefined;
  speakRest(call: string | undefined): { firstByteMs: number | undefined } | undefined;
  realtime(call: string | undefined): RecordedRealtime | undefined;
  /** Records how far an event replayed came from its intended time. */
  timed(what: string, intendedAt: number, actualAt: number): void;
  readonly timing: readonly TimingSample[];
}

/** The call a connection is for: its tie if it has one, else the one live call (a replay plays one at a time). */
export function replayCallOf(journal: Journal, calls: CallBook, connection: string): string | undefined {
  const tied = journal.callOf(connection);
  if (tied !== undefined) return tied;
  const live = calls.live();
  return live.length === 1 ? live[0] : undefined;
}

export function createReplaySource(recording: UpstreamRecording): ReplaySource {
  const perCall = new Map<string, { listen: number; speakWs: number; speakRest: number; realtime: number; chatUsed: Set<number> }>();
  const timing: TimingSample[] = [];
  const state = (call: string | undefined): { listen: number; speakWs: number; speakRest: number; realtime: number; chatUsed: Set<number> } => {
    const key = call ?? '';
    let s = perCall.get(key);
    if (s === undefined) perCall.set(key, (s = { listen: 0, speakWs: 0, speakRest: 0, realtime: 0, chatUsed: new Set() }));
    return s;
  };
  const normal = (text: string): string => text.toLowerCase().replace(/[^\p{L}\p{N}' ]+/gu, ' ').replace(/\s+/g, ' ').trim();
  return {
    listen: (call) => recording.listen[state(call).listen++],
    speakWs: (call) => recording.speakWs[state(call).speakWs++],
    speakRest: (call) => recording.speakRest[state(call).speakRest++],
    realtime: (call) => recording.realtime[state(call).realtime++],
    chat(call, lastUserText) {
      const used = state(call).chatUsed;
      const wanted = normal(lastUserText);
      let index = recording.chat.findIndex((c, i) => !used.has(i) && normal(c.lastUserText) === wanted);
      if (index < 0) index = recording.chat.findIndex((_c, i) => !used.has(i));
      if (index < 0) return undefined;
      used.add(index);
      return recording.chat[index];
    },
    timed(what, intendedAt, actualAt) {
      timing.push({ what, errorMs: actualAt - intendedAt });
    },
    timing,
  };
}
