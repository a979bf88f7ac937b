/**
 * `callbench run --threshold/--thresholds` as a user meets it: a bad threshold (flag or file)
 * exits 2 with one stderr line naming the flag or the file and field, before any call; a real
 * short run (greeting, instant profile) exits 0 when its thresholds hold, and 99 with a ✗ line
 * when one fails, and both runs' JSON carry the `thresholds` array; a run whose call failed exits
 * 3 even though a threshold failed too. Each real run takes a few seconds; the reports they write
 * are removed afterwards.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, type Exit } from './helpers/callbench.ts';
import { reportDirsOf } from './helpers/report-dirs.ts';


const callbench = (...args: string[]): Promise<Exit> => runCli(args);

/** Exit code 2, nothing on stdout, exactly this one line on stderr. */
function expectInputError(result: Exit, line: string): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toBe(`${line}\n`);
}

const RUN = ['run', '--scenario', 'greeting', '--profile', 'instant'];

describe('callbench run with a bad threshold', { timeout: 60_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'callbench-thresholds-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--threshold with avg: names the flag and says why', async () => {
    expectInputError(
      await callbench(...RUN, '--threshold', 'turn.response_ms: avg<1500'),
      "callbench: --threshold 'turn.response_ms: avg<1500': avg is not allowed: callbench never gates on a lone mean, which hides how slow the slow calls are (19 replies of 500 ms and one of 5 s average 725 ms); use med or p(N), e.g. p(95)<1500. See 'callbench --help'.",
    );
  });

  it('--threshold on a scenario the run does not play', async () => {
    expectInputError(
      await callbench(...RUN, '--threshold', 'turn.response_ms{scenario:barge-in-mid-sentence}: p(95)<1500'),
      "callbench: --threshold 'turn.response_ms{scenario:barge-in-mid-sentence}: p(95)<1500': unknown scenario 'barge-in-mid-sentence' in {scenario:barge-in-mid-sentence}; this run plays greeting. See 'callbench --help'.",
    );
  });

  it('--thresholds FILE that is not JSON', async () => {
    const file = path.join(dir, 'not-json.json');
    await writeFile(file, '{ "turn.response_ms": ');
    expectInputError(
      await callbench(...RUN, '--thresholds', file),
      `callbench: ${file}: is not valid JSON: line 1, column 23: expected a value (an object, array, string, number, true, false or null), found the end of the file`,
    );
  });

  it('--thresholds FILE of the wrong shape, and with an unknown metric: names the field', async () => {
    const shape = path.join(dir, 'shape.json');
    await writeFile(shape, JSON.stringify({ 'turn.response_ms': 'p(95)<1500' }));
    expectInputError(await callbench(...RUN, '--thresholds', shape), `callbench: ${shape}: turn.response_ms: expected an array of threshold expressions such as ["p(95)<1500"], got a string`);
    const unknown = path.join(dir, 'unknown.json');
    await writeFile(unknown, JSON.stringify({ 'turn.response_ms': ['p(95)<1500'], http_req_duration: ['p(95)<500'] }));
    const result = await callbench(...RUN, '--thresholds', unknown);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr.startsWith(`callbench: ${unknown}: http_req_duration: unknown metric 'http_req_duration'; expected one of greeting.first_audio_ms, `)).toBe(true);
  });
});

// The three runs are separate processes with report folders of their own: side by side, they take the time of one.
describe.concurrent('callbench run with thresholds, one greeting call', { timeout: 60_000 }, () => {
  const cleanup: string[] = [];
  afterAll(async () => {
    for (const entry of cleanup) await rm(entry, { recursive: true, force: true });
  });

  it('exits 0 when every threshold holds, and --json carries them', async () => {
    const result = await callbench(...RUN, '--json', '--threshold', 'greeting.first_audio_ms: p(50)<5000', '--threshold', 'greeting.first_audio_ms{scenario:greeting}: count>=1');
    const summary = JSON.parse(result.stdout) as { startedAt: string; thresholds: unknown[]; metrics: Record<string, { p50: number }> };
    cleanup.push(...reportDirsOf(ROOT, summary.startedAt, 'instant'));
    expect(result.code, result.stderr).toBe(0);
    const p50 = summary.metrics['greeting.first_audio_ms']?.p50;
    expect(summary.thresholds).toEqual([
      { metric: 'greeting.first_audio_ms', expression: 'p(50)<5000', observed: p50, ok: true, samples: 1 },
      { metric: 'greeting.first_audio_ms', scenario: 'greeting', expression: 'count>=1', observed: 1, ok: true, samples: 1 },
    ]);
  });

  it('exits 99 with a ✗ line when one fails, and result.json records it', async () => {
    const result = await callbench(...RUN, '--threshold', 'greeting.first_audio_ms: p(50)<5000', '--threshold', 'greeting.first_audio_ms: max<0.001');
    const report = /^Report: (.+)$/m.exec(result.stdout)?.[1];
    if (report !== undefined) cleanup.push(path.dirname(path.join(ROOT, report)));
    expect(result.code, result.stderr).toBe(99);
    expect(result.stdout).toContain('\nThresholds: 1 of 2 failed.\n');
    expect(result.stdout).toMatch(/^ {2}✓ greeting\.first_audio_ms p\(50\)<5000 \(observed \d+(\.\d+)?\)$/m);
    expect(result.stdout).toMatch(/^ {2}✗ greeting\.first_audio_ms max<0\.001 \(observed \d+(\.\d+)?\)$/m);
    expect(report).toBeDefined();
    const saved = JSON.parse(await readFile(path.join(ROOT, report ?? ''), 'utf8')) as { thresholds: Array<{ expression: string; ok: boolean }> };
    expect(saved.thresholds.map((t) => [t.expression, t.ok])).toEqual([
      ['p(50)<5000', true],
      ['max<0.001', false],
    ]);
  });

  it('exits 3, not 99, when a call failed too: conformance wins', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'callbench-thresholds-'));
    cleanup.push(dir);
    // The greeting plays (a first-audio sample), then the call fails: 120 s of agent audio never come within 1 s.
    const scenario = path.join(dir, 'short-of-audio.json');
    await writeFile(
      scenario,
      JSON.stringify({ name: 'short-of-audio', description: 'fails after the greeting', steps: [{ type: 'wait_for_agent_audio', playedMs: 120_000, timeoutMs: 1000 }, { type: 'hangup' }] }),
    );
    const result = await callbench('run', '--scenario', scenario, '--profile', 'instant', '--threshold', 'greeting.first_audio_ms: max<0.001');
    const report = /^Report: (.+)$/m.exec(result.stdout)?.[1];
    if (report !== undefined) cleanup.push(path.dirname(path.join(ROOT, report)));
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toContain('short-of-audio: 1 of 1 calls failed');
    expect(result.stdout).toMatch(/^ {2}✗ greeting\.first_audio_ms max<0\.001 \(observed \d+(\.\d+)?\)$/m);
  });
});
