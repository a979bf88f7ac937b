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

  it('rejects a fixture that is neither a plain lowercase name nor a path to a .wav', async () => {
    for (const [k, fixture] of ['Hours', 'my hours', 'hours!', ''].entries()) {
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

  it('a // comment: one line naming the line and column, what JSON expects and what is there', async () => {
    const file = await write('commented.json', '{\n  "name": "x", // the name\n  "description": "x"\n}\n');
    const error = await inputError(loadScenario(file));
    expect(error.message).not.toContain('\n');
    expect(error.message).toBe(`${file}: is not valid JSON: line 2, column 16: expected a property name in double quotes, found a comment (JSON has none)`);
  });

  it('states the real bounds of a number out of range, however far out (quietMs: 1e300)', async () => {
    const file = await write('huge-quiet.json', JSON.stringify({ ...valid, steps: [{ type: 'wait_for_agent', quietMs: 1e300 }] }));
    const error = await inputError(loadScenario(file));
    expect(error.message).toBe(`${file}: steps.0.quietMs: expected a whole number of ms from 100 to 10000, got 1e+300`);
  });

  // Every numeric field of a step and a fault, with its bounds: each message states them.
  const NUMERIC_FIELDS: Array<[string, Record<string, unknown>, string, number, number]> = [
    ['quietMs', { type: 'wait_for_agent' }, 'quietMs', 100, 10_000],
    ['wait_for_agent timeoutMs', { type: 'wait_for_agent' }, 'timeoutMs', 1000, 120_000],
    ['playedMs', { type: 'wait_for_agent_audio', playedMs: 0 }, 'playedMs', 0, 120_000],
    ['wait_for_agent_audio timeoutMs', { type: 'wait_for_agent_audio', playedMs: 0 }, 'timeoutMs', 1000, 120_000],
    ['gapMs', { type: 'dtmf', digits: '1' }, 'gapMs', 0, 5000],
    ['noise ms', { type: 'noise' }, 'ms', 20, 600_000],
    ['levelDb', { type: 'noise', ms: 100 }, 'levelDb', -90, 0],
    ['pause ms', { type: 'pause' }, 'ms', 0, 600_000],
  ];
  it.each(NUMERIC_FIELDS)('states the bounds of %s', async (label, step, field, min, max) => {
    for (const [k, value] of [1e300, -1e300, max + 1, min - 1].entries()) {
      const file = await write(`bounds-${field}-${k}.json`, JSON.stringify({ ...valid, steps: [{ ...step, [field]: value }] }));
      const error = await inputError(loadScenario(file));
      expect(error.field, label).toBe(`steps.0.${field}`);
      expect(error.message, label).toContain(`from ${min} to ${max}`);
    }
  });

  const FAULT_FIELDS: Array<[Record<string, unknown>, string, number, number]> = [
    [{ type: 'close', service: 'deepgram.listen', afterAudioMs: 100 }, 'code', 1000, 4999],
    [{ type: 'close', service: 'deepgram.listen' }, 'afterAudioMs', 0, 600_000],
    [{ type: 'close', service: 'deepgram.speak' }, 'afterFlushes', 1, 10_000],
    [{ type: 'close', service: 'openai.realtime' }, 'afterResponses', 1, 10_000],
    [{ type: 'stall', service: 'openai.chat', ms: 10 }, 'afterTokens', 0, 100_000],
    [{ type: 'stall', service: 'openai.chat', afterTokens: 1 }, 'ms', 1, 600_000],
    [{ type: 'stall', service: 'openai.chat', afterTokens: 1, ms: 10 }, 'request', 1, 10_000],
    [{ type: 'late_audio', service: 'deepgram.speak' }, 'ms', 1, 10_000],
  ];
  it.each(FAULT_FIELDS)('states the bounds of the fault field %o . %s', async (fault, field, min, max) => {
    for (const [k, value] of [1e300, max + 1, min - 1].entries()) {
      const file = await write(`fault-bounds-${String(fault['type'])}-${field}-${k}.json`, JSON.stringify({ ...valid, faults: [{ ...fault, [field]: value }] }));
      const error = await inputError(loadScenario(file));
      expect(error.field).toBe(`faults.0.${field}`);
      expect(error.message).toContain(`from ${min} to ${max}`);
    }
    const requests = await write('fault-bounds-requests.json', JSON.stringify({ ...valid, faults: [{ type: 'http_error', service: 'openai.chat', status: 429, requests: [1e300] }] }));
    expect((await inputError(loadScenario(requests))).message).toContain('from 1 to 10000');
  });

  it('rejects a scenario with no steps', async () => {
    const file = await write('no-steps.json', JSON.stringify({ ...valid, steps: [] }));
    expect((await inputError(loadScenario(file))).field).toBe('steps');
  });
});

describe('close faults', () => {
  const closeFault = (fault: Record<string, unknown>) => JSON.stringify({ ...valid, faults: [{ type: 'close', ...fault }] });

  it('refuses one with no trigger, naming the trigger its service takes', async () => {
    for (const [service, trigger] of [
      ['deepgram.listen', 'afterAudioMs'],
      ['deepgram.speak', 'afterFlushes'],
      ['openai.realtime', 'afterResponses'],
    ] as const) {
      const file = await write(`close-no-trigger-${service}.json`, closeFault({ service }));
      const error = await inputError(loadScenario(file));
      expect(error.field).toBe(`faults.0.${trigger}`);
      expect(error.message).toContain(service);
    }
  });

  it('refuses a trigger its service never reaches, even beside the right one', async () => {
    const wrong = await write('close-wrong-trigger.json', closeFault({ service: 'deepgram.listen', afterFlushes: 1 }));
    const error = await inputError(loadScenario(wrong));
    expect(error.field).toBe('faults.0.afterFlushes');
    expect(error.message).toContain('afterAudioMs');
    const both = await write('close-two-triggers.json', closeFault({ service: 'openai.realtime', afterResponses: 1, afterAudioMs: 100 }));
    expect((await inputError(loadScenario(both))).field).toBe('faults.0.afterAudioMs');
  });

  it('takes exactly the trigger of its service', async () => {
    const file = await write('close-ok.json', closeFault({ service: 'deepgram.speak', afterFlushes: 2 }));
    await expect(loadScenario(file)).resolves.toMatchObject({ faults: [{ service: 'deepgram.speak', afterFlushes: 2 }] });
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

describe('loadFixture checks the sidecar against the audio', () => {
  /** 1.5 s of 8 kHz mu-law: silence, a loud tone from 200 to 700 ms, silence. */
  async function toneFixture(name: string, voiced: unknown, durationMs = 1500): Promise<void> {
    const pcm = Int16Array.from({ length: 12_000 }, (_, i) => (i >= 1600 && i < 5600 ? (i % 2 === 0 ? 8000 : -8000) : 0));
    await write(`${name}.wav`, writeMulawWav(encodeMulaw(pcm)));
    await write(`${name}.json`, JSON.stringify({ name, text: 'A tone.', sampleRate: 8000, durationMs, voiced }));
  }

  it('loads spans within the tolerance of what the energy VAD finds', async () => {
    await toneFixture('tone-ok', [{ startMs: 190, endMs: 730 }]);
    await expect(loadFixture(dir, 'tone-ok')).resolves.toMatchObject({ voiced: [{ startMs: 190, endMs: 730 }] });
  });

  it('refuses a span that starts after it ends', async () => {
    await toneFixture('tone-backwards', [{ startMs: 700, endMs: 200 }]);
    const error = await inputError(loadFixture(dir, 'tone-backwards'));
    expect(error.file).toBe(path.join(dir, 'tone-backwards.json'));
    expect(error.field).toBe('voiced.0.endMs');
  });

  it('refuses an end 390 ms late, naming the file, the field and what the audio says', async () => {
    await toneFixture('tone-late', [{ startMs: 200, endMs: 1090 }]);
    const error = await inputError(loadFixture(dir, 'tone-late'));
    expect(error.file).toBe(path.join(dir, 'tone-late.json'));
    expect(error.field).toBe('voiced.0.endMs');
    expect(error.message).toContain('1090');
    expect(error.message).toContain('700');
    expect(error.message).toContain('60 ms');
  });

  it('refuses a start that is off, a span the audio does not have, and a wrong duration', async () => {
    await toneFixture('tone-early', [{ startMs: 50, endMs: 700 }]);
    expect((await inputError(loadFixture(dir, 'tone-early'))).field).toBe('voiced.0.startMs');
    await toneFixture('tone-extra', [{ startMs: 200, endMs: 700 }, { startMs: 800, endMs: 900 }]);
    const extra = await inputError(loadFixture(dir, 'tone-extra'));
    expect(extra.field).toBe('voiced');
    expect(extra.message).toContain('2 voiced spans');
    await toneFixture('tone-long', [{ startMs: 200, endMs: 700 }], 2500);
    expect((await inputError(loadFixture(dir, 'tone-long'))).field).toBe('durationMs');
  });
});

describe('the committed scenarios', () => {
  it('every shipped fixture agrees with its audio', async () => {
    const names = (await readdir(FIXTURES)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
    expect(names.length).toBeGreaterThanOrEqual(9);
    for (const name of names) await expect(loadFixture(FIXTURES, name)).resolves.toMatchObject({ id: name });
  });

  it('scenario.schema.json is exactly what scripts/make-scenario-schema.ts generates from the zod schema', async () => {
    const committed: unknown = JSON.parse(await readFile(path.join(SCENARIOS, 'scenario.schema.json'), 'utf8'));
    expect(committed).toEqual(z.toJSONSchema(Scenario, { io: 'input' }));
  });

  it('every scenario file loads, and every fixture it names loads', async () => {
    const files = (await readdir(SCENARIOS)).filter((f) => f.endsWith('.json') && f !== 'scenario.schema.json' && f !== 'targets.json');
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
    const files = (await readdir(SCENARIOS)).filter((f) => f.endsWith('.json') && f !== 'scenario.schema.json' && f !== 'targets.json');
    for (const file of files) {
      const data: unknown = JSON.parse(await readFile(path.join(SCENARIOS, file), 'utf8'));
      expect(validate(data), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    expect(validate({ ...valid, steps: [{ type: 'dance' }] })).toBe(false);
    expect(validate({ ...valid, steps: [{ type: 'say', fixture: 'hours', volume: 3 }] })).toBe(false);
  });
});
