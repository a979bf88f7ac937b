/** Reads scenario files and the fixtures they name; every problem is an InputError naming file and field. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { wavToMulaw8k } from '../audio/index.ts';
import type { Utterance } from '../caller/utterance.ts';
import { InputError } from './errors.ts';
import { describeJsonError } from './json-syntax.ts';
import { Scenario } from './schema.ts';
import { FixtureSidecar } from './fixture-schema.ts';
import { checkVoicedSpans } from './fixture-voice.ts';

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

export async function loadFixture(dir: string, name: string): Promise<Utterance> {
  const sidecarFile = path.join(dir, `${name}.json`);
  const wavFile = path.join(dir, `${name}.wav`);
  const sidecar = validate(sidecarFile, FixtureSidecar, parseJson(sidecarFile, await readText(sidecarFile)));
  let bytes: Buffer;
  try {
    bytes = await readFile(wavFile);
  } catch (error) {
    throw new InputError(wavFile, '', `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let audio: Uint8Array;
  try {
    audio = wavToMulaw8k(bytes);
  } catch (error) {
    throw new InputError(wavFile, '', `is not a WAV file wavefile can read (${(error as Error).message})`);
  }
  checkVoicedSpans(sidecarFile, sidecar, audio);
  return { id: name, text: sidecar.text, audio, voiced: sidecar.voiced };
}
