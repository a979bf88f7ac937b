/**
 * A fixture from a user's recording: one channel of any WAV, resampled to 8 kHz and mu-law
 * encoded (what Twilio carries and every fixture is), with the sidecar the loader checks it
 * against: the text, the duration and the voiced spans callbench's energy VAD finds, rounded to
 * whole samples as scripts/make-fixtures.ts rounds the shipped ones. The audio is otherwise left
 * as recorded (no gain, no trimming): it is the caller the user wants to measure with.
 */
import { decodeMulaw, encodeMulaw, findVoicedSpans, levelDb, resample, SAMPLE_RATE, writeMulawWav, DEFAULT_VAD, type VoicedSpan } from '../audio/index.ts';
import { decodeWav, describeFormat, pickChannel, WavError, type Channel } from './fixture-wav.ts';

export interface FixtureSidecarFile {
  name: string;
  text: string;
  sampleRate: number;
  encoding: 'mulaw';
  durationMs: number;
  voiced: VoicedSpan[];
  /** Where it came from: the file's name, its format, and the channel taken. */
  source: { file: string; format: string; channel?: Channel };
}

export interface MadeFixture {
  wav: Uint8Array;
  sidecar: FixtureSidecarFile;
}

/** Rounds ms to one sample at 8 kHz (0.125 ms). */
const toSample = (ms: number): number => Math.round((ms * SAMPLE_RATE) / 1000) / (SAMPLE_RATE / 1000);

function peakDbfs(samples: Int16Array): number {
  let peak = 0;
  for (const s of samples) peak = Math.max(peak, Math.abs(s));
  return peak === 0 ? -Infinity : 20 * Math.log10(peak / 32768);
}

/** Throws WavError (one line, for "FILE: …") for audio that cannot make a fixture. */
export function makeFixture(bytes: Uint8Array, settings: { name: string; text: string; channel?: Channel | undefined; sourceName: string }): MadeFixture {
  const decoded = decodeWav(bytes);
  const samples = pickChannel(decoded, settings.channel);
  if (samples.length === 0) throw new WavError(`is a WAV with no audio in it (${describeFormat(decoded.format)}, 0 samples)`);
  const mulaw = encodeMulaw(resample({ sampleRate: decoded.format.sampleRate, samples }, SAMPLE_RATE).samples);
  const pcm = decodeMulaw(mulaw);
  const voiced = findVoicedSpans(pcm, SAMPLE_RATE).map((span) => ({ startMs: toSample(span.startMs), endMs: toSample(span.endMs) }));
  if (voiced.length === 0) {
    const peak = peakDbfs(pcm);
    const level = peak === -Infinity ? 'it is digital silence' : `its loudest sample is ${peak.toFixed(1)} dBFS, its level ${levelDb(pcm).toFixed(1)} dBFS`;
    throw new WavError(`has no voice callbench can find (the energy VAD counts ${DEFAULT_VAD.windowMs} ms windows at ${DEFAULT_VAD.thresholdDb} dBFS or louder; ${level}${settings.channel === undefined ? '' : `, on the ${settings.channel} channel`})`);
  }
  const sidecar: FixtureSidecarFile = {
    name: settings.name,
    text: settings.text,
    sampleRate: SAMPLE_RATE,
    encoding: 'mulaw',
    durationMs: mulaw.length / (SAMPLE_RATE / 1000),
    voiced,
    source: { file: settings.sourceName, format: describeFormat(decoded.format), ...(settings.channel === undefined ? {} : { channel: settings.channel }) },
  };
  return { wav: writeMulawWav(mulaw), sidecar };
}

/** A fixture name made from a file name: lowercase letters, digits and dashes; '' when nothing is left. */
export function fixtureNameOf(fileName: string): string {
  return fileName
    .replace(/\.[^.]*$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
