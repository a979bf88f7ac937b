/**
 * A user's WAV file as a fixture sees it: its format, and each channel as 16-bit PCM. Any WAV
 * wavefile reads (PCM 8 to 32 bit, float, mu-law, A-law; any rate; mono or stereo) decodes;
 * harness/audio's readWav keeps only the first channel, which for a stereo recording of a call
 * may be the agent, not the caller, so a fixture picks its channel here, by name.
 */
import wavefile from 'wavefile';

const { WaveFile } = wavefile;

export type Channel = 'left' | 'right';
export const CHANNELS: readonly Channel[] = ['left', 'right'];

export interface WavFormat {
  sampleRate: number;
  channels: number;
  /** As people say it: "16-bit PCM", "mu-law", "32-bit float". */
  encoding: string;
}

export interface DecodedWav {
  format: WavFormat;
  /** One Int16Array per channel, all of one length. */
  channels: Int16Array[];
}

/** A file that is not a WAV this can read; the message says why, for one line. */
export class WavError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WavError';
  }
}

const FORMAT_NAMES: Readonly<Record<number, string>> = { 1: 'PCM', 3: 'float', 6: 'A-law', 7: 'mu-law', 65534: 'PCM' };

function encodingOf(audioFormat: number, bitDepth: string): string {
  if (audioFormat === 7) return 'mu-law';
  if (audioFormat === 6) return 'A-law';
  if (audioFormat === 3 || bitDepth.endsWith('f')) return `${bitDepth.replace(/f$/, '')}-bit float`;
  return `${bitDepth}-bit ${FORMAT_NAMES[audioFormat] ?? `format ${audioFormat}`}`;
}

export function decodeWav(bytes: Uint8Array): DecodedWav {
  const wav = new WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (error) {
    throw new WavError(`is not a WAV file (${(error as Error).message})`);
  }
  // Copy the header fields now: wavefile's conversions reset its `fmt` object in place.
  const { audioFormat, sampleRate, numChannels } = wav.fmt as { audioFormat: number; sampleRate: number; numChannels: number };
  const encoding = encodingOf(audioFormat, wav.bitDepth);
  if (!(audioFormat in FORMAT_NAMES)) throw new WavError(`is a WAV in ${encoding}, which callbench cannot decode (it reads PCM, float, mu-law and A-law)`);
  if (!Number.isInteger(sampleRate) || sampleRate < 1000) throw new WavError(`says its sample rate is ${sampleRate} Hz, which is not audio`);
  try {
    if (audioFormat === 7) wav.fromMuLaw();
    else if (audioFormat === 6) wav.fromALaw();
    wav.toBitDepth('16');
  } catch (error) {
    throw new WavError(`is a WAV in ${encoding} that cannot be converted to 16-bit PCM (${(error as Error).message})`);
  }
  const raw = wav.getSamples(false, Int16Array) as unknown as Int16Array | Int16Array[];
  const channels = Array.isArray(raw) ? raw : [raw];
  return { format: { sampleRate, channels: numChannels, encoding }, channels };
}

/** "48 kHz stereo 16-bit PCM". */
export function describeFormat(format: WavFormat): string {
  const rate = `${format.sampleRate / 1000} kHz`;
  const layout = format.channels === 1 ? 'mono' : format.channels === 2 ? 'stereo' : `${format.channels}-channel`;
  return `${rate} ${layout} ${format.encoding}`;
}

/**
 * The one channel a fixture is made from: a mono file's only channel, or a stereo file's
 * `channel`. Refuses (WavError, naming the flag) a stereo file without a choice, a choice for a
 * mono file, and more than two channels.
 */
export function pickChannel(decoded: DecodedWav, channel: Channel | undefined): Int16Array {
  const { channels } = decoded.format;
  if (channels === 1) {
    if (channel !== undefined) throw new WavError(`is mono: it has no ${channel} channel (leave out --channel)`);
    return decoded.channels[0] ?? new Int16Array(0);
  }
  if (channels === 2) {
    if (channel === undefined) throw new WavError('is stereo: say which channel the caller is on with --channel left or --channel right');
    return decoded.channels[channel === 'left' ? 0 : 1] ?? new Int16Array(0);
  }
  throw new WavError(`has ${channels} channels; a fixture is made from a mono or stereo WAV`);
}
