/**
 * What an agent's outbound `media` payload really holds. Twilio wants base64 of raw μ-law 8 kHz
 * mono, no header, of any size (REFERENCE-AGENTS §0, §5 A3); it plays whatever bytes it gets, so
 * a WAV header is heard as a click of noise and a forwarded Deepgram control frame (`Metadata`,
 * `Flushed`: JSON text) as a burst of noise. Such a payload is not the agent's speech: it must not
 * count as audible audio (greeting.first_audio_ms would read the first forwarded `Metadata`).
 */

/** More audio than this in one message is no plausible chunk of a reply (Twilio plays any size; this is a whole file or a loop). */
export const MAX_PAYLOAD_MS = 60_000;
const BYTES_PER_MS = 8;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/**
 * Printable ASCII and the usual whitespace. In μ-law these are all negative samples, so a chunk of
 * speech (which swings both ways) is never made of them alone, unless it is shorter than a
 * half-period of a low voice: below MIN_TEXT_BYTES (8 ms) a chunk is not judged text.
 */
const TEXT_BYTE = (b: number): boolean => (b >= 0x20 && b <= 0x7e) || b === 0x09 || b === 0x0a || b === 0x0d;
const MIN_TEXT_BYTES = 64;

export interface PayloadFacts {
  /** The bytes Twilio would queue (base64 decoded leniently, as Node does). */
  audio: Buffer;
  /** What is wrong with it as Twilio audio, in a few words; undefined when nothing is. */
  issue: string | undefined;
  /** False when the payload is not audio at all (not base64, empty, JSON or text): it must not count as heard speech. */
  isAudio: boolean;
}

const excerpt = (text: string): string => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);

export function inspectPayload(payload: string): PayloadFacts {
  const audio = Buffer.from(payload, 'base64');
  if (payload.length === 0) return { audio, issue: 'empty payload (no audio)', isAudio: false };
  if (payload.length % 4 !== 0 || !BASE64.test(payload)) {
    const bad = /[^A-Za-z0-9+/=]/.exec(payload);
    const why = bad === null ? `length ${payload.length} is not a multiple of 4` : `character ${JSON.stringify(bad[0])} at ${bad.index}`;
    return { audio, issue: `payload is not valid base64 (${why})`, isAudio: false };
  }
  if (audio.subarray(0, 4).toString('latin1') === 'RIFF') return { audio, issue: 'payload starts with a WAV (RIFF) header; Twilio plays the header as noise', isAudio: true };
  const first = audio[0];
  if (audio.length >= 2 && (first === 0x7b || first === 0x5b) && audio.every(TEXT_BYTE)) {
    const text = audio.toString('latin1');
    try {
      JSON.parse(text);
      return { audio, issue: `payload is JSON, not audio (a control frame forwarded as audio?): ${excerpt(text)}`, isAudio: false };
    } catch {
      // Not JSON: judged as text below.
    }
  }
  if (audio.length >= MIN_TEXT_BYTES && audio.every(TEXT_BYTE)) return { audio, issue: `payload is text, not audio: ${excerpt(audio.toString('latin1'))}`, isAudio: false };
  if (audio.length > MAX_PAYLOAD_MS * BYTES_PER_MS) {
    return { audio, issue: `one message of ${(audio.length / BYTES_PER_MS / 1000).toFixed(1)} s of audio (more than ${MAX_PAYLOAD_MS / 1000} s: no plausible chunk)`, isAudio: true };
  }
  return { audio, issue: undefined, isAudio: true };
}
