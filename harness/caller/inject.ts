/**
 * The hostile messages a scenario's `inject` step makes the fake Twilio send mid-call
 * (REFERENCE-AGENTS §5 A1: an agent tolerates unknown events, binary frames and malformed JSON
 * without dropping the call; A2: it acts only on its own stream). Each is one WebSocket frame.
 */
import { randomBytes } from 'node:crypto';
import { silenceFrame } from '../audio/index.ts';
import { twilioSid } from './ids.ts';
import { inboundMediaMessage } from './media-message.ts';

export const INJECT_KINDS = ['unknown-event', 'malformed-json', 'binary', 'foreign-media', 'foreign-stop'] as const;
export type InjectKind = (typeof INJECT_KINDS)[number];

/** What each one is, for evidence lines. */
export const INJECT_LABELS: Readonly<Record<InjectKind, string>> = {
  'unknown-event': 'an unknown event',
  'malformed-json': 'malformed JSON',
  binary: 'a binary frame',
  'foreign-media': 'a media message of another stream',
  'foreign-stop': 'a stop of another stream',
};

export interface InjectContext {
  /** This stream's SID. */
  streamSid: string;
  accountSid: string;
  /** The next sequence number of this stream (the unknown event is this stream's message). */
  nextSequence: () => number;
  /** The other stream the foreign messages belong to. */
  foreign: ForeignStream;
}

/** Another call's stream: a SID of its own, numbered on its own. */
export interface ForeignStream {
  streamSid: string;
  callSid: string;
  nextSequence: () => number;
}

/** A stream that is not this call's, for the foreign messages of one call. */
export function createForeignStream(): ForeignStream {
  let sequence = 0;
  return { streamSid: twilioSid('MZ'), callSid: twilioSid('CA'), nextSequence: () => ++sequence };
}

/** The frame to send: text (a JSON message, or the malformed one) or binary. */
export type InjectFrame = { binary: false; data: string } | { binary: true; data: Buffer };

export function injectFrame(kind: InjectKind, context: InjectContext): InjectFrame {
  switch (kind) {
    case 'unknown-event':
      // Shaped like a real message of this stream, with an event Twilio may add one day.
      return { binary: false, data: JSON.stringify({ event: 'callbench_probe', sequenceNumber: String(context.nextSequence()), streamSid: context.streamSid, callbench_probe: { note: 'an event this agent does not know' } }) };
    case 'malformed-json':
      // A media message cut short: not JSON at all.
      return { binary: false, data: `{"event":"media","sequenceNumber":"${context.nextSequence()}","streamSid":"${context.streamSid}","media":{"track":"inbound","payload":"` };
    case 'binary':
      return { binary: true, data: randomBytes(160) };
    case 'foreign-media': {
      const sequence = context.foreign.nextSequence();
      // Silence, so an agent that does take it as caller audio hears nothing: what this tests is the streamSid it latches on to.
      return { binary: false, data: JSON.stringify(inboundMediaMessage(context.foreign.streamSid, sequence, sequence - 1, silenceFrame())) };
    }
    case 'foreign-stop':
      return {
        binary: false,
        data: JSON.stringify({ event: 'stop', sequenceNumber: String(context.foreign.nextSequence()), streamSid: context.foreign.streamSid, stop: { accountSid: context.accountSid, callSid: context.foreign.callSid } }),
      };
  }
}
