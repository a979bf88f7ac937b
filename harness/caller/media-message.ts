/**
 * The `media` message the fake Twilio sends for one 20 ms caller frame: counters as strings,
 * chunk numbered from 1, timestamp in ms of the stream, payload base64 mu-law. One builder for the
 * caller's pacer and the benchmark that measures it.
 */
import type { z } from 'zod';
import { FRAME_MS } from '../audio/index.ts';
import type { TwilioInboundMedia } from '../protocol/twilio.ts';

/** Frame `index` (0-based) of the stream, sent as message number `sequenceNumber`. */
export function inboundMediaMessage(streamSid: string, sequenceNumber: number, index: number, frame: Uint8Array): z.input<typeof TwilioInboundMedia> {
  return {
    event: 'media',
    sequenceNumber: String(sequenceNumber),
    streamSid,
    media: { track: 'inbound', chunk: String(index + 1), timestamp: String(index * FRAME_MS), payload: Buffer.from(frame).toString('base64') },
  };
}
