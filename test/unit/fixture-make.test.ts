/**
 * A fixture from any WAV a user has: a shipped utterance re-recorded at 8, 16, 44.1 and 48 kHz,
 * mono and stereo (the voice on one channel, the other silent or another voice), in PCM, float,
 * mu-law and A-law, comes back as 8 kHz mu-law whose voiced spans are the original's (within the
 * loader's tolerance) and whose sidecar the loader accepts. Audio that cannot make a fixture is a
 * WavError of one line.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import wavefile from 'wavefile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav, resample } from '../../harness/audio/index.ts';
import { FIXTURES_DIR } from '../../harness/cli/paths.ts';
import { VOICED_TOLERANCE_MS } from '../../harness/scenario/fixture-voice.ts';
import { WavError } from '../../harness/scenario/fixture-wav.ts';
import { loadFixtureFiles } from '../../harness/scenario/load.ts';
import { fixtureNameOf, makeFixture } from '../../harness/scenario/make-fixture.ts';

const { WaveFile } = wavefile;
const TEXT = 'What are your opening hours on Saturday?';

let dir: string;
let hours: { samples: Int16Array; voiced: Array<{ startMs: number; endMs: number }>; durationMs: number };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'callbench-fixture-'));
  const sidecar = JSON.parse(await readFile(path.join(FIXTURES_DIR, 'hours.json'), 'utf8')) as { voiced: Array<{ startMs: number; endMs: number }>; durationMs: number };
  hours = { samples: readWav(await readFile(path.join(FIXTURES_DIR, 'hours.wav'))).samples, ...sidecar };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The hours utterance as a WAV at `rate` Hz, `bitDepth` (wavefile's codes), with `channels` (null: that channel silent). */
function recording(rate: number, bitDepth: string, channels: ReadonlyArray<'voice' | 'silence' | 'reversed'>): Uint8Array {
  const voice = resample({ sampleRate: 8000, samples: hours.samples }, rate).samples;
  const data = channels.map((c) => (c === 'voice' ? voice : c === 'reversed' ? voice.slice().reverse() : new Int16Array(voice.length)));
  const wav = new WaveFile();
  wav.fromScratch(data.length, rate, '16', data.length === 1 ? data[0] ?? new Int16Array(0) : data);
  if (bitDepth === '8m') wav.toMuLaw();
  else if (bitDepth === '8a') wav.toALaw();
  else if (bitDepth !== '16') wav.toBitDepth(bitDepth);
  return wav.toBuffer();
}

function emptyWav(): Uint8Array {
  const wav = new WaveFile();
  wav.fromScratch(1, 8000, '16', new Int16Array(0));
  return wav.toBuffer();
}

async function expectLoadable(made: ReturnType<typeof makeFixture>, name: string): Promise<void> {
  const wav = path.join(dir, `${name}.wav`);
  const sidecar = path.join(dir, `${name}.json`);
  await writeFile(wav, made.wav);
  await writeFile(sidecar, JSON.stringify(made.sidecar));
  await expect(loadFixtureFiles({ id: name, wav, sidecar })).resolves.toMatchObject({ id: name, text: TEXT });
}

function expectHoursSpans(made: ReturnType<typeof makeFixture>): void {
  expect(made.sidecar.voiced).toHaveLength(hours.voiced.length);
  made.sidecar.voiced.forEach((span, k) => {
    expect(Math.abs(span.startMs - (hours.voiced[k]?.startMs ?? NaN))).toBeLessThanOrEqual(VOICED_TOLERANCE_MS);
    expect(Math.abs(span.endMs - (hours.voiced[k]?.endMs ?? NaN))).toBeLessThanOrEqual(VOICED_TOLERANCE_MS);
  });
  expect(Math.abs(made.sidecar.durationMs - hours.durationMs)).toBeLessThanOrEqual(VOICED_TOLERANCE_MS);
}

describe('makeFixture', () => {
  it.each([
    [8000, '8m', 'mu-law'],
    [8000, '16', '16-bit PCM'],
    [16000, '16', '16-bit PCM'],
    [16000, '8a', 'A-law'],
    [44100, '24', '24-bit PCM'],
    [44100, '32f', '32-bit float'],
    [48000, '16', '16-bit PCM'],
    [48000, '8', '8-bit PCM'],
  ])('a mono %i Hz %s WAV keeps the voice where it was', async (rate, bitDepth, encoding) => {
    const made = makeFixture(recording(rate, bitDepth, ['voice']), { name: 'hours-copy', text: TEXT, sourceName: 'in.wav' });
    expect(made.sidecar).toMatchObject({ name: 'hours-copy', text: TEXT, sampleRate: 8000, encoding: 'mulaw', source: { file: 'in.wav', format: `${rate / 1000} kHz mono ${encoding}` } });
    expectHoursSpans(made);
    await expectLoadable(made, `mono-${rate}-${bitDepth}`);
  });

  it.each([
    ['left', ['voice', 'silence']],
    ['right', ['silence', 'voice']],
    ['right', ['reversed', 'voice']],
  ] as const)('takes the %s channel of a stereo WAV, whatever is on the other', async (channel, channels) => {
    const made = makeFixture(recording(48000, '16', channels), { name: 'caller', text: TEXT, channel, sourceName: 'call.wav' });
    expect(made.sidecar.source).toEqual({ file: 'call.wav', format: '48 kHz stereo 16-bit PCM', channel });
    expectHoursSpans(made);
    await expectLoadable(made, `stereo-${channel}-${channels[0]}`);
  });

  // The inputs are made inside each case: the recording is read in beforeAll, after the table is built.
  it.each([
    ['a stereo file without --channel', () => recording(16000, '16', ['voice', 'silence']), undefined, 'is stereo: say which channel the caller is on with --channel left or --channel right'],
    ['a mono file with --channel', () => recording(16000, '16', ['voice']), 'right' as const, 'is mono: it has no right channel (leave out --channel)'],
    ['the silent channel', () => recording(16000, '16', ['voice', 'silence']), 'right' as const, 'has no voice callbench can find'],
    ['three channels', () => recording(16000, '16', ['voice', 'voice', 'voice']), 'left' as const, 'has 3 channels'],
    ['text that is not a WAV', () => new TextEncoder().encode('definitely not a wave file'), undefined, 'is not a WAV file'],
    ['a WAV with no samples', () => emptyWav(), undefined, 'no audio in it'],
  ])('refuses %s in one line', (_, bytes, channel, message) => {
    let error: unknown;
    try {
      makeFixture(bytes(), { name: 'x', text: 'x', channel, sourceName: 'x.wav' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WavError);
    expect((error as WavError).message).toContain(message);
    expect((error as WavError).message).not.toContain('\n');
  });
});

describe('fixtureNameOf', () => {
  it('makes a fixture name of a file name', () => {
    expect(fixtureNameOf('Change Address.WAV')).toBe('change-address');
    expect(fixtureNameOf('caller_01.take2.wav')).toBe('caller-01-take2');
    expect(fixtureNameOf('___.wav')).toBe('');
  });
});
