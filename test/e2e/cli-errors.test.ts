/**
 * The callbench command line as a user meets it: help exits 0 and lists the flags; a bad flag, a
 * bad value, an unknown command or a malformed scenario file exits 2 with exactly one line on
 * stderr that names the culprit, and no stack trace. Nothing here starts a run. Each spawn
 * compiles the CLI through tsx (seconds on a busy machine), so the tests run one at a time.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type Exit } from './helpers/callbench.ts';


const callbench = (...args: string[]): Promise<Exit> => runCli(args);

/** Exit code 2, nothing on stdout, one stderr line containing every `needle`, no stack trace. */
function expectUsageError(result: Exit, ...needles: string[]): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.replace(/\n$/, '').split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  const line = lines[0] ?? '';
  expect(line.startsWith('callbench: ')).toBe(true);
  for (const needle of needles) expect(line).toContain(needle);
  expect(line).not.toMatch(/\bat .+:\d+:\d+/);
  expect(line).not.toContain('internal error');
}

const RUN_FLAGS = [
  '--scenario',
  '--profile',
  '--seed',
  '--json',
  '--strict',
  '--calls',
  '--concurrency',
  '--duration',
  '--arrival-rate',
  '--max-calls-in-flight',
  '--warmup',
  '--agent-cmd',
  '--agent-url',
  '--upstream',
  '--mock-port',
  '--auth-token',
  '--agent-mode',
  '--realtime-model',
  '--voice',
  '--vad-silence-ms',
  '--preset',
  '--text',
  '--tts',
  '--rest-body',
  '--playout',
  '--barge-in',
  '--webhook-path',
  '--agent-cwd',
  '--threshold',
  '--thresholds',
  '--help',
];

describe('callbench help', { timeout: 60_000 }, () => {
  it('--help exits 0 and lists the commands', async () => {
    const result = await callbench('--help');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.startsWith('Usage: callbench <command> [options]')).toBe(true);
    for (const command of ['run', 'mocks', 'calibrate', 'help']) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it('run --help exits 0 and lists every flag of a run', async () => {
    const result = await callbench('run', '--help');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.startsWith('Usage: callbench run [options]')).toBe(true);
    for (const flag of RUN_FLAGS) expect(result.stdout).toMatch(new RegExp(`^\\s+(-h, )?${flag}\\b`, 'm'));
    expect(result.stdout).toContain('reference');
  });

  it('help run prints the same text as run --help', async () => {
    const [a, b] = await Promise.all([callbench('help', 'run'), callbench('run', '--help')]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });
});

describe('callbench usage errors', { timeout: 60_000 }, () => {
  it('run --calls 0', async () => {
    expectUsageError(await callbench('run', '--calls', '0'), '--calls', "'0'");
  });

  it('run --calls x', async () => {
    expectUsageError(await callbench('run', '--calls', 'x'), '--calls', "'x'");
  });

  it('run --profile nope names the flag, the value and the profiles there are', async () => {
    expectUsageError(await callbench('run', '--profile', 'nope'), '--profile', "'nope'", 'reference');
  });

  it('run --bogus', async () => {
    expectUsageError(await callbench('run', '--bogus'), '--bogus');
  });

  it('frobnicate (an unknown command)', async () => {
    expectUsageError(await callbench('frobnicate'), "'frobnicate'");
  });

  it('run --agent-mode speech names the flag, the value and the modes', async () => {
    expectUsageError(await callbench('run', '--agent-mode', 'speech'), '--agent-mode', "'speech'", 'cascaded, realtime');
  });

  it('a negative value, for every command, is one line naming the flag (not parseArgs text)', async () => {
    expectUsageError(await callbench('run', '--calls', '-1'), '--calls', "'-1'", 'whole number');
    expectUsageError(await callbench('mocks', '--seed', '-1'), '--seed', "'-1'");
    expectUsageError(await callbench('calibrate', '--concurrency', '-1'), '--concurrency', "'-1'");
    expectUsageError(await callbench('agent', '--port', '-1'), '--port', "'-1'");
  });

  it('a flag given twice names the flag', async () => {
    expectUsageError(await callbench('run', '--tts', 'ws', '--tts', 'rest'), '--tts is given twice');
  });

  it('a cascaded knob with --agent-mode realtime, and a Realtime setting without it', async () => {
    expectUsageError(await callbench('run', '--agent-mode', 'realtime', '--preset', 'seed-fixed'), '--preset', 'cascaded only');
    expectUsageError(await callbench('agent', '--voice', 'cedar'), '--voice', 'realtime only');
  });
});

describe('callbench run --scenario with a bad file', { timeout: 60_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'callbench-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the file and the field of an unknown step type', async () => {
    const file = path.join(dir, 'bad-step.json');
    await writeFile(file, JSON.stringify({ name: 'bad-step', description: 'x', steps: [{ type: 'hangup' }, { type: 'dance' }] }));
    expectUsageError(await callbench('run', '--scenario', file), file, 'steps.1.type');
  });

  it('names the file and the field of a missing field', async () => {
    const file = path.join(dir, 'no-description.json');
    await writeFile(file, JSON.stringify({ name: 'no-description', steps: [{ type: 'hangup' }] }));
    expectUsageError(await callbench('run', '--scenario', file), file, 'description');
  });

  it('names a file that is not JSON', async () => {
    const file = path.join(dir, 'not-json.json');
    await writeFile(file, '{ "name": ');
    expectUsageError(await callbench('run', '--scenario', file), file, 'not valid JSON');
  });

  it('a // comment: one line naming the file, the line and column, and what JSON expects', async () => {
    const file = path.join(dir, 'commented.json');
    await writeFile(file, '// a scenario\n{\n  "name": "commented"\n}\n');
    expectUsageError(await callbench('run', '--scenario', file), file, 'not valid JSON', 'line 1, column 1', 'comment');
  });

  it('names the fixture file a valid scenario points to that does not exist', async () => {
    const file = path.join(dir, 'missing-fixture.json');
    await writeFile(file, JSON.stringify({ name: 'missing-fixture', description: 'x', steps: [{ type: 'say', fixture: 'no-such-fixture' }] }));
    expectUsageError(await callbench('run', '--scenario', file), path.join('fixtures', 'utterances', 'no-such-fixture.json'));
  });
});
