/** Raw telephony and PCM encodings to 16-bit samples: what the mocks hear from an agent. */
import alawmulaw from 'alawmulaw';
import { decodeMulaw } from './mulaw.ts';

export type RawEncoding = 'mulaw' | 'alaw' | 'linear16';

/** Decodes headerless audio; linear16 is little-endian, a trailing odd byte is ignored. */
export function decodeRaw(bytes: Uint8Array, encoding: RawEncoding): Int16Array {
  switch (encoding) {
    case 'mulaw':
      return decodeMulaw(bytes);
    case 'alaw':
      return alawmulaw.alaw.decode(bytes);
    case 'linear16': {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const samples = new Int16Array(Math.floor(bytes.length / 2));
      for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true);
      return samples;
    }
  }
}
