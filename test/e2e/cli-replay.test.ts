/**
 * `callbench replay CAPTURE` (and `run --scenario CAPTURE`) as a user meets it. A bad capture (a
 * missing file, a file changed after it was recorded, a newer format version) and the flags a
 * replay cannot honour are one line on stderr naming the file or flag, exit 2, before any call.
 * Then one short call recorded through the capture proxies is replayed twice with --json: the
 * usual result.json with a "replay" object, verdicts identical on both calls, and every replayed
 * upstream event timed (a figure: no bound on it here).
 */
import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../harness/clock.ts';
import { createProcessAgentTarget } from '../../harness/runner/process-agent.ts';
import { recordOneTurn } from '../integration/helpers/record-call.ts';
import { ROOT, runCli, type Exit } from './helpers/callbench.ts';

const PLANTED = 'AGENT_MODE=cascaded node test/agents/planted.mjs';
let dir: string;
let capture: string;

/** Exit 2, nothing on stdout, one stderr line holding every needle, no stack trace. */
function expectOneLine(result: Exit, ...needles: string[]): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.replace(/\n$/, '').split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  for (const needle of needles) expect(lines[0]).toContain(needle);
  expect(lines[0]).not.toMatch(/\bat .+:\d+:\d+/);
}

/** A copy of the recorded capture to spoil. */
async function copyOf(name: string): Promise<string> {
  const copy = path.join(dir, name);
  await cp(capture, copy, { recursive: true });
  return copy;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'callbench-cli-replay-'));
  capture = path.join(dir, 'capture');
  const clock = createSystemClock();
  const { call } = await recordOneTurn(createProcessAgentTarget({ command: PLANTED, cwd: ROOT, clock }), capture, clock, 'cli-replay-test-token');
  expect(call?.state).toBe('completed');
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('callbench replay: bad input is one line, exit 2', () => {
  it('a capture with a missing file names the file', async () => {
    const bad = await copyOf('missing');
    await unlink(path.join(bad, 'caller.wav'));
    expectOneLine(await runCli(['replay', bad]), path.join(bad, 'caller.wav'), 'is missing');
    expectOneLine(await runCli(['run', '--scenario', bad]), path.join(bad, 'caller.wav'), 'is missing');
  }, 60_000);

  it('a file changed after it was recorded is a sha256 mismatch naming it', async () => {
    const bad = await copyOf('changed');
    await writeFile(path.join(bad, 'upstream.jsonl'), '\n', { flag: 'a' });
    expectOneLine(await runCli(['replay', bad]), path.join(bad, 'upstream.jsonl'), 'sha256', 'does not match capture.json');
  });

  it('a newer format version is refused, naming capture.json and its version', async () => {
    const bad = await copyOf('newer');
    const file = path.join(bad, 'capture.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...manifest, version: Number(manifest['version']) + 1 }));
    expectOneLine(await runCli(['replay', bad]), file, 'version', 'newer than this callbench reads');
  });

  it('no such directory, and the flags a replay cannot honour, are named', async () => {
    expectOneLine(await runCli(['replay', path.join(dir, 'nowhere')]), 'no such capture directory');
    expectOneLine(await runCli(['replay', capture, '--profile', 'fast']), '--profile does not apply');
    expectOneLine(await runCli(['replay', capture, '--concurrency', '2']), '--concurrency 2', 'one call at a time');
    expectOneLine(await runCli(['run', '--scenario', capture, '--scenario', 'greeting']), 'capture replays alone');
  }, 90_000);
});

describe('callbench replay CAPTURE --json', () => {
  it('replays the call twice: the usual result with a replay part, identical verdicts, every replayed event timed', async () => {
    const out = path.join(dir, 'report');
    const result = await runCli(['replay', capture, '--calls', '2', '--agent-cmd', PLANTED, '--json', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as {
      replay: { capture: string; script: string; calls: number; identical: boolean; statuses: Record<string, string[]>; timing: { all: { n: number; p50: number; max: number } } };
    };
    expect(json.replay.capture).toBe(capture);
    expect(json.replay.script).toBe('capture');
    expect(json.replay.calls).toBe(2);
    expect(json.replay.identical, JSON.stringify(json.replay.statuses)).toBe(true);
    expect(json.replay.statuses['turn.answered']).toEqual(['passed', 'passed']);
    expect(json.replay.timing.all.n).toBeGreaterThan(0);
    // The report files are the usual ones, result.json holding the same replay part.
    const written = JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8')) as { replay: unknown };
    expect(written.replay).toEqual(json.replay);
  }, 60_000);
});
