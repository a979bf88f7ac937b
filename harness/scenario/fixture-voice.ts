/**
 * A fixture's sidecar checked against its audio: the voiced spans (and the duration) it states
 * must be what the energy VAD finds in the WAV, within a tolerance. The spans are the caller's
 * ground truth for every turn metric; a hand-edited end 390 ms late moved "the caller stopped
 * talking" by that much and failed calls that were fine. The shipped fixtures' spans are the
 * VAD's own (scripts/make-fixtures.ts), so they agree exactly.
 */
import { decodeMulaw, findVoicedSpans, type VoicedSpan } from '../audio/index.ts';
import { InputError } from './errors.ts';

/** How far a stated edge may be from the audio's: a few VAD windows, well under a syllable. */
export const VOICED_TOLERANCE_MS = 60;
const SAMPLE_RATE = 8000;

const ms = (value: number): string => `${Math.round(value * 10) / 10} ms`;
const list = (spans: readonly VoicedSpan[]): string => spans.map((s) => `${ms(s.startMs)}–${ms(s.endMs)}`).join(', ');

/** Throws InputError naming `file` and the field when `stated` disagrees with the 8 kHz mu-law `audio`. */
export function checkVoicedSpans(file: string, stated: { durationMs: number; voiced: readonly VoicedSpan[] }, audio: Uint8Array): void {
  const durationMs = (audio.length * 1000) / SAMPLE_RATE;
  const how = `(energy VAD, tolerance ${VOICED_TOLERANCE_MS} ms)`;
  if (Math.abs(stated.durationMs - durationMs) > VOICED_TOLERANCE_MS) {
    throw new InputError(file, 'durationMs', `${stated.durationMs}, but the audio lasts ${ms(durationMs)} ${how}`);
  }
  const found = findVoicedSpans(decodeMulaw(audio), SAMPLE_RATE);
  if (found.length !== stated.voiced.length) {
    throw new InputError(file, 'voiced', `${stated.voiced.length} voiced span${stated.voiced.length === 1 ? '' : 's'}, but the audio has ${found.length}: ${found.length === 0 ? 'no voice' : list(found)} ${how}`);
  }
  stated.voiced.forEach((span, k) => {
    const actual = found[k];
    if (actual === undefined) return;
    for (const edge of ['startMs', 'endMs'] as const) {
      if (Math.abs(span[edge] - actual[edge]) > VOICED_TOLERANCE_MS) {
        const word = edge === 'startMs' ? 'starts' : 'ends';
        throw new InputError(file, `voiced.${k}.${edge}`, `${span[edge]}, but the audio's voice ${word} at ${ms(actual[edge])} ${how}`);
      }
    }
  });
}
