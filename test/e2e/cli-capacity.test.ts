/**
 * `callbench capacity` as a user meets it, on tiny ramps of short calls (levels 1 and 2, one or
 * two calls per caller, no warm-up) so that the whole file takes seconds. Behaviour only, never
 * timing: where a verdict must not depend on how loaded the machine is, the bounds make it
 * certain. Every bound out of reach: each step holds and the verdict says the limit is above the
 * ramp. An agent that holds one call at a time (test/e2e/fixtures/one-call-agent.mjs): the step
 * of two calls in flight breaks on its failed calls, the agent is named, and the ramp stops there.
 * Bounds of 0 ms (any lateness at all breaks, as cli-strict.test.ts forces it): the harness is
 * named, with what held it up. Then what it refuses: one line, exit 2, before any call.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type Exit } from './helpers/callbench.ts';

const GREETING = ['capacity', '--scenario', 'greeting', '--metric', 'greeting.first_audio_ms', '--profile', 'instant', '--warmup', '0'];
/** No step can break on a latency figure: only a failed call or too few samples could. */
const OUT_OF_REACH = ['--p95-factor', '1000', '--pacing-bound-ms', '60000', '--event-loop-bound-ms', '60000'];

interface CapacityJson {
  kind: string;
  metric: string;
  levels: number[];
  steps: Array<{ level: number; calls: number; failedCalls: number; headline: { count: number }; held: boolean; reasons: Array<{ code: string; by: string; message: string }> }>;
  highestHeld: number | null;
  brokeAt: number | null;
  limitedBy: string | null;
  outcome: string;
}

/** The table's rows: level, then the verdict cell. */
const rows = (stdout: string): Array<[number, string]> =>
  stdout
    .split('\n')
    .map((line) => /^\s*(\d+)\s+\d+\s+\d+\s.*\s(held|broke: .+)$/.exec(line))
    .filter((m) => m !== null)
    .map((m) => [Number(m[1]), m[2] ?? '']);

/** The progress lines of the steps on stderr. */
const stepLines = (stderr: string): string[] => stderr.split('\n').filter((line) => line.startsWith('callbench capacity: step '));

function expectOneLine(result: Exit, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
}

describe('callbench capacity', { timeout: 120_000 }, () => {
  let held: Exit;
  let agentLimit: Exit;
  let harnessLimit: Exit;

  beforeAll(async () => {
    [held, agentLimit, harnessLimit] = await Promise.all([
      runCli([...GREETING, ...OUT_OF_REACH, '--levels', '1,2', '--calls-per-caller', '1', '--min-samples', '1']),
      runCli([...GREETING, ...OUT_OF_REACH, '--agent-cmd', 'node test/e2e/fixtures/one-call-agent.mjs', '--levels', '1,2,4', '--calls-per-caller', '2', '--min-samples', '1', '--json']),
      runCli([...GREETING, '--pacing-bound-ms', '0', '--event-loop-bound-ms', '0', '--levels', '1,2', '--calls-per-caller', '1', '--min-samples', '1']),
    ]);
  }, 120_000);

  it('every step held: one row per level, each held, and a verdict that the limit is above the ramp; one progress line per step', () => {
    expect(held.code, held.stderr).toBe(0);
    expect(rows(held.stdout)).toEqual([
      [1, 'held'],
      [2, 'held'],
    ]);
    expect(held.stdout).toMatch(/^level\s+calls\s+failed\s+p50\s+p95\s+pacing p99\s+loop p99\s+cpu\s+verdict$/m);
    expect(held.stdout).toContain('Every step held: the limit is above 2 call(s) in flight; ramp further to find it.');
    expect(held.stderr).toMatch(/^callbench capacity: greeting; levels 1, 2 call\(s\) in flight; 1 call\(s\) of each scenario per caller per step; profile instant, seed 1; reference agent/m);
    const lines = stepLines(held.stderr);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^callbench capacity: step 1\/2: 1 call\(s\) in flight, 1 call\(s\), 0 failed; greeting\.first_audio_ms p50 .* \(n=1\); .*: held$/);
    expect(lines[1]).toMatch(/^callbench capacity: step 2\/2: 2 call\(s\) in flight, 2 call\(s\), 0 failed; .*: held$/);
  });

  it("an agent that holds one call at a time: the step of 2 breaks on its failed calls, the agent is named, and the step of 4 is never played (--json)", () => {
    expect(agentLimit.code, agentLimit.stderr).toBe(0);
    const json = JSON.parse(agentLimit.stdout) as CapacityJson;
    expect(json).toMatchObject({ kind: 'capacity', metric: 'greeting.first_audio_ms', levels: [1, 2, 4], highestHeld: 1, brokeAt: 2, limitedBy: 'agent', outcome: 'found' });
    expect(json.steps.map((s) => [s.level, s.calls, s.held])).toEqual([
      [1, 2, true],
      [2, 4, false],
    ]);
    expect(json.steps[0]).toMatchObject({ failedCalls: 0, reasons: [] });
    const broke = json.steps[1];
    expect(broke?.failedCalls).toBeGreaterThan(0);
    expect(broke?.reasons[0]).toEqual({ code: 'failed-calls', by: 'agent', message: `${broke?.failedCalls} of 4 call(s) failed` });
    const lines = stepLines(agentLimit.stderr);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('broke: ');
    expect(lines[1]).toContain('of 4 call(s) failed');
  });

  it('bounds of 0 ms: the first step breaks on pacing or the event loop, the harness is named, and no step held', () => {
    expect(harnessLimit.code, harnessLimit.stderr).toBe(0);
    const table = rows(harnessLimit.stdout);
    expect(table).toHaveLength(1);
    expect(table[0]?.[0]).toBe(1);
    expect(table[0]?.[1]).toMatch(/^broke: (pacing|event-loop)/);
    expect(harnessLimit.stdout).toMatch(/No step held; it broke at 1 call\(s\) in flight: .*beyond its bound of 0 ms/);
    expect(harnessLimit.stdout).toContain('The limit is the harness, not the agent');
    // What held the harness up (its own process or the machine's other work: which one depends on the machine, not asserted).
    expect(harnessLimit.stdout).toMatch(/^At 1 call\(s\) in flight callbench's process used (only )?\d+% of one CPU core.*the machine's \d+ core\(s\) were \d+% busy/m);
    expect(stepLines(harnessLimit.stderr)).toHaveLength(1);
  });

  it('--help, and what it refuses before any call: one line, exit 2', async () => {
    const help = await runCli(['capacity', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: callbench capacity \[options\]/);
    for (const flag of ['--levels', '--calls-per-caller', '--step-duration', '--metric', '--p95-factor', '--pacing-bound-ms', '--event-loop-bound-ms', '--agent-cmd']) expect(help.stdout).toContain(flag);
    const cases: Array<[string[], RegExp]> = [
      [['--levels', '2,1'], /^callbench: --levels '2,1': expected each level above the one before it \(a ramp goes up\), got 1 after 2\. /],
      [['--levels', '1,x'], /^callbench: --levels '1,x': expected whole numbers from 1 to 1000 separated by commas/],
      [['--levels', '1,2', '--max', '8'], /^callbench: --levels and --max are mutually exclusive/],
      [['--start', '8', '--max', '4'], /^callbench: --max 4 is below --start 8/],
      [['--factor', '1'], /^callbench: --factor expects a number \(fractions allowed, e\.g\. 1\.5\) above 1 and at most 100, got '1'/],
      [['--step-duration', '10s', '--calls-per-caller', '2'], /^callbench: --step-duration and --calls-per-caller are mutually exclusive/],
      [['--step-duration', 'soon'], /^callbench: --step-duration expects a duration/],
      [['--p95-factor', '0.5'], /^callbench: --p95-factor expects a number .* above 1 and at most 1000, got '0\.5'/],
      [['--pacing-bound-ms', '-1'], /^callbench: --pacing-bound-ms expects a number of ms from 0 to 60000, got '-1'/],
      [['--metric', 'turn.respons_ms'], /^callbench: --metric expects one of .*turn\.response_ms.*, got 'turn\.respons_ms'/],
      [['--calls', '4'], /^callbench: unknown flag '--calls'/],
      [['--agent-cmd', 'node agent.js', '--text', 'token'], /^callbench: --text configures the reference agent; it does not apply with --agent-cmd or --agent-url/],
      [['--scenario', 'no-such-scenario'], /^callbench: --scenario 'no-such-scenario': /],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(['capacity', ...args])));
    results.forEach((result, i) => expectOneLine(result, cases[i]?.[1] ?? /^$/));
  });
});
