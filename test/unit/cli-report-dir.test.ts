/**
 * Where a run's report goes: ./reports/<time>-<profile>-<agent> of the working directory, named
 * by what ran and safe on every filesystem, never over another run's; --out DIR as given, and a
 * file there refused before the run.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentLabel, checkOutDir, makeReportDir, runId, safePart } from '../../harness/cli/report-dir.ts';
import { UsageError } from '../../harness/cli/usage-error.ts';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'callbench-reports-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('the run id', () => {
  it('says when, which profile and which agent, in characters every filesystem takes', () => {
    expect(runId('2026-12-01T20:09:28.705Z', 'instant', 'reference')).toBe('2026-12-01T20-09-28-705Z-instant-reference');
    expect(runId('2026-12-01T20:09:28.705Z', 'twilio-2025', agentLabel({ cmd: 'node ./agents/My Bot.mjs --port $PORT' }))).toBe('2026-12-01T20-09-28-705Z-twilio-2025-my');
    for (const id of [runId('2026-12-01T20:09:28.705Z', 'a/b', 'x')]) expect(id).toMatch(/^[A-Za-z0-9.-]+$/);
  });

  it('names the agent: the reference design, the script an --agent-cmd runs, the host of an --agent-url', () => {
    expect(agentLabel({})).toBe('reference');
    expect(agentLabel({ mode: 'realtime' })).toBe('reference-realtime');
    expect(agentLabel({ preset: 'seed-fixed' })).toBe('seed-fixed');
    expect(agentLabel({ cmd: 'node test/agents/cascaded-raw.mjs' })).toBe('cascaded-raw');
    expect(agentLabel({ cmd: 'python3 -m uvicorn app:main' })).toBe('uvicorn');
    expect(agentLabel({ cmd: 'PORT=1 ./run-agent.sh' })).toBe('run-agent');
    expect(agentLabel({ cmd: 'npx tsx src/agent.ts' })).toBe('agent');
    expect(agentLabel({ url: 'http://127.0.0.1:3000/incoming-call' })).toBe('url-127.0.0.1-3000');
  });

  it('keeps a part short and never empty', () => {
    expect(safePart('A'.repeat(100)).length).toBeLessThanOrEqual(40);
    expect(safePart('***')).toBe('agent');
    expect(safePart('C:\\agents\\bot')).toBe('c-agents-bot');
  });
});

describe('the report folder', () => {
  it('is a new ./reports/<run-id> under the working directory, with a suffix rather than another run’s folder', async () => {
    const first = await makeReportDir(undefined, cwd, 'same-id');
    const second = await makeReportDir(undefined, cwd, 'same-id');
    expect(first).toBe(path.join(cwd, 'reports', 'same-id'));
    expect(second).toBe(path.join(cwd, 'reports', 'same-id-2'));
    expect((await readdir(path.join(cwd, 'reports'))).sort()).toEqual(['same-id', 'same-id-2']);
  });

  it('is --out DIR itself, made when missing, and a file there is refused before the run', async () => {
    expect(await checkOutDir('out/run-1', cwd)).toBe(path.join(cwd, 'out', 'run-1'));
    expect(await makeReportDir(path.join(cwd, 'out', 'run-1'), cwd, 'ignored')).toBe(path.join(cwd, 'out', 'run-1'));
    expect(await checkOutDir(undefined, cwd)).toBeUndefined();
    await writeFile(path.join(cwd, 'a-file'), 'x');
    await expect(checkOutDir('a-file', cwd)).rejects.toThrow(new UsageError('--out a-file: is a file; expects a folder for the report (created when missing)'));
    await expect(checkOutDir('a-file/below', cwd)).rejects.toThrow(/^--out a-file\/below: cannot be (created|read) \(ENOTDIR\)/);
    await mkdir(path.join(cwd, 'ok'));
    expect(await checkOutDir('ok', cwd)).toBe(path.join(cwd, 'ok'));
  });
});
