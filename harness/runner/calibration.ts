/**
 * Calibration: play a small scenario against the null agent, whose replies come at known times,
 * and report the harness's measurement error (measured − expected) for `greeting.first_audio_ms`
 * and `turn.response_ms`. Used by `callbench calibrate` and test/integration/calibration.test.ts.
 */
import type { Clock } from '../clock.ts';
import type { Utterance } from '../caller/utterance.ts';
import type { MetricName } from '../metrics/definitions.ts';
import { PROFILES } from '../mocks/profiles.ts';
import { Scenario } from '../scenario/schema.ts';
import { percentileOfSorted } from '../statistics/bootstrap.ts';
import { createNullAgentTarget, expectedResponseMs, NULL_AGENT_DEFAULTS, toneMulaw, type NullAgentOptions } from './null-agent.ts';
import { foldRun, type RunOutcome } from '../report/fold.ts';
import type { PlannedScenario } from './run.ts';
import { startRun } from './start-run.ts';

/** The null agent's timing for calibration: short bursts, so a call takes about a second. */
export const CALIBRATION_AGENT: Omit<NullAgentOptions, 'clock'> = {
  ...NULL_AGENT_DEFAULTS,
  greetDelayMs: 150,
  delayMs: 200,
  hangoverMs: 160,
  toneMs: 100,
};

/** The caller's utterance: a 300 ms tone, voiced from its first sample to its last, ending on a frame edge. */
export function calibrationUtterance(): Utterance {
  const ms = 300;
  return { id: 'calibration-tone', text: '(a 300 ms tone)', audio: toneMulaw(ms, 300, -20), voiced: [{ startMs: 0, endMs: ms }] };
}

export function calibrationScenario(): PlannedScenario {
  const utterance = calibrationUtterance();
  return {
    // Parsed, so the schema's defaults apply whatever fields it grows.
    scenario: Scenario.parse({
      name: 'calibration',
      description: 'Hear the greeting tone, say one tone, hear the reply tone, hang up.',
      steps: [
        { type: 'wait_for_agent', quietMs: 100, timeoutMs: 5000 },
        { type: 'say', fixture: utterance.id },
        { type: 'wait_for_agent', quietMs: 100, timeoutMs: 5000 },
        { type: 'hangup' },
      ],
    }),
    fixtures: new Map([[utterance.id, utterance]]),
  };
}

export interface CalibrationError {
  metric: MetricName;
  expectedMs: number;
  n: number;
  /** measured − expected, ms. */
  p50ErrorMs: number;
  minErrorMs: number;
  maxErrorMs: number;
}

export interface CalibrationResult {
  calls: number;
  concurrency: number;
  errors: CalibrationError[];
  failedCalls: number;
  outcome: RunOutcome;
}

/**
 * `warmup` calls run first and are left out (default: one per pool slot): the first calls of a
 * process pay for JIT compilation and lazy module set-up (fetch, ws), which is not the steady
 * measurement error this reports.
 */
export async function runCalibration(clock: Clock, settings: { calls: number; concurrency: number; warmup?: number }): Promise<CalibrationResult> {
  const agentOptions = CALIBRATION_AGENT;
  const profile = PROFILES['instant'] ?? Object.values(PROFILES)[0];
  if (profile === undefined) throw new Error('no mock latency profile is defined');
  const { outcome } = await foldRun(
    startRun(
      {
        scenarios: [calibrationScenario()],
        load: { model: 'closed', calls: settings.calls, concurrency: settings.concurrency },
        warmup: settings.warmup ?? settings.concurrency,
        profile,
        seed: 1,
        agent: createNullAgentTarget({ ...agentOptions, clock }),
        authToken: 'callbench-calibration-token',
      },
      { clock },
    ),
  );
  const expected: Array<[MetricName, number]> = [
    ['greeting.first_audio_ms', agentOptions.greetDelayMs ?? 0],
    ['turn.response_ms', expectedResponseMs(agentOptions)],
  ];
  const errors = expected.map(([metric, expectedMs]): CalibrationError => {
    const diffs = outcome.samples[metric].map((value) => value - expectedMs).sort((a, b) => a - b);
    return {
      metric,
      expectedMs,
      n: diffs.length,
      p50ErrorMs: percentileOfSorted(diffs, 50),
      minErrorMs: diffs[0] ?? NaN,
      maxErrorMs: diffs[diffs.length - 1] ?? NaN,
    };
  });
  return { calls: settings.calls, concurrency: settings.concurrency, errors, failedCalls: outcome.scenarios.reduce((sum, s) => sum + s.failedCalls, 0), outcome };
}

const signed = (value: number): string => (Number.isNaN(value) ? 'n/a' : `${value >= 0 ? '+' : ''}${value.toFixed(2)}`);

export function renderCalibration(result: CalibrationResult): string {
  const rows = [
    ['metric', 'expected', 'n', 'p50 error', 'min error', 'max error'],
    ...result.errors.map((e) => [e.metric, String(e.expectedMs), String(e.n), signed(e.p50ErrorMs), signed(e.minErrorMs), signed(e.maxErrorMs)]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const table = rows.map((r) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join('  ')).join('\n');
  const a = CALIBRATION_AGENT;
  return [
    `Measurement error against the null agent (${result.calls} calls, concurrency ${result.concurrency}): measured − expected, in ms.`,
    `The null agent greets ${a.greetDelayMs} ms after \`start\` and replies ${a.delayMs} ms after detecting the end of the caller's speech with a ${a.hangoverMs} ms hangover (expected turn.response_ms = ${expectedResponseMs(a)}).`,
    table,
    ...(result.failedCalls > 0 ? [`${result.failedCalls} call(s) failed: ${result.outcome.scenarios.flatMap((s) => s.errors).slice(0, 3).join('; ')}`] : []),
  ].join('\n');
}
