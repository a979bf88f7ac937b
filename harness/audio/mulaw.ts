/** G.711 mu-law, the only audio format Twilio Media Streams carries (8 kHz mono). */
import alawmulaw from 'alawmulaw';

export const SAMPLE_RATE = 8000;
/** Mu-law is one byte per sample: 8 bytes of audio per millisecond. */
export const BYTES_PER_MS = SAMPLE_RATE / 1000;
/** The mu-law code of digital silence (a zero sample). */
export const MULAW_SILENCE = 0xff;

export function encodeMulaw(pcm: Int16Array): Uint8Array {
  return alawmulaw.mulaw.encode(pcm);
}

export function decodeMulaw(bytes: Uint8Array): Int16Array {
  return alawmulaw.mulaw.decode(bytes);
}

/** Duration in ms of `bytes` of 8 kHz mu-law. */
export function mulawDurationMs(byteLength: number): number {
  return byteLength / BYTES_PER_MS;
}
