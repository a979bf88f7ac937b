/**
 * `callbench run` and its report files as a user meets them: a bad --targets file is one line,
 * exit 2, before any call; a short real run (greeting, instant profile) with a target it cannot
 * meet shows ✗ in the target column, exits 0 (targets are informational), names the other report
 * files, writes them beside result.json (whose `targets` array holds the verdict) and appends
 * summary.md to $GITHUB_STEP_SUMMARY; with --targets-gate the same target is a threshold: exit 99.
 * The reports the runs write are removed afterwards.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, type Exit } from './helpers/callbench.ts';

const RUN = ['run', '--scenario', 'greeting', '--profile', 'instant'];
const reports: string[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'callbench-reports-'));
});
afterAll(async () => {
  for (const report of reports) await rm(report, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

/** The report folder a run names on its `Report:` line. */
function reportDir(result: Exit): string {
  const line = /^Report: (.+)$/m.exec(`${result.stdout}\n${result.stderr}`)?.[1];
  if (line === undefined) throw new Error(`no Report: line in\n${result.stdout}\n${result.stderr}`);
  const folder = path.dirname(path.resolve(ROOT, line));
  reports.push(folder);
  return folder;
}

describe('callbench run reports', { timeout: 90_000 }, () => {
  it('--targets FILE that is not a thresholds file: one line naming the file and field, exit 2', async () => {
    const file = path.join(dir, 'bad-targets.json');
    await writeFile(file, JSON.stringify({ 'turn.response_ms': ['avg<100'] }));
    const result = await runCli([...RUN, '--targets', file]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^callbench: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: turn\\.response_ms\\[0\\]: avg is not allowed[^\\n]*\\n$`));
  });

  it('a missed target: ✗ in the table, exit 0, every report file written, the step summary appended; --targets-gate: exit 99', async () => {
    const targets = path.join(dir, 'targets.json');
    await writeFile(targets, JSON.stringify({ 'greeting.first_audio_ms': ['p(50)<=0.001'] }));
    const stepSummary = path.join(dir, 'step-summary.md');
    await writeFile(stepSummary, '');

    const informational = await runCli([...RUN, '--targets', targets], { ...process.env, GITHUB_STEP_SUMMARY: stepSummary });
    expect(informational.code, informational.stderr).toBe(0);
    expect(informational.stdout).toMatch(/^ {10}n .* {2}target$/m);
    expect(informational.stdout).toMatch(/^greeting .* {2}✗ p\(50\)<=0\.001$/m);
    expect(informational.stdout).toMatch(/^Also: report\.html, summary\.md, junit\.xml, histograms\.hlog, calls\/<n>\/ for 1 call\(s\); summary\.md appended to \$GITHUB_STEP_SUMMARY$/m);
    const folder = reportDir(informational);
    for (const file of ['result.json', 'report.html', 'summary.md', 'junit.xml', 'histograms.hlog', 'calls/1/timeline.json']) {
      expect((await stat(path.join(folder, file))).size, file).toBeGreaterThan(0);
    }
    const result = JSON.parse(await readFile(path.join(folder, 'result.json'), 'utf8')) as { targets: Array<{ metric: string; scenario?: string; ok: boolean }>; thresholds: unknown[] };
    expect(result.thresholds).toEqual([]);
    expect(result.targets.map((t) => [t.metric, t.scenario ?? 'all', t.ok])).toEqual([
      ['greeting.first_audio_ms', 'all', false],
      ['greeting.first_audio_ms', 'greeting', false],
    ]);
    const summary = await readFile(path.join(folder, 'summary.md'), 'utf8');
    expect(await readFile(stepSummary, 'utf8')).toBe(`${summary}\n`);
    expect(summary).toContain('## Targets: 1 of 1 missed');

    const gated = await runCli([...RUN, '--targets', targets, '--targets-gate']);
    const gatedResult = JSON.parse(await readFile(path.join(reportDir(gated), 'result.json'), 'utf8')) as { thresholds: Array<{ metric: string; expression: string; ok: boolean }> };
    expect(gated.code, gated.stderr).toBe(99);
    expect(gated.stdout).toMatch(/^Thresholds: 1 of 1 failed\.\n {2}✗ greeting\.first_audio_ms p\(50\)<=0\.001 \(observed [\d.]+\)$/m);
    expect(gatedResult.thresholds).toEqual([expect.objectContaining({ metric: 'greeting.first_audio_ms', expression: 'p(50)<=0.001', ok: false })]);
  });
});
