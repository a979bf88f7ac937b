/**
 * Deepgram wire messages: streaming listen (/v1/listen) and speak (/v1/speak, WebSocket).
 * Shapes follow the official AsyncAPI spec (../shared/specs/deepgram-asyncapi.yml).
 */
import { z } from 'zod';
import { parseJsonMessage, type Parsed } from './parse.ts';

// ---- listen: server -> client ---------------------------------------------

export const ListenWord = z.object({
  word: z.string(),
  start: z.number(),
  end: z.number(),
  confidence: z.number(),
  punctuated_word: z.string().optional(),
});
export type ListenWord = z.infer<typeof ListenWord>;

export const ListenResults = z.object({
  type: z.literal('Results'),
  channel_index: z.array(z.number()),
  duration: z.number(),
  start: z.number(),
  is_final: z.boolean().optional(),
  speech_final: z.boolean().optional(),
  from_finalize: z.boolean().optional(),
  channel: z.object({
    alternatives: z.array(
      z.object({ transcript: z.string(), confidence: z.number(), words: z.array(ListenWord) }),
    ),
  }),
  metadata: z.object({
    request_id: z.string(),
    model_info: z.object({ name: z.string(), version: z.string(), arch: z.string() }),
    model_uuid: z.string(),
  }),
});
export type ListenResults = z.infer<typeof ListenResults>;

export const ListenSpeechStarted = z.object({
  type: z.literal('SpeechStarted'),
  channel: z.array(z.number()),
  timestamp: z.number(),
});

export const ListenUtteranceEnd = z.object({
  type: z.literal('UtteranceEnd'),
  channel: z.array(z.number()),
  last_word_end: z.number(),
});

export const ListenMetadata = z.object({
  type: z.literal('Metadata'),
  transaction_key: z.string(),
  request_id: z.string(),
  sha256: z.string(),
  created: z.string(),
  duration: z.number(),
  channels: z.number(),
});

export const ListenServerMessage = z.discriminatedUnion('type', [
  ListenResults,
  ListenSpeechStarted,
  ListenUtteranceEnd,
  ListenMetadata,
]);
export type ListenServerMessage = z.infer<typeof ListenServerMessage>;

// ---- listen: client -> server (text frames; audio is binary) ---------------

/** `Configure` (numerals) is sent by the v3/v4 SDKs' `configure()`; it is no longer in the spec, but the service takes it. */
export const ListenControl = z.object({
  type: z.enum(['KeepAlive', 'Finalize', 'CloseStream', 'Configure']),
});
export type ListenControl = z.infer<typeof ListenControl>;

// ---- speak (WebSocket): client -> server ------------------------------------

export const SpeakClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Speak'), text: z.string() }),
  z.object({ type: z.literal('Flush'), sequence_id: z.number().optional() }),
  z.object({ type: z.literal('Clear') }),
  z.object({ type: z.literal('Close') }),
]);
export type SpeakClientMessage = z.infer<typeof SpeakClientMessage>;

// ---- speak (WebSocket): server -> client (text frames; audio is binary) ----

export const SpeakServerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('Metadata'),
    request_id: z.string(),
    model_name: z.string(),
    model_version: z.string(),
    model_uuid: z.string(),
  }),
  z.object({ type: z.literal('Flushed'), sequence_id: z.number() }),
  z.object({ type: z.literal('Cleared'), sequence_id: z.number() }),
  z.object({ type: z.literal('Warning'), description: z.string(), code: z.string() }),
]);
export type SpeakServerMessage = z.infer<typeof SpeakServerMessage>;

export function parseListenServerMessage(text: string): Parsed<ListenServerMessage> {
  return parseJsonMessage(ListenServerMessage, text);
}
export function parseListenControl(text: string): Parsed<ListenControl> {
  return parseJsonMessage(ListenControl, text);
}
export function parseSpeakClientMessage(text: string): Parsed<SpeakClientMessage> {
  return parseJsonMessage(SpeakClientMessage, text);
}
export function parseSpeakServerMessage(text: string): Parsed<SpeakServerMessage> {
  return parseJsonMessage(SpeakServerMessage, text);
}

/** Close reasons as the live service sends them (sentence form with the dpgr.am link). */
export const DEEPGRAM_CLOSE = {
  idle: { code: 1011, reason: 'Deepgram did not receive audio data or a text message within the timeout window. See https://dpgr.am/net0001' },
  badAudio: { code: 1008, reason: 'DATA-0000' },
  textTooLong: { code: 1009, reason: 'BIG-0001' },
  charRate: { code: 1008, reason: 'DATA-0001' },
} as const;
