/**
 * Twilio Media Streams (bidirectional, <Connect><Stream>) wire messages, both directions.
 * Numeric-looking fields are strings on the wire, exactly as Twilio sends them.
 */
import { z } from 'zod';
import { parseJsonMessage, type Parsed } from './parse.ts';

const numericString = z.string().regex(/^\d+$/, 'expected a decimal string');

// ---- Twilio -> agent ------------------------------------------------------

export const TwilioConnected = z.object({
  event: z.literal('connected'),
  protocol: z.string(),
  version: z.string(),
});

export const TwilioStart = z.object({
  event: z.literal('start'),
  sequenceNumber: numericString,
  streamSid: z.string().min(1),
  start: z.object({
    accountSid: z.string(),
    streamSid: z.string().min(1),
    callSid: z.string(),
    tracks: z.array(z.string()),
    mediaFormat: z.object({
      encoding: z.literal('audio/x-mulaw'),
      sampleRate: z.literal(8000),
      channels: z.literal(1),
    }),
    customParameters: z.record(z.string(), z.string()).default({}),
  }),
});

export const TwilioInboundMedia = z.object({
  event: z.literal('media'),
  sequenceNumber: numericString,
  streamSid: z.string().min(1),
  media: z.object({
    track: z.string(),
    chunk: numericString,
    timestamp: numericString,
    payload: z.string(),
  }),
});

export const TwilioDtmf = z.object({
  event: z.literal('dtmf'),
  sequenceNumber: numericString,
  streamSid: z.string().min(1),
  dtmf: z.object({ track: z.string(), digit: z.string() }),
});

export const TwilioMarkEcho = z.object({
  event: z.literal('mark'),
  sequenceNumber: numericString,
  streamSid: z.string().min(1),
  mark: z.object({ name: z.string() }),
});

export const TwilioStop = z.object({
  event: z.literal('stop'),
  sequenceNumber: numericString,
  streamSid: z.string().min(1),
  stop: z.object({ accountSid: z.string(), callSid: z.string() }),
});

/** Everything Twilio sends to an agent's media-stream socket. */
export const TwilioToAgent = z.discriminatedUnion('event', [
  TwilioConnected,
  TwilioStart,
  TwilioInboundMedia,
  TwilioDtmf,
  TwilioMarkEcho,
  TwilioStop,
]);
export type TwilioToAgent = z.infer<typeof TwilioToAgent>;
export type TwilioStart = z.infer<typeof TwilioStart>;

// ---- agent -> Twilio ------------------------------------------------------

export const AgentMedia = z.object({
  event: z.literal('media'),
  streamSid: z.string().min(1),
  media: z.object({ payload: z.string() }),
});

export const AgentMark = z.object({
  event: z.literal('mark'),
  streamSid: z.string().min(1),
  mark: z.object({ name: z.string() }),
});

export const AgentClear = z.object({
  event: z.literal('clear'),
  streamSid: z.string().min(1),
});

/** Everything an agent may send to Twilio on the media-stream socket. */
export const AgentToTwilio = z.discriminatedUnion('event', [AgentMedia, AgentMark, AgentClear]);
export type AgentToTwilio = z.infer<typeof AgentToTwilio>;

export function parseTwilioToAgent(text: string): Parsed<TwilioToAgent> {
  return parseJsonMessage(TwilioToAgent, text);
}

export function parseAgentToTwilio(text: string): Parsed<AgentToTwilio> {
  return parseJsonMessage(AgentToTwilio, text);
}

/** Twilio's SID shapes: two letters and 32 hex digits. */
export const SID_PATTERN = { call: /^CA[0-9a-f]{32}$/, account: /^AC[0-9a-f]{32}$/, stream: /^MZ[0-9a-f]{32}$/ } as const;
