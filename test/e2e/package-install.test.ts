/**
 * callbench as a team gets it: `npm pack`, the tarball installed into a scratch project (offline,
 * from the npm cache `npm ci` filled), and used there with `npx`: `--version`; the package's
 * entry points; `fixture add` on the project's own WAV; a run of the project's own scenario,
 * first without the reference agent's SDKs (one line naming them), then with them, its report in
 * the project's ./reports. The tarball holds the build, not the sources, and installs neither
 * tsx nor the SDKs.
 *
 * npm 11 resolves a dependency new to a project from the full registry document, which `npm ci`
 * never fetched (it caches the abbreviated ones and the tarballs): `npm install --offline
 * <tarball>` into an empty project fails with ENOTCACHED. The project is therefore given a
 * lockfile made from callbench's own (helpers/seed-lock.ts); npm then needs only the tarballs.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import wavefile from 'wavefile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav, resample } from '../../harness/audio/index.ts';
import { ROOT, type Exit } from './helpers/callbench.ts';
import { packedCallbench, type PackInfo } from './helpers/pack.ts';
import { scratchProject } from './helpers/seed-lock.ts';

const SDKS = ['openai', '@deepgram/sdk', 'twilio'];
// Nothing here may reach the registry: an install that needs it fails instead.
const ENV = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

let work: string;
let project: string;
let tarball: string;
let packed: PackInfo;
const version = (): Promise<string> => readFile(path.join(ROOT, 'package.json'), 'utf8').then((text) => (JSON.parse(text) as { version: string }).version);

function run(command: string, args: readonly string[], cwd: string): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(command: string, args: readonly string[], cwd: string): Promise<Exit> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result;
}

async function writeProject(extra: readonly string[]): Promise<void> {
  const { packageJson, lock } = scratchProject(ROOT, tarball, extra);
  await writeFile(path.join(project, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
  await writeFile(path.join(project, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'callbench-package-'));
  project = path.join(work, 'project');
  await mkdir(path.join(project, 'scenarios'), { recursive: true });
  // The build is what ships: rebuilt when a source is newer, packed once for every test file that installs it.
  ({ tarball, info: packed } = await packedCallbench());
}, 240_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the npm package', { timeout: 180_000 }, () => {
  it('holds the build, the scenarios, the fixtures, README and LICENSE, and no sources or tests', () => {
    const files = packed.files.map((f) => f.path);
    for (const file of ['package.json', 'README.md', 'LICENSE', 'bin/callbench.js', 'dist/harness/cli/main.js', 'dist/harness/api/index.js', 'dist/harness/api/index.d.ts', 'dist/harness/api/mocks.d.ts', 'dist/harness/api/scenario.d.ts', 'scenarios/greeting.json', 'fixtures/utterances/hours.wav']) {
      expect(files, file).toContain(file);
    }
    expect(files.filter((f) => /^(harness|agent|test|scripts|bench|scratch|reports|node_modules)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
    expect(packed.entryCount).toBe(files.length);
  });

  it('installs offline into a project without tsx, esbuild or the SDKs, and runs there from its build', async () => {
    await writeProject([]);
    await ok('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], project);
    const installed = await readdir(path.join(project, 'node_modules'));
    for (const name of ['tsx', 'esbuild', 'openai', 'twilio']) expect(installed.includes(name), name).toBe(false);
    expect(existsSync(path.join(project, 'node_modules', '@deepgram', 'sdk'))).toBe(false);
    expect((await readdir(path.join(project, 'node_modules', '.bin'))).filter((bin) => ['tsx', 'esbuild', 'callbench'].includes(bin))).toEqual(['callbench']);

    const result = await ok('npx', ['callbench', '--version'], project);
    expect(result.stdout).toBe(`${await version()}\n`);
  });

  it('exports callbench, callbench/mocks and callbench/scenario; callbench/msw needs the optional peer msw, which a project without it lacks', async () => {
    const script = [
      "const [main, mocks, scenario] = await Promise.all([import('callbench'), import('callbench/mocks'), import('callbench/scenario')]);",
      "let msw = 'exported';",
      "try { await import('callbench/msw'); } catch (error) { msw = `${error.code}: ${/'msw'/.test(error.message) ? 'msw' : error.message}`; }",
      'console.log(JSON.stringify({ startRun: typeof main.startRun, summarize: typeof main.summarize, startMocks: typeof mocks.startMocks, loadScenario: typeof scenario.loadScenario, msw }));',
    ].join('\n');
    const result = await ok(process.execPath, ['--input-type=module', '-e', script], project);
    expect(JSON.parse(result.stdout)).toEqual({ startRun: 'function', summarize: 'function', startMocks: 'function', loadScenario: 'function', msw: 'ERR_MODULE_NOT_FOUND: msw' });
  });

  it("fixture add makes the project's WAV a fixture; run says which SDKs the reference agent needs, then runs with them", async () => {
    // The project's recording: 16 kHz stereo, the caller on the right.
    const voice = resample(readWav(await readFile(path.join(ROOT, 'fixtures', 'utterances', 'hours.wav'))), 16000).samples;
    const wav = new wavefile.WaveFile();
    wav.fromScratch(2, 16000, '16', [new Int16Array(voice.length), voice]);
    await writeFile(path.join(project, 'caller.wav'), wav.toBuffer());
    const added = await ok('npx', ['callbench', 'fixture', 'add', 'caller.wav', '--channel', 'right', '--name', 'mine-hours', '--text', 'What are your opening hours on Saturday?'], project);
    expect(added.stdout).toContain('./scenarios/fixtures/mine-hours.wav: ');
    await writeFile(
      path.join(project, 'scenarios', 'mine.json'),
      JSON.stringify({
        name: 'mine',
        description: 'The caller asks in their own recording.',
        steps: [{ type: 'wait_for_agent', quietMs: 800, timeoutMs: 15000 }, { type: 'say', fixture: 'mine-hours', reply: 'We open at nine.' }, { type: 'wait_for_agent' }, { type: 'hangup' }],
      }),
    );
    const args = ['callbench', 'run', '--scenario', './scenarios/mine.json', '--profile', 'instant'];

    const without = await run('npx', args, project);
    expect(without.code, without.stderr).toBe(2);
    expect(without.stdout).toBe('');
    const lines = without.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^callbench: the reference agent needs openai, @deepgram\/sdk and twilio, which are not installed: npm install --save-dev openai@\d+\.\d+\.\d+ @deepgram\/sdk@\d+\.\d+\.\d+ twilio@\d+\.\d+\.\d+ /);

    await writeProject(SDKS);
    await ok('npm', ['install', '--offline', '--no-audit', '--no-fund'], project);
    const result = await run('npx', args, project);
    expect(result.code, result.stderr).toBe(0);
    const report = /^Report: (reports\/[^/]+-instant-reference\/result\.json)$/m.exec(result.stdout)?.[1];
    expect(report, result.stdout).toBeDefined();
    const summary = JSON.parse(await readFile(path.join(project, report ?? ''), 'utf8')) as { scenarios: Record<string, { failedCalls: number }> };
    expect(summary.scenarios['mine']?.failedCalls).toBe(0);
    expect(existsSync(path.join(project, 'node_modules', 'callbench', 'reports'))).toBe(false);
  });
});
