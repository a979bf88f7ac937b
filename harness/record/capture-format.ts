/**
 * The capture format: one recorded call as a directory, written by `callbench record` and read by
 * `callbench replay` (harness/record/capture-reader.ts validates it).
 *
 *   capture.json    the manifest: format name and version, the call, services seen, durations,
 *                   the sha256 and size of every other file, and (when callbench's own caller
 *                   placed the call) what the caller said and expected
 *   caller.wav      what the caller said: every inbound `media` payload in order, 8 kHz μ-law mono
 *   agent.wav       what the caller heard: the agent's `media` through the playback model
 *                   (harness/caller/playback.ts), cut by each `clear`, on the same time origin
 *   twilio.jsonl    every webhook, TwiML answer and media-stream message, both directions
 *   upstream.jsonl  every request, frame and response between the agent and Deepgram / OpenAI
 *
 * Times (`t`) are milliseconds on one monotonic clock, counted from the moment the proxy forwarded
 * the stream's `start` (negative before it: the webhook). Sample 0 of both WAV files is that moment
 * too: the caller's frame k covers [20k, 20k + 20) ms. Audio payloads are not repeated in the JSON
 * lines (their bytes are counted; the audio is in the WAV files), and nothing secret is written:
 * credentials are replaced by `***` before anything reaches a file (harness/record/redact.ts).
 *
 * A reader refuses a manifest whose version is newer than CAPTURE_VERSION: fields it does not know
 * could change what a replay means.
 */
import { z } from 'zod';

export const CAPTURE_FORMAT = 'callbench-capture';
/** Bumped whenever a change would make an older reader misread a capture. */
export const CAPTURE_VERSION = 1;

export const MANIFEST_FILE = 'capture.json';
export const CAPTURE_FILES = ['caller.wav', 'agent.wav', 'twilio.jsonl', 'upstream.jsonl'] as const;
export type CaptureFile = (typeof CAPTURE_FILES)[number];

/** The upstream services a capture can hold, named as the mocks name them (harness/mocks/journal/entries.ts). */
export const CAPTURE_SERVICES = ['deepgram.listen', 'deepgram.speak.ws', 'deepgram.speak.rest', 'openai.chat', 'openai.realtime', 'deepgram.other', 'openai.other'] as const;
export const CaptureService = z.enum(CAPTURE_SERVICES);
export type CaptureService = z.infer<typeof CaptureService>;

const ms = z.number().finite();
const count = z.number().int().nonnegative();
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex (64 digits)');

const VoicedSpan = z.strictObject({ startMs: ms, endMs: ms });

/**
 * One caller utterance, when the capture knows it (callbench's caller placed the call): where it is
 * in caller.wav, its words, and what the scenario expected of the agent.
 */
export const CapturedUtterance = z.strictObject({
  /** The fixture it came from, or a name the recorder gave it. */
  id: z.string().min(1),
  text: z.string(),
  /** Offset of its first frame in caller.wav, a multiple of 20 ms. */
  startMs: ms,
  /** Length of its audio (its frames), trailing silence included. */
  durationMs: ms,
  /** Voiced spans, in ms from `startMs`. */
  voiced: z.array(VoicedSpan),
  expect: z.enum(['reply', 'interrupt', 'ignore']).optional(),
  /** False when the scenario did not say and the step's place decided `expect`. */
  stated: z.boolean().optional(),
  clearWithinMs: z.number().int().positive().optional(),
  replyWithinMs: z.number().int().positive().optional(),
});
export type CapturedUtterance = z.infer<typeof CapturedUtterance>;

export const CallerScript = z.strictObject({
  /** The scenario callbench's caller played. */
  scenario: z.string().optional(),
  /** How the fake Twilio behaved (a scenario's `twilio` options that a replay must repeat). */
  twilio: z.strictObject({ markEcho: z.enum(['prompt', 'late']).optional(), startDelayMs: count.optional() }).optional(),
  utterances: z.array(CapturedUtterance),
});
export type CallerScript = z.infer<typeof CallerScript>;

export const FileFacts = z.strictObject({ sha256, bytes: count });

export const CaptureManifest = z.strictObject({
  format: z.literal(CAPTURE_FORMAT),
  version: z.number().int().positive(),
  createdAt: z.string(),
  /** callbench's version that wrote it. */
  callbench: z.string(),
  call: z.strictObject({
    callSid: z.string(),
    streamSid: z.string().nullable(),
    /** The path of the voice webhook Twilio called. */
    webhookPath: z.string(),
    /** The stream URL as the agent's TwiML wrote it (credentials redacted). */
    streamUrl: z.string().nullable(),
  }),
  /** `twilio` and every upstream service the agent used on this call. */
  services: z.array(z.union([z.literal('twilio'), CaptureService])),
  durations: z.strictObject({
    /** From the webhook to the stream's close. */
    callMs: ms,
    /** From `start` to the stream's close. */
    streamMs: ms,
    /** caller.wav's length. */
    callerAudioMs: ms,
    /** agent.wav's length. */
    agentAudioMs: ms,
  }),
  /** Whether the upstream services were callbench's mocks, the real ones, or the recorder cannot say. */
  upstream: z.enum(['mocks', 'real', 'unknown']),
  /** Other calls were live at the same time: upstream connections opened then may belong to them. */
  overlapped: z.boolean(),
  caller: CallerScript.optional(),
  files: z.strictObject({
    'caller.wav': FileFacts,
    'agent.wav': FileFacts,
    'twilio.jsonl': FileFacts,
    'upstream.jsonl': FileFacts,
  }),
});
export type CaptureManifest = z.infer<typeof CaptureManifest>;

// --- twilio.jsonl ------------------------------------------------------------------------------

const Party = z.enum(['twilio', 'agent']);

export const TwilioLine = z.discriminatedUnion('kind', [
  /** The voice webhook as Twilio posted it; `signature` says whether its X-Twilio-Signature matched the proxy's URL. */
  z.strictObject({ t: ms, kind: z.literal('webhook'), path: z.string(), params: z.record(z.string(), z.string()), signature: z.enum(['valid', 'invalid', 'missing', 'unchecked']) }),
  /** The agent's answer, as it wrote it (the proxy rewrote the Stream URLs it forwarded to Twilio). */
  z.strictObject({ t: ms, kind: z.literal('webhook_answer'), status: z.number().int(), contentType: z.string().nullable(), body: z.string() }),
  z.strictObject({ t: ms, kind: z.literal('stream_open'), url: z.string() }),
  /** The agent refused the media-stream upgrade (or could not be reached: status 0). */
  z.strictObject({ t: ms, kind: z.literal('stream_refused'), url: z.string(), status: z.number().int(), error: z.string() }),
  /** A JSON message other than `media`, in full. */
  z.strictObject({ t: ms, kind: z.literal('message'), from: Party, event: z.string(), message: z.unknown() }),
  /** A caller `media` frame: its audio is caller.wav from `audioMs`. */
  z.strictObject({ t: ms, kind: z.literal('caller_media'), bytes: count, audioMs: ms }),
  /** An agent `media` message: when the playback model plays it (before any clear). */
  z.strictObject({ t: ms, kind: z.literal('agent_media'), bytes: count, playStart: ms, playEnd: ms }),
  /** A frame that is not a JSON message (binary, or text that does not parse). */
  z.strictObject({ t: ms, kind: z.literal('frame'), from: Party, binary: z.boolean(), bytes: count, text: z.string().optional() }),
  z.strictObject({ t: ms, kind: z.literal('close'), from: Party, code: z.number().int() }),
]);
export type TwilioLine = z.infer<typeof TwilioLine>;

// --- upstream.jsonl ----------------------------------------------------------------------------

const From = z.enum(['agent', 'upstream']);
const Headers = z.record(z.string(), z.string());

export const UpstreamLine = z.discriminatedUnion('kind', [
  /** The agent opened a WebSocket: URL and headers as it sent them, credentials redacted. */
  z.strictObject({ t: ms, conn: z.string(), service: CaptureService, kind: z.literal('ws_open'), url: z.string(), protocols: z.array(z.string()), headers: Headers }),
  z.strictObject({ t: ms, conn: z.string(), kind: z.literal('ws_accepted'), protocol: z.string() }),
  z.strictObject({ t: ms, conn: z.string(), kind: z.literal('ws_refused'), status: z.number().int(), body: z.string() }),
  /** A text frame; Realtime audio fields (`audio`, `delta` of audio deltas) are replaced by their byte count. */
  z.strictObject({ t: ms, conn: z.string(), kind: z.literal('text'), from: From, text: z.string(), audioBytes: count.optional() }),
  z.strictObject({ t: ms, conn: z.string(), kind: z.literal('binary'), from: From, bytes: count }),
  z.strictObject({ t: ms, conn: z.string(), kind: z.literal('ws_close'), from: From, code: z.number().int(), reason: z.string() }),
  z.strictObject({ t: ms, conn: z.string(), service: CaptureService, kind: z.literal('http_request'), method: z.string(), url: z.string(), headers: Headers, body: z.string().optional(), bodyBytes: count }),
  z.strictObject({ t: ms, conn: z.string(), kind: z.literal('http_response'), status: z.number().int(), headers: Headers }),
  /** Part of a response body as it arrived: text for text bodies (SSE), else only its size. */
  z.strictObject({ t: ms, conn: z.string(), kind: z.literal('http_chunk'), bytes: count, text: z.string().optional() }),
  z.strictObject({ t: ms, conn: z.string(), kind: z.literal('http_end') }),
  z.strictObject({ t: ms, conn: z.string(), kind: z.literal('http_abort'), from: From, error: z.string() }),
]);
export type UpstreamLine = z.infer<typeof UpstreamLine>;

/** A capture read into memory (harness/record/capture-reader.ts). */
export interface Capture {
  dir: string;
  manifest: CaptureManifest;
  /** caller.wav as 8 kHz μ-law. */
  callerAudio: Uint8Array;
  /** agent.wav as 8 kHz μ-law. */
  agentAudio: Uint8Array;
  twilio: readonly TwilioLine[];
  upstream: readonly UpstreamLine[];
}
