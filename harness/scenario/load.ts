/** Reads scenario files and the fixtures they name; every problem is an InputError naming file and field. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { encodeMulaw, resample, SAMPLE_RATE } from '../audio/index.ts';
import type { Utterance } from '../caller/utterance.ts';
import { InputError } from './errors.ts';
import { describeJsonError } from './json-syntax.ts';
import { Scenario } from './schema.ts';
import { FixtureSidecar } from './fixture-schema.ts';
import { checkVoicedSpans } from './fixture-voice.ts';
import { decodeWav, WavError } from './fixture-wav.ts';
import type { FixtureFiles } from './resolve.ts';

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(file, '', `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(file, '', `is not valid JSON: ${describeJsonError(text, error)}`);
  }
}

function validate<S extends z.ZodType>(file: string, schema: S, data: unknown): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // An unknown key is reported on the object that holds it: name the key itself.
  const where = issue === undefined ? [] : issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys.slice(0, 1)] : issue.path;
  const field = where.map(String).join('.');
  throw new InputError(file, field, issue?.message ?? 'is invalid');
}

export async function loadScenario(file: string): Promise<Scenario> {
  return validate(file, Scenario, parseJson(file, await readText(file)));
}

/** The fixture `name` in `dir`: NAME.wav and its NAME.json sidecar. */
export async function loadFixture(dir: string, name: string): Promise<Utterance> {
  return loadFixtureFiles({ id: name, wav: path.join(dir, `${name}.wav`), sidecar: path.join(dir, `${name}.json`) });
}

/**
 * A fixture from its WAV and sidecar (harness/scenario/resolve.ts finds them), as 8 kHz mu-law.
 * A stereo WAV is refused rather than read from one channel: which side is the caller is the
 * user's to say (callbench fixture add --channel).
 */
export async function loadFixtureFiles(files: FixtureFiles): Promise<Utterance> {
  const { wav: wavFile, sidecar: sidecarFile } = files;
  const sidecar = validate(sidecarFile, FixtureSidecar, parseJson(sidecarFile, await readText(sidecarFile)));
  let bytes: Buffer;
  try {
    bytes = await readFile(wavFile);
  } catch (error) {
    throw new InputError(wavFile, '', `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let audio: Uint8Array;
  try {
    const decoded = decodeWav(bytes);
    if (decoded.format.channels !== 1) {
      throw new WavError(`has ${decoded.format.channels} channels; a fixture is mono: make one with callbench fixture add ${path.basename(wavFile)} --channel left|right --text '…'`);
    }
    audio = encodeMulaw(resample({ sampleRate: decoded.format.sampleRate, samples: decoded.channels[0] ?? new Int16Array(0) }, SAMPLE_RATE).samples);
  } catch (error) {
    if (error instanceof WavError) throw new InputError(wavFile, '', error.message);
    throw error;
  }
  checkVoicedSpans(sidecarFile, sidecar, audio);
  return { id: files.id, text: sidecar.text, audio, voiced: sidecar.voiced };
}
