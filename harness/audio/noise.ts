/** Line noise for noisy-line scenarios: seeded white noise at a given RMS level, as 8 kHz mu-law. */
import { createRng } from '../random.ts';
import { encodeMulaw, SAMPLE_RATE } from './mulaw.ts';

export function whiteNoiseMulaw(ms: number, levelDb: number, seed = 1): Uint8Array {
  const rng = createRng(seed);
  const samples = new Int16Array(Math.round((ms * SAMPLE_RATE) / 1000));
  // Uniform noise on [-a, a] has RMS a/√3.
  const amplitude = Math.min(32767, 32768 * 10 ** (levelDb / 20) * Math.sqrt(3));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round((rng() * 2 - 1) * amplitude);
  return encodeMulaw(samples);
}
