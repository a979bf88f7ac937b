/**
 * callbench run from a user's repository (the working directory is theirs, not callbench's):
 * `--scenario NAME` finds ./scenarios/NAME.json, its fixture (made from the user's own stereo
 * WAV by `callbench fixture add`) is found beside it, and the report lands in ./reports/<run-id>/
 * of that directory, named by what ran, its path on stderr under --json. One short call, on the
 * instant profile, against the in-process reference agent.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import wavefile from 'wavefile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav, resample } from '../../harness/audio/index.ts';
import { ROOT, type Exit } from './helpers/callbench.ts';

let project: string;

/** `node <callbench>/bin/callbench.js …` with the project as its working directory. */
function callbench(...args: string[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'callbench.js'), ...args], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'callbench-user-repo-'));
  // The user's recording: 48 kHz stereo, the caller on the left, the right channel silent.
  const voice = resample(readWav(await readFile(path.join(ROOT, 'fixtures', 'utterances', 'ok.wav'))), 48000).samples;
  const wav = new wavefile.WaveFile();
  wav.fromScratch(2, 48000, '16', [voice, new Int16Array(voice.length)]);
  await writeFile(path.join(project, 'okay.wav'), wav.toBuffer());
  await mkdir(path.join(project, 'scenarios'));
  await writeFile(
    path.join(project, 'scenarios', 'address-bargein.json'),
    JSON.stringify({
      name: 'address-bargein',
      description: 'The caller says OK in their own voice.',
      steps: [{ type: 'wait_for_agent', quietMs: 800, timeoutMs: 15000 }, { type: 'say', fixture: 'my-okay', reply: 'Great.' }, { type: 'wait_for_agent' }, { type: 'hangup' }],
    }),
  );
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('callbench in the user’s repository', { timeout: 120_000 }, () => {
  it('fixture add, then run --scenario NAME --json: ./scenarios and the fixture beside it are found, the report is in ./reports', async () => {
    const added = await callbench('fixture', 'add', 'okay.wav', '--channel', 'left', '--name', 'my-okay', '--text', 'OK.');
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('./scenarios/fixtures/my-okay.wav: ');
    expect(added.stdout).toContain('(from 48 kHz stereo 16-bit PCM, left channel)');

    const result = await callbench('run', '--scenario', 'address-bargein', '--profile', 'instant', '--json');
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { startedAt: string; scenarios: Record<string, { failedCalls: number }> };
    expect(summary.scenarios['address-bargein']?.failedCalls).toBe(0);
    const id = `${summary.startedAt.replace(/[:.]/g, '-')}-instant-reference`;
    const report = path.join('reports', id, 'result.json');
    expect(result.stderr.split('\n')).toContain(`Report: ${report}`);
    expect(JSON.parse(await readFile(path.join(project, report), 'utf8'))).toMatchObject({ startedAt: summary.startedAt });
    expect(existsSync(path.join(ROOT, 'reports', id))).toBe(false);
  });

  it('run --out onto a file is refused before any call, in one line', async () => {
    await writeFile(path.join(project, 'not-a-folder'), 'x');
    const result = await callbench('run', '--scenario', 'address-bargein', '--profile', 'instant', '--out', 'not-a-folder');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("callbench: --out not-a-folder: is a file; expects a folder for the report (created when missing). See 'callbench --help'.\n");
  });
});
