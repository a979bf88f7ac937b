/** WAV in and out (wavefile) and resampling: how fixtures and recordings get to 8 kHz mu-law. */
import { describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { decodeMulaw, encodeMulaw, readWav, resample, wavToMulaw8k, writeMulawWav } from '../../harness/audio/index.ts';

const { WaveFile } = wavefile;

function tone(frequency: number, sampleRate: number, seconds: number, amplitude: number): Int16Array {
  const out = new Int16Array(Math.round(sampleRate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * frequency * i) / sampleRate));
  return out;
}

function rms(samples: ArrayLike<number>, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i] ?? 0) ** 2;
  return Math.sqrt(sum / (to - from));
}

/** Frequency from the mean spacing of rising zero crossings, away from the edges. */
function frequencyOf(samples: Int16Array, sampleRate: number): number {
  const crossings: number[] = [];
  const margin = Math.round(sampleRate * 0.05);
  for (let i = margin; i < samples.length - margin; i++) {
    const a = samples[i - 1] ?? 0;
    const b = samples[i] ?? 0;
    if (a < 0 && b >= 0) crossings.push(i - 1 + -a / (b - a));
  }
  const first = crossings[0] ?? 0;
  const last = crossings[crossings.length - 1] ?? 0;
  return ((crossings.length - 1) * sampleRate) / (last - first);
}

function pcmWav(sampleRate: number, channels: Int16Array[]): Uint8Array {
  const wav = new WaveFile();
  wav.fromScratch(channels.length, sampleRate, '16', channels.length === 1 ? (channels[0] as Int16Array) : channels);
  return wav.toBuffer();
}

const ascii = (bytes: Uint8Array, from: number, length: number): string => String.fromCharCode(...bytes.subarray(from, from + length));

describe('writeMulawWav', () => {
  it('writes a RIFF/WAVE file of format 7 (mu-law), mono, 8 kHz, 8 bits, carrying the bytes verbatim', () => {
    const mulaw = encodeMulaw(tone(440, 8000, 0.1, 8000));
    const file = writeMulawWav(mulaw);
    const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
    expect(ascii(file, 0, 4)).toBe('RIFF');
    expect(ascii(file, 8, 4)).toBe('WAVE');
    expect(ascii(file, 12, 4)).toBe('fmt ');
    expect(view.getUint16(20, true)).toBe(7);
    expect(view.getUint16(22, true)).toBe(1);
    expect(view.getUint32(24, true)).toBe(8000);
    expect(view.getUint32(28, true)).toBe(8000);
    expect(view.getUint16(34, true)).toBe(8);
    expect(view.getUint32(4, true)).toBe(file.length - 8);
    // The payload is the last mulaw.length bytes (after the fact and data chunk headers).
    expect(ascii(file, file.length - mulaw.length - 8, 4)).toBe('data');
    expect(Array.from(file.subarray(file.length - mulaw.length))).toEqual(Array.from(mulaw));
  });
});

describe('readWav', () => {
  it('round-trips mu-law: the header rate and the decoded samples come back', () => {
    const mulaw = encodeMulaw(tone(300, 8000, 0.25, 12000));
    const audio = readWav(writeMulawWav(mulaw));
    expect(audio.sampleRate).toBe(8000);
    expect(Array.from(audio.samples)).toEqual(Array.from(decodeMulaw(mulaw)));
  });

  it('round-trips 16-bit PCM exactly, at its own rate', () => {
    const samples = tone(1000, 16000, 0.2, 30000);
    samples[0] = -32768;
    samples[1] = 32767;
    const audio = readWav(pcmWav(16000, [samples]));
    expect(audio.sampleRate).toBe(16000);
    expect(Array.from(audio.samples)).toEqual(Array.from(samples));
  });

  it('takes the first channel of a stereo file', () => {
    const left = tone(440, 22050, 0.05, 10000);
    const right = new Int16Array(left.length).fill(-5);
    const audio = readWav(pcmWav(22050, [left, right]));
    expect(audio.sampleRate).toBe(22050);
    expect(Array.from(audio.samples)).toEqual(Array.from(left));
  });

  it('converts 8-bit unsigned PCM to 16-bit', () => {
    const wav = new WaveFile();
    wav.fromScratch(1, 8000, '8', [128, 255, 0, 192]);
    const audio = readWav(wav.toBuffer());
    expect(audio.sampleRate).toBe(8000);
    expect(audio.samples[0]).toBe(0);
    expect(audio.samples[1]).toBeGreaterThan(32000);
    expect(audio.samples[2]).toBe(-32768);
    expect(Math.abs((audio.samples[3] ?? 0) - 16384)).toBeLessThan(200);
  });

  it('rejects bytes that are not a WAV file', () => {
    expect(() => readWav(new TextEncoder().encode('definitely not a wave file, just text'))).toThrow();
  });
});

describe('resample', () => {
  it('keeps a 440 Hz tone at 440 Hz, its duration and its level, from 16 kHz to 8 kHz', () => {
    const input = tone(440, 16000, 1, 16000);
    const out = resample({ sampleRate: 16000, samples: input }, 8000);
    expect(out.sampleRate).toBe(8000);
    expect(Math.abs(out.samples.length - 8000)).toBeLessThanOrEqual(1);
    expect(frequencyOf(out.samples, 8000)).toBeCloseTo(440, 0);
    const level = 20 * Math.log10(rms(out.samples, 400, 7600) / rms(input, 800, 15200));
    expect(Math.abs(level)).toBeLessThan(0.5);
  });

  it('filters out what 8 kHz cannot carry instead of aliasing it', () => {
    // Unfiltered, a 6 kHz tone sampled at 8 kHz folds down to an audible 2 kHz.
    const out = resample({ sampleRate: 16000, samples: tone(6000, 16000, 1, 16000) }, 8000);
    const attenuationDb = 20 * Math.log10(rms(out.samples, 400, 7600) / (16000 / Math.SQRT2));
    expect(attenuationDb).toBeLessThan(-30);
  });

  it('upsamples 8 kHz to 16 kHz keeping frequency and duration', () => {
    const out = resample({ sampleRate: 8000, samples: tone(440, 8000, 0.5, 10000) }, 16000);
    expect(Math.abs(out.samples.length - 8000)).toBeLessThanOrEqual(1);
    expect(frequencyOf(out.samples, 16000)).toBeCloseTo(440, 0);
  });

  it('returns audio already at the target rate unchanged', () => {
    const audio = { sampleRate: 8000, samples: tone(440, 8000, 0.1, 1000) };
    expect(resample(audio, 8000)).toBe(audio);
  });
});

describe('wavToMulaw8k', () => {
  it('returns the mu-law bytes of a mu-law WAV unchanged', () => {
    const mulaw = encodeMulaw(tone(523, 8000, 0.3, 20000));
    expect(Array.from(wavToMulaw8k(writeMulawWav(mulaw)))).toEqual(Array.from(mulaw));
  });

  it('resamples and encodes a 16 kHz PCM WAV: half the samples, same tone', () => {
    const bytes = wavToMulaw8k(pcmWav(16000, [tone(440, 16000, 1, 12000)]));
    expect(Math.abs(bytes.length - 8000)).toBeLessThanOrEqual(1);
    expect(frequencyOf(decodeMulaw(bytes), 8000)).toBeCloseTo(440, 0);
  });
});
