/** Twilio's framing: 20 ms of 8 kHz mu-law, 160 bytes a media message. */
import { BYTES_PER_MS, MULAW_SILENCE } from './mulaw.ts';

export const FRAME_MS = 20;
export const FRAME_BYTES = FRAME_MS * BYTES_PER_MS;

/** Splits mu-law audio into 160-byte frames; the last frame is padded with silence. */
export function toFrames(mulaw: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset < mulaw.length; offset += FRAME_BYTES) {
    const frame = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
    frame.set(mulaw.subarray(offset, offset + FRAME_BYTES));
    frames.push(frame);
  }
  return frames;
}

/** One 20 ms frame of digital silence. */
export function silenceFrame(): Uint8Array {
  return new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
}
