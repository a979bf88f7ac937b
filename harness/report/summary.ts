/** The run's result as plain data: what --json prints and the other renderers read. */
import { METRIC_NAMES } from '../metrics/definitions.ts';
import type { LatencySummary } from '../metrics/histogram.ts';
import type { MetricHistograms, RunOutcome } from '../runner/run.ts';

export interface RunSummary {
  callbench: { version: string };
  startedAt: string;
  durationMs: number;
  profile: string;
  seed: number;
  agent: string;
  metrics: Record<string, LatencySummary>;
  scenarios: Record<
    string,
    { calls: number; failedCalls: number; unansweredTurns: number; turns: Record<string, number>; errors: string[]; metrics: Record<string, LatencySummary> }
  >;
  pacing: { framesLateMs: LatencySummary };
  /** Encoded HdrHistograms per metric, so runs and shards merge without loss. */
  histograms: Record<string, string>;
}

function summaries(histograms: MetricHistograms): Record<string, LatencySummary> {
  const out: Record<string, LatencySummary> = {};
  for (const name of METRIC_NAMES) if (histograms[name].count > 0) out[name] = histograms[name].summary();
  return out;
}

export function summarize(outcome: RunOutcome, version: string): RunSummary {
  const histograms: Record<string, string> = {};
  for (const name of METRIC_NAMES) if (outcome.metrics[name].count > 0) histograms[name] = outcome.metrics[name].encode();
  return {
    callbench: { version },
    startedAt: outcome.startedAt,
    durationMs: Math.round(outcome.durationMs),
    profile: outcome.profile,
    seed: outcome.seed,
    agent: outcome.agent,
    metrics: summaries(outcome.metrics),
    scenarios: Object.fromEntries(
      outcome.scenarios.map((s) => [
        s.name,
        { calls: s.calls, failedCalls: s.failedCalls, unansweredTurns: s.unansweredTurns, turns: { ...s.turnKinds }, errors: s.errors, metrics: summaries(s.metrics) },
      ]),
    ),
    pacing: { framesLateMs: outcome.pacingLateness.summary() },
    histograms,
  };
}
