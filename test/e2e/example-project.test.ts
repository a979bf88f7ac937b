/**
 * examples/voice-agent as its team's CI runs it: a temporary copy of the example, callbench's
 * packed tarball put where its package.json expects it (vendor/callbench.tgz), then the `run`
 * steps of its own workflow (.github/workflows/voice-latency.yml), in order, in that copy: the
 * install (offline, from the npm cache `npm ci` filled, with a lockfile made from callbench's own,
 * as package-install.test.ts explains), the example's own vitest suite (its agent's upstream clients
 * against callbench/msw and callbench/mocks) and the gate. The gate passes with its report in the
 * example's ./reports and its summary in the job summary; the same gate with a threshold no agent
 * can meet exits 99 (the two gates run side by side).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, type Exit } from './helpers/callbench.ts';
import { packedCallbench } from './helpers/pack.ts';
import { projectLock, type ProjectPackage } from './helpers/seed-lock.ts';

const EXAMPLE = path.join(ROOT, 'examples', 'voice-agent');
/** What a checkout of the example holds: not what an install or a run leaves behind. */
const LEFT_OUT = new Set(['node_modules', 'reports', 'recordings', 'vendor', 'package-lock.json']);

interface WorkflowStep {
  name?: string;
  run?: string;
  uses?: string;
}

let work: string;
let project: string;
let summaryFile: string;
let steps: WorkflowStep[];

function env(): NodeJS.ProcessEnv {
  // Nothing here may reach the registry: an install that needs it fails instead.
  return { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false', GITHUB_STEP_SUMMARY: summaryFile };
}

function sh(command: string): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: project, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** vitest colours its summary when it thinks a terminal is watching; the assertions read the text. */
const stripAnsi = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '');

/**
 * The passing gate and the gate with a threshold no agent meets, started together the first time
 * either test asks: each is a few real-time calls, waiting far more than computing, so side by side
 * they take the time of one. Their reports go to folders of their own (a suffix if both start in
 * the same millisecond), and both append to the job summary.
 */
let gates: Promise<{ passing: Exit; missed: Exit }> | undefined;
function startGates(): Promise<{ passing: Exit; missed: Exit }> {
  gates ??= Promise.all([sh(step('Gate on voice latency')), sh(`${step('Gate on voice latency')} --threshold 'turn.response_ms: max<1'`)]).then(([passing, missed]) => ({ passing, missed }));
  return gates;
}

function step(name: string): string {
  const found = steps.find((s) => s.name === name);
  if (found?.run === undefined) throw new Error(`the workflow has no step '${name}' with a run command`);
  return found.run.trim();
}

beforeAll(async () => {
  const workflow = parse(await readFile(path.join(EXAMPLE, '.github', 'workflows', 'voice-latency.yml'), 'utf8')) as { jobs: Record<string, { steps: WorkflowStep[] }> };
  steps = workflow.jobs['gate']?.steps ?? [];
  work = await mkdtemp(path.join(tmpdir(), 'callbench-example-'));
  project = path.join(work, 'voice-agent');
  summaryFile = path.join(work, 'step-summary.md');
  await cp(EXAMPLE, project, { recursive: true, filter: (source) => !LEFT_OUT.has(path.relative(EXAMPLE, source).split(path.sep)[0] ?? '') });
  const { tarball } = await packedCallbench();
  const pkg = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8')) as ProjectPackage;
  expect(pkg.devDependencies?.['callbench']).toBe('file:vendor/callbench.tgz');
  await mkdir(path.join(project, 'vendor'));
  await copyFile(tarball, path.join(project, 'vendor', 'callbench.tgz'));
  await writeFile(path.join(project, 'package-lock.json'), `${JSON.stringify(projectLock(ROOT, pkg), null, 2)}\n`);
}, 240_000);
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('the example project, through its own workflow', { timeout: 180_000 }, () => {
  it('runs only its own commands: checkout and setup-node are the actions the test stands in for', () => {
    expect(steps.filter((s) => s.run === undefined).map((s) => s.uses?.split('@')[0])).toEqual(['actions/checkout', 'actions/setup-node', 'actions/upload-artifact']);
    expect(step('Unit tests')).toBe('npm test');
    expect(step('Gate on voice latency')).toMatch(/^npx callbench run .*--thresholds thresholds\.json/);
  });

  it("installs callbench from the tarball, and of the reference agent's packages only those the example asks for", async () => {
    const install = await sh(step('Install'));
    expect(install.code, install.stderr).toBe(0);
    expect(existsSync(path.join(project, 'node_modules', 'callbench', 'dist', 'harness', 'cli', 'main.js'))).toBe(true);
    // openai and @deepgram/sdk are the example's own devDependencies (its tests use them); callbench brings none.
    for (const sdk of ['openai', '@deepgram/sdk']) expect(existsSync(path.join(project, 'node_modules', sdk)), sdk).toBe(true);
    for (const sdk of ['twilio', 'tsx']) expect(existsSync(path.join(project, 'node_modules', sdk)), sdk).toBe(false);
  });

  it("runs its own vitest suite against callbench's mocks (callbench/msw and callbench/mocks): every test passes", async () => {
    const tests = await sh(step('Unit tests'));
    const out = stripAnsi(tests.stdout + tests.stderr);
    expect(tests.code, out).toBe(0);
    expect(out).toMatch(/Test Files\s+3 passed \(3\)/);
    expect(out).toMatch(/Tests\s+5 passed \(5\)/);
  });

  it('gates on its thresholds: both calls pass every check, the report lands in the example', async () => {
    const gate = (await startGates()).passing;
    expect(gate.code, gate.stderr + gate.stdout).toBe(0);
    expect(gate.stdout).toContain('Thresholds: all 2 passed.');
    const report = /^Report: (reports\/[^/\n]+-reference-agent)\/result\.json$/m.exec(gate.stdout)?.[1];
    expect(report, gate.stdout).toBeDefined();
    const dir = path.join(project, report ?? '');
    for (const file of ['result.json', 'summary.md', 'junit.xml', 'report.html']) expect(existsSync(path.join(dir, file)), file).toBe(true);

    const result = JSON.parse(await readFile(path.join(dir, 'result.json'), 'utf8')) as {
      scenarios: Record<string, { calls: number; failedCalls: number }>;
      checks: Record<string, { status: string; checked: number; failed: number }>;
      thresholds: Array<{ metric: string; expression: string; ok: boolean }>;
    };
    expect(Object.entries(result.scenarios).map(([name, s]) => [name, s.calls, s.failedCalls])).toEqual([['order-status', 1, 0], ['interrupt', 1, 0]]);
    expect(Object.entries(result.checks).filter(([, check]) => check.failed > 0)).toEqual([]);
    // What the two calls prove: each answered, the interrupt cut in and was obeyed, nothing left open.
    expect(result.checks['turn.answered']).toMatchObject({ status: 'passed', checked: 2 });
    expect(result.checks['turn.expected']).toMatchObject({ status: 'passed', checked: 2 });
    expect(result.checks['bargein.no-leak']).toMatchObject({ status: 'passed', checked: 1 });
    expect(result.checks['bargein.generation-stopped']).toMatchObject({ status: 'passed', checked: 1 });
    expect(result.checks['upstream.closed-after-hangup']).toMatchObject({ status: 'passed', checked: 2 });
    expect(result.thresholds.map((t) => [t.metric, t.expression, t.ok])).toEqual([
      ['turn.response_ms', 'p(95)<3000', true],
      ['bargein.clear_ms', 'max<800', true],
    ]);
    expect(existsSync(path.join(project, 'node_modules', 'callbench', 'reports'))).toBe(false);
    expect(await readFile(summaryFile, 'utf8')).toContain('order-status');
  });

  it('fails the job (exit 99) when a threshold is missed', async () => {
    const gate = (await startGates()).missed;
    expect(gate.code, gate.stderr).toBe(99);
    expect(gate.stdout).toMatch(/✗ turn\.response_ms max<1 \(observed /);
  });
});
