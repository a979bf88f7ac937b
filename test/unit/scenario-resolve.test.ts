/**
 * A user's scenarios and fixtures where the user keeps them: a scenario name is ./scenarios of
 * the working directory first, then callbench's; a path works with or without .json; a fixture
 * is found beside its scenario file (by name in fixtures/, or by a path relative to the file),
 * then among callbench's; what is not there is one line listing what is. A stereo fixture is
 * refused rather than read from its first channel.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import wavefile from 'wavefile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMulaw, readWav, writeMulawWav } from '../../harness/audio/index.ts';
import { FIXTURES_DIR, SCENARIOS_DIR } from '../../harness/cli/paths.ts';
import { InputError } from '../../harness/scenario/errors.ts';
import { loadFixtureFiles } from '../../harness/scenario/load.ts';
import { loadPlannedScenario } from '../../harness/scenario/plan.ts';
import { resolveFixture, resolveScenario, ScenarioNotFoundError } from '../../harness/scenario/resolve.ts';

let project: string;
let dirs: { user: string; package: string };

const scenario = (name: string, fixture = 'hours') => JSON.stringify({ name, description: 'a test', steps: [{ type: 'say', fixture }, { type: 'hangup' }] });

/** 1 s of 8 kHz mu-law: silence, a tone from 200 to 700 ms, silence; and its sidecar. */
function toneFixture(name: string): { wav: Uint8Array; sidecar: string } {
  const pcm = Int16Array.from({ length: 8000 }, (_, i) => (i >= 1600 && i < 5600 ? (i % 2 === 0 ? 8000 : -8000) : 0));
  return { wav: writeMulawWav(encodeMulaw(pcm)), sidecar: JSON.stringify({ name, text: 'A tone.', sampleRate: 8000, durationMs: 1000, voiced: [{ startMs: 200, endMs: 700 }] }) };
}

async function put(file: string, content: string | Uint8Array): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

function notFound(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ScenarioNotFoundError || error instanceof InputError) {
      expect(error.message).not.toContain('\n');
      return error.message;
    }
    throw error;
  }
  throw new Error('expected it not to be found');
}

beforeAll(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'callbench-project-'));
  dirs = { user: path.join(project, 'scenarios'), package: SCENARIOS_DIR };
  await put(path.join(project, 'scenarios', 'address-bargein.json'), scenario('address-bargein', 'change-address'));
  // The user's own greeting shadows callbench's.
  await put(path.join(project, 'scenarios', 'greeting.json'), scenario('greeting'));
  await put(path.join(project, 'scenarios', 'targets.json'), JSON.stringify({ 'turn.response_ms': ['p(95)<1500'] }));
  await put(path.join(project, 'other', 'x.json'), scenario('x'));
  const tone = toneFixture('change-address');
  await put(path.join(project, 'scenarios', 'fixtures', 'change-address.wav'), tone.wav);
  await put(path.join(project, 'scenarios', 'fixtures', 'change-address.json'), tone.sidecar);
  await put(path.join(project, 'scenarios', 'audio', 'ring.wav'), tone.wav);
  await put(path.join(project, 'scenarios', 'audio', 'ring.json'), tone.sidecar);
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('resolveScenario', () => {
  it("finds a name in the working directory's ./scenarios first", () => {
    expect(resolveScenario('address-bargein', project, dirs)).toBe(path.join(project, 'scenarios', 'address-bargein.json'));
    expect(resolveScenario('greeting', project, dirs)).toBe(path.join(project, 'scenarios', 'greeting.json'));
  });

  it("falls back to callbench's own scenarios", () => {
    expect(resolveScenario('long-answer', project, dirs)).toBe(path.join(SCENARIOS_DIR, 'long-answer.json'));
  });

  it('takes a path with or without .json, relative to the working directory', () => {
    const file = path.join(project, 'scenarios', 'address-bargein.json');
    expect(resolveScenario('./scenarios/address-bargein.json', project, dirs)).toBe(file);
    expect(resolveScenario('./scenarios/address-bargein', project, dirs)).toBe(file);
    expect(resolveScenario('scenarios/address-bargein', project, dirs)).toBe(file);
    expect(resolveScenario(file, '/', dirs)).toBe(file);
    expect(resolveScenario('other/x', project, dirs)).toBe(path.join(project, 'other', 'x.json'));
  });

  it('an unknown name is one line listing the scenarios of both places (not other JSON) and the one meant', () => {
    const message = notFound(() => resolveScenario('address-bargin', project, dirs));
    expect(message).toContain('no ./scenarios/address-bargin.json');
    expect(message).toContain("did you mean 'address-bargein'?");
    expect(message).toContain('./scenarios: address-bargein, greeting;');
    expect(message).toContain("callbench's: ");
    expect(message).toContain('long-answer');
    expect(message).not.toContain('targets');
    expect(message).not.toContain('scenario.schema');
  });

  it('an unknown path, or a folder, lists the scenarios in that folder', () => {
    const message = notFound(() => resolveScenario('./scenarios/adress-bargein', project, dirs));
    expect(message).toContain('no ./scenarios/adress-bargein.json, nor ./scenarios/adress-bargein');
    expect(message).toContain("did you mean 'address-bargein'?");
    expect(message).toContain('scenarios in ./scenarios: address-bargein, greeting');
    expect(notFound(() => resolveScenario('./scenarios', project, dirs))).toContain('is a folder');
  });
});

describe('resolveFixture', () => {
  const file = (): string => path.join(project, 'scenarios', 'address-bargein.json');

  it('finds a name in fixtures/ beside the scenario file, else among callbench’s', () => {
    expect(resolveFixture('change-address', file(), FIXTURES_DIR, 'steps.0.fixture')).toEqual({
      id: 'change-address',
      wav: path.join(project, 'scenarios', 'fixtures', 'change-address.wav'),
      sidecar: path.join(project, 'scenarios', 'fixtures', 'change-address.json'),
    });
    expect(resolveFixture('hours', file(), FIXTURES_DIR, 'steps.0.fixture').wav).toBe(path.join(FIXTURES_DIR, 'hours.wav'));
  });

  it('takes a path relative to the scenario file, with or without .wav', () => {
    const wav = path.join(project, 'scenarios', 'audio', 'ring.wav');
    expect(resolveFixture('./audio/ring.wav', file(), FIXTURES_DIR, 'f')).toEqual({ id: './audio/ring.wav', wav, sidecar: path.join(project, 'scenarios', 'audio', 'ring.json') });
    expect(resolveFixture('audio/ring', file(), FIXTURES_DIR, 'f').wav).toBe(wav);
    expect(resolveFixture('../scenarios/audio/ring.wav', file(), FIXTURES_DIR, 'f').wav).toBe(wav);
  });

  it('an unknown name names the scenario file and field, and lists the fixtures of both places', () => {
    const message = notFound(() => resolveFixture('change-adress', file(), FIXTURES_DIR, 'steps.3.fixture'));
    expect(message.startsWith(`${file()}: steps.3.fixture: no fixture 'change-adress'`)).toBe(true);
    expect(message).toContain("did you mean 'change-address'?");
    expect(message).toContain('fixtures beside the scenario: change-address;');
    expect(message).toContain('hours');
  });

  it('an unknown path lists the WAV files in its folder', () => {
    const message = notFound(() => resolveFixture('./audio/rign.wav', file(), FIXTURES_DIR, 'steps.0.fixture'));
    expect(message).toContain(path.join(project, 'scenarios', 'audio', 'rign.wav'));
    expect(message).toContain("did you mean 'ring'?");
  });
});

describe('loadPlannedScenario', () => {
  it("loads a user's scenario with the user's fixture by name and by path, and callbench's by name", async () => {
    const file = await put(
      path.join(project, 'scenarios', 'mixed.json'),
      JSON.stringify({ name: 'mixed', description: 'x', steps: [{ type: 'say', fixture: 'change-address' }, { type: 'say', fixture: './audio/ring.wav' }, { type: 'say', fixture: 'hours' }] }),
    );
    const planned = await loadPlannedScenario(file, FIXTURES_DIR);
    expect([...planned.fixtures.keys()]).toEqual(['change-address', './audio/ring.wav', 'hours']);
    expect(planned.fixtures.get('./audio/ring.wav')).toMatchObject({ id: './audio/ring.wav', text: 'A tone.', voiced: [{ startMs: 200, endMs: 700 }] });
    expect(planned.fixtures.get('hours')?.text).toBe('What are your opening hours on Saturday?');
  });
});

describe('loadFixtureFiles', () => {
  it('refuses a stereo WAV, naming it and the way to make a mono fixture, rather than reading its first channel', async () => {
    const tone = toneFixture('stereo');
    const mono = readWav(tone.wav).samples;
    const wav = new wavefile.WaveFile();
    wav.fromScratch(2, 8000, '16', [new Int16Array(mono.length), mono]);
    const files = { id: 'stereo', wav: await put(path.join(project, 'st', 'stereo.wav'), wav.toBuffer()), sidecar: await put(path.join(project, 'st', 'stereo.json'), tone.sidecar) };
    const error = await loadFixtureFiles(files).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).file).toBe(files.wav);
    expect((error as InputError).message).toContain('has 2 channels');
    expect((error as InputError).message).toContain('callbench fixture add stereo.wav --channel left|right');
  });
});
