/**
 * Scenario and fixture loading: every problem is an InputError naming the file and the field path;
 * defaults are applied; the committed JSON Schema is the one generated from the zod schema; every
 * committed scenario (and every fixture it names) loads.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMulaw, writeMulawWav } from '../../harness/audio/index.ts';
import { InputError } from '../../harness/scenario/errors.ts';
import { loadFixture, loadScenario } from '../../harness/scenario/load.ts';
import { Scenario } from '../../harness/scenario/schema.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SCENARIOS = path.join(ROOT, 'scenarios');
const FIXTURES = path.join(ROOT, 'fixtures', 'utterances');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'callbench-scenario-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, content: string | Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

/** The InputError `promise` rejects with (fails the test if it resolves or throws something else). */
async function inputError(promise: Promise<unknown>): Promise<InputError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError, but it loaded');
}

const valid = { name: 'ok-scenario', description: 'a test', steps: [{ type: 'say', fixture: 'hours' }, { type: 'hangup' }] };

describe('loadScenario errors', () => {
  it('names the file of a scenario that is not JSON', async () => {
    const file = await write('broken.json', '{ "name": "x", ');
    const error = await inputError(loadScenario(file));
    expect(error.file).toBe(file);
    expect(error.field).toBe('');
    expect(error.message.startsWith(`${file}: is not valid JSON`)).toBe(true);
  });

  it('names a file that cannot be read', async () => {
    const file = path.join(dir, 'does-not-exist.json');
    const error = await inputError(loadScenario(file));
    expect(error.message).toBe(`${file}: cannot be read (ENOENT)`);
  });

  it('names a missing top-level field', async () => {
    const file = await write('no-description.json', JSON.stringify({ name: 'x', steps: [{ type: 'hangup' }] }));
    const error = await inputError(loadScenario(file));
    expect(error.field).toBe('description');
    expect(error.message.startsWith(`${file}: description: `)).toBe(true);
  });

  it('names a missing field inside a step', async () => {
    const file = await write('no-ms.json', JSON.stringify({ ...valid, steps: [{ type: 'hangup' }, { type: 'pause' }] }));
    const error = await inputError(loadScenario(file));
    expect(error.field).toBe('steps.1.ms');
    expect(error.message.startsWith(`${file}: steps.1.ms: `)).toBe(true);
  });

  it('names the type of an unknown step, listing the known ones', async () => {
    const file = await write('dance.json', JSON.stringify({ ...valid, steps: [{ type: 'hangup' }, { type: 'dance' }] }));
    const error = await inputError(loadScenario(file));
    expect(error.field).toBe('steps.1.type');
    expect(error.message.startsWith(`${file}: steps.1.type: `)).toBe(true);
    expect(error.message).toContain('wait_for_agent_audio');
  });

  it('names an unknown extra field in a step by its full path', async () => {
    const file = await write('extra-step-field.json', JSON.stringify({ ...valid, steps: [{ type: 'say', fixture: 'hours', volume: 3 }] }));
    const error = await inputError(loadScenario(file));
    expect(error.field).toBe('steps.0.volume');
    expect(error.message.startsWith(`${file}: steps.0.volume: `)).toBe(true);
  });

  it('names an unknown extra top-level field', async () => {
    const file = await write('extra-top-field.json', JSON.stringify({ ...valid, speed: 'fast' }));
    const error = await inputError(loadScenario(file));
    expect(error.field).toBe('speed');
    expect(error.message.startsWith(`${file}: speed: `)).toBe(true);
  });

  it('rejects a fixture name that is not a plain lowercase name (no paths, no extensions)', async () => {
    for (const [k, fixture] of ['../secrets', 'Hours', 'hours.wav', ''].entries()) {
      const file = await write(`bad-fixture-${k}.json`, JSON.stringify({ ...valid, steps: [{ type: 'say', fixture }] }));
      const error = await inputError(loadScenario(file));
      expect(error.field).toBe('steps.0.fixture');
      expect(error.message.startsWith(`${file}: steps.0.fixture: `)).toBe(true);
    }
  });

  it('names a value out of range', async () => {
    const file = await write('short-quiet.json', JSON.stringify({ ...valid, steps: [{ type: 'wait_for_agent', quietMs: 5 }] }));
    const error = await inputError(loadScenario(file));
    expect(error.field).toBe('steps.0.quietMs');
  });

  it('rejects a scenario with no steps', async () => {
    const file = await write('no-steps.json', JSON.stringify({ ...valid, steps: [] }));
    expect((await inputError(loadScenario(file))).field).toBe('steps');
  });
});

describe('loadScenario defaults', () => {
  it('applies quietMs 800 and timeoutMs 20000 to wait_for_agent, timeoutMs to wait_for_agent_audio, gapMs and levelDb', async () => {
    const file = await write('defaults.json', JSON.stringify({
      name: 'defaults',
      description: 'defaults',
      steps: [
        { type: 'wait_for_agent' },
        { type: 'wait_for_agent_audio', playedMs: 1500 },
        { type: 'dtmf', digits: '12#' },
        { type: 'noise', ms: 200 },
        { type: 'wait_for_agent', quietMs: 300, timeoutMs: 5000 },
      ],
    }));
    const scenario = await loadScenario(file);
    expect(scenario.steps).toEqual([
      { type: 'wait_for_agent', quietMs: 800, timeoutMs: 20_000 },
      { type: 'wait_for_agent_audio', playedMs: 1500, timeoutMs: 20_000 },
      { type: 'dtmf', digits: '12#', gapMs: 150 },
      { type: 'noise', ms: 200, levelDb: -35 },
      { type: 'wait_for_agent', quietMs: 300, timeoutMs: 5000 },
    ]);
  });
});

describe('loadFixture', () => {
  const sidecar = (name: string) => ({ name, text: 'Hello there.', sampleRate: 8000, durationMs: 100, voiced: [{ startMs: 10, endMs: 90 }] });

  it('reads the WAV as 8 kHz mu-law with the sidecar text and voiced spans', async () => {
    const mulaw = encodeMulaw(Int16Array.from({ length: 800 }, (_, i) => (i % 2 === 0 ? 8000 : -8000)));
    await write('tone.json', JSON.stringify(sidecar('tone')));
    await write('tone.wav', writeMulawWav(mulaw));
    const utterance = await loadFixture(dir, 'tone');
    expect(utterance.id).toBe('tone');
    expect(utterance.text).toBe('Hello there.');
    expect(utterance.voiced).toEqual([{ startMs: 10, endMs: 90 }]);
    expect(utterance.audio.length).toBe(800);
  });

  it('names the missing sidecar', async () => {
    const error = await inputError(loadFixture(dir, 'nothing-here'));
    expect(error.message).toBe(`${path.join(dir, 'nothing-here.json')}: cannot be read (ENOENT)`);
  });

  it('names the missing WAV when only the sidecar exists', async () => {
    await write('no-wav.json', JSON.stringify(sidecar('no-wav')));
    const error = await inputError(loadFixture(dir, 'no-wav'));
    expect(error.file).toBe(path.join(dir, 'no-wav.wav'));
    expect(error.message).toBe(`${path.join(dir, 'no-wav.wav')}: cannot be read (ENOENT)`);
  });

  it('names a WAV that is not a WAV', async () => {
    await write('junk.json', JSON.stringify(sidecar('junk')));
    await write('junk.wav', 'RIFF but not really');
    const error = await inputError(loadFixture(dir, 'junk'));
    expect(error.file).toBe(path.join(dir, 'junk.wav'));
  });

  it('names the bad sidecar field', async () => {
    await write('no-voice.json', JSON.stringify({ ...sidecar('no-voice'), voiced: [] }));
    const error = await inputError(loadFixture(dir, 'no-voice'));
    expect(error.file).toBe(path.join(dir, 'no-voice.json'));
    expect(error.field).toBe('voiced');
    await write('bad-span.json', JSON.stringify({ ...sidecar('bad-span'), voiced: [{ startMs: 0, endMs: 5 }, { startMs: -1, endMs: 5 }] }));
    expect((await inputError(loadFixture(dir, 'bad-span'))).field).toBe('voiced.1.startMs');
  });
});

describe('the committed scenarios', () => {
  it('scenario.schema.json is exactly what scripts/make-scenario-schema.ts generates from the zod schema', async () => {
    const committed: unknown = JSON.parse(await readFile(path.join(SCENARIOS, 'scenario.schema.json'), 'utf8'));
    expect(committed).toEqual(z.toJSONSchema(Scenario, { io: 'input' }));
  });

  it('every scenario file loads, and every fixture it names loads', async () => {
    const files = (await readdir(SCENARIOS)).filter((f) => f.endsWith('.json') && f !== 'scenario.schema.json');
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const file of files) {
      const scenario = await loadScenario(path.join(SCENARIOS, file));
      expect(`${scenario.name}.json`).toBe(file);
      for (const step of scenario.steps) if (step.type === 'say') await expect(loadFixture(FIXTURES, step.fixture)).resolves.toMatchObject({ id: step.fixture });
    }
  });

  it('every scenario file validates against the committed JSON Schema, which rejects what zod rejects', async () => {
    const schema = JSON.parse(await readFile(path.join(SCENARIOS, 'scenario.schema.json'), 'utf8')) as Record<string, unknown>;
    const validate = new Ajv2020({ strict: false }).compile(schema);
    const files = (await readdir(SCENARIOS)).filter((f) => f.endsWith('.json') && f !== 'scenario.schema.json');
    for (const file of files) {
      const data: unknown = JSON.parse(await readFile(path.join(SCENARIOS, file), 'utf8'));
      expect(validate(data), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    expect(validate({ ...valid, steps: [{ type: 'dance' }] })).toBe(false);
    expect(validate({ ...valid, steps: [{ type: 'say', fixture: 'hours', volume: 3 }] })).toBe(false);
  });
});
