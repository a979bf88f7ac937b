/**
 * `callbench run` on a run that cannot be trusted, forced without depending on how loaded the
 * machine is: CALLBENCH_TRUST_BOUNDS lowers every bound to 0 ms, so any lateness at all (every
 * real run has some) is beyond it. Without --strict the run warns (the JSON `warnings` array, the
 * WARNING block after the tables) and its exit code is unchanged; with --strict it exits 3. No test
 * here says whether a run with the default bounds is late. A bad override is one line, exit 2.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers/callbench.ts';
import { reportDirsOf } from './helpers/report-dirs.ts';

const RUN = ['run', '--scenario', 'greeting', '--profile', 'instant'];
const ZERO = { ...process.env, CALLBENCH_TRUST_BOUNDS: 'pacing.p99=0,pacing.max=0,event_loop.p99=0,event_loop.max=0' };
const CODES = ['pacing.late', 'event_loop.delayed'];

const reports: string[] = [];
afterAll(async () => {
  for (const dir of reports) await rm(dir, { recursive: true, force: true });
});
function keepReport(stdout: string): void {
  const json = /"startedAt":"([^"]+)".*"profile":"([^"]+)"/.exec(stdout);
  const text = /^Report: (.+)$/m.exec(stdout)?.[1];
  if (text !== undefined) reports.push(path.dirname(path.join(ROOT, text)));
  else if (json?.[1] !== undefined) reports.push(...reportDirsOf(ROOT, json[1], json[2] ?? ''));
}

// Separate processes with report folders of their own: side by side, they take the time of one.
describe.concurrent('callbench run --strict', { timeout: 60_000 }, () => {
  it('without --strict: the warnings are in the JSON and after the tables, and the exit code is unchanged', async () => {
    const result = await runCli([...RUN, '--threshold', 'greeting.first_audio_ms: p(50)<60000'], ZERO);
    keepReport(result.stdout);
    expect(result.code, result.stderr).toBe(0);
    const warnings = /^WARNING: this run cannot be trusted \((\d) warning\(s\); --strict makes this a failure, exit 3\):$/m.exec(result.stdout);
    expect(warnings, result.stdout).not.toBeNull();
    // The block comes after the tables, the checks and the thresholds, before the report's path.
    const at = result.stdout.indexOf('WARNING: this run cannot be trusted');
    expect(at).toBeGreaterThan(result.stdout.indexOf('Thresholds: '));
    expect(at).toBeLessThan(result.stdout.indexOf('\nReport: '));
    const lines = result.stdout.split('\n').filter((line) => line.startsWith('  ! '));
    expect(lines.length).toBe(Number(warnings?.[1]));
    for (const line of lines) expect(CODES).toContain(/^ {2}! ([a-z_.]+): /.exec(line)?.[1]);
  });

  it('with --strict: a run whose thresholds pass exits 3, says why on stderr, and its JSON holds the warnings', async () => {
    const result = await runCli([...RUN, '--json', '--strict', '--threshold', 'greeting.first_audio_ms: p(50)<60000'], ZERO);
    keepReport(result.stdout);
    expect(result.code, result.stderr).toBe(3);
    const summary = JSON.parse(result.stdout) as {
      warnings: Array<{ code: string; message: string }>;
      thresholds: Array<{ ok: boolean }>;
      eventLoop: { resolutionMs: number; samples: number } | null;
      scenarios: Record<string, { failedCalls: number }>;
    };
    expect(summary.thresholds.map((t) => t.ok)).toEqual([true]);
    expect(summary.scenarios['greeting']?.failedCalls).toBe(0);
    expect(summary.eventLoop).toMatchObject({ resolutionMs: 10 });
    expect(summary.warnings.length).toBeGreaterThan(0);
    for (const w of summary.warnings) {
      expect(CODES).toContain(w.code);
      expect(w.message).toMatch(/\(bound 0 ms\)/);
    }
    expect(result.stderr).toContain('WARNING: this run cannot be trusted');
    expect(result.stderr).toContain(`callbench: --strict: this run cannot be trusted (${summary.warnings.map((w) => w.code).join(', ')}); exit 3`);
  });

  it('a bad CALLBENCH_TRUST_BOUNDS is one line naming it, exit 2, before any call', async () => {
    const result = await runCli(RUN, { ...process.env, CALLBENCH_TRUST_BOUNDS: 'pacing.p95=5' });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      "callbench: CALLBENCH_TRUST_BOUNDS='pacing.p95=5': unknown bound 'pacing.p95'; expected pacing.p99, pacing.max, event_loop.p99, event_loop.max. See 'callbench --help'.\n",
    );
  });
});
