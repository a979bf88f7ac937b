/** An utterance the caller can say: its audio as 8 kHz mu-law and where in it the voice is. */
import type { VoicedSpan } from '../audio/index.ts';

export interface Utterance {
  id: string;
  text: string;
  audio: Uint8Array;
  /** Voiced spans in ms from the start of `audio`. */
  voiced: readonly VoicedSpan[];
}
