/** Hand-built run outcomes for report and gate tests: given samples per scenario, the histograms and raw samples a run would hold. */
import { METRIC_NAMES, type MetricName } from '../../../harness/metrics/definitions.ts';
import { createHistogram } from '../../../harness/metrics/histogram.ts';
import type { LoadOutcome, MetricHistograms, MetricSamples, RunOutcome, ScenarioOutcome } from '../../../harness/report/fold.ts';

export type Values = Partial<Record<MetricName, number[]>>;

export function histogramsOf(values: Values): MetricHistograms {
  return Object.fromEntries(
    METRIC_NAMES.map((name) => {
      const h = createHistogram();
      for (const v of values[name] ?? []) h.record(v);
      return [name, h];
    }),
  ) as MetricHistograms;
}

export function samplesOf(values: Values): MetricSamples {
  return Object.fromEntries(METRIC_NAMES.map((name) => [name, [...(values[name] ?? [])]])) as unknown as MetricSamples;
}

export function scenarioOutcome(name: string, values: Values, extra: Partial<ScenarioOutcome> = {}): ScenarioOutcome {
  return {
    name,
    calls: 1,
    failedCalls: 0,
    stoppedCalls: 0,
    droppedCalls: 0,
    warmupCalls: 0,
    warmupFailedCalls: 0,
    unansweredTurns: 0,
    turnKinds: { reply: 1, 'barge-in': 0, 'talk-over': 0 },
    greetings: { stream: 0, twiml: 0 },
    errors: [],
    checks: [],
    metrics: histogramsOf(values),
    samples: samplesOf(values),
    ...extra,
  };
}

/** One call per scenario; the overall histograms merge every scenario's samples. */
export function runOutcome(
  scenarios: Array<{ name: string; values: Values; extra?: Partial<ScenarioOutcome> }>,
  load: LoadOutcome = { plan: { model: 'closed', calls: 1, concurrency: 1 }, started: scenarios.length },
): RunOutcome {
  const all: Values = {};
  for (const s of scenarios) for (const [name, vs] of Object.entries(s.values) as Array<[MetricName, number[]]>) (all[name] ??= []).push(...vs);
  const pacing = createHistogram();
  pacing.record(0.5);
  return {
    startedAt: '2025-06-01T12:00:00.000Z',
    durationMs: 1234.56,
    profile: 'reference',
    seed: 7,
    agent: 'reference agent',
    load,
    warmupCalls: 0,
    scenarios: scenarios.map((s) => scenarioOutcome(s.name, s.values, s.extra)),
    metrics: histogramsOf(all),
    samples: samplesOf(all),
    pacingLateness: pacing,
    framesSent: 321,
    end: { state: 'completed' },
    upstream: undefined,
    eventLoop: undefined,
    twimlNotes: [],
  };
}
