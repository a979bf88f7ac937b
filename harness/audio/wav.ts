/** WAV files in and out, through wavefile: callbench's fixtures are 8 kHz mono mu-law WAV. */
import wavefile from 'wavefile';
import { encodeMulaw, SAMPLE_RATE } from './mulaw.ts';

const { WaveFile } = wavefile;

/** Mono 16-bit PCM at `sampleRate` Hz, decoded from any WAV that wavefile reads. */
export interface PcmAudio {
  sampleRate: number;
  samples: Int16Array;
}

/** Decodes a WAV file (PCM, float, mu-law or A-law; mono or the first channel) into 16-bit PCM. */
export function readWav(bytes: Uint8Array): PcmAudio {
  const wav = new WaveFile();
  wav.fromBuffer(bytes);
  // Copy the header fields now: wavefile's conversions reset its `fmt` object in place.
  const { audioFormat, sampleRate } = wav.fmt as { audioFormat: number; sampleRate: number };
  if (audioFormat === 7) wav.fromMuLaw();
  else if (audioFormat === 6) wav.fromALaw();
  wav.toBitDepth('16');
  const raw = wav.getSamples(false, Int16Array) as unknown as Int16Array | Int16Array[];
  const samples = Array.isArray(raw) ? (raw[0] ?? new Int16Array(0)) : raw;
  return { sampleRate, samples };
}

/** Resamples 16-bit PCM to `rate` Hz (wavefile's cubic interpolation with its anti-alias filter). */
export function resample(audio: PcmAudio, rate: number): PcmAudio {
  if (audio.sampleRate === rate) return audio;
  const wav = new WaveFile();
  wav.fromScratch(1, audio.sampleRate, '16', audio.samples);
  wav.toSampleRate(rate, { method: 'cubic', LPF: true });
  const samples = wav.getSamples(false, Int16Array) as unknown as Int16Array;
  return { sampleRate: rate, samples };
}

/** Encodes mu-law bytes at 8 kHz as a WAV file (format 7). */
export function writeMulawWav(mulaw: Uint8Array): Uint8Array {
  const wav = new WaveFile();
  wav.fromScratch(1, SAMPLE_RATE, '8m', mulaw);
  return wav.toBuffer();
}

/** Reads a WAV file and returns its audio as 8 kHz mu-law, resampling and encoding as needed. */
export function wavToMulaw8k(bytes: Uint8Array): Uint8Array {
  return encodeMulaw(resample(readWav(bytes), SAMPLE_RATE).samples);
}
