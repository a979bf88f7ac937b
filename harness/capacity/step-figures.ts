/**
 * The figures capacity judges a step by (decide.ts CapacityStep), read from the step's run
 * outcome (harness/report/fold.ts): its measured calls and failures, the headline metric over
 * every scenario, the caller's frame pacing p99 and the harness's event-loop delay p99. A run
 * the agent's exit stopped counts the calls it hung up as failed: an agent that dies under a
 * load has not held it. Pure.
 */
import type { MetricName } from '../metrics/definitions.ts';
import type { RunOutcome } from '../report/fold.ts';
import type { CapacityStep } from './decide.ts';

export function stepFigures(level: number, outcome: RunOutcome, metric: MetricName, cpuPercent: number | undefined): CapacityStep {
  const sum = (of: (s: RunOutcome['scenarios'][number]) => number): number => outcome.scenarios.reduce((total, s) => total + of(s), 0);
  const stopped = sum((s) => s.stoppedCalls);
  const agentExited = outcome.end.state === 'agent-exited';
  const calls = sum((s) => s.calls) + (agentExited ? stopped : 0);
  // At least one: the exit may come between calls, with none in flight to hang up.
  const failedCalls = agentExited ? Math.max(1, sum((s) => s.failedCalls) + stopped) : sum((s) => s.failedCalls);
  const headline = outcome.metrics[metric].summary();
  return {
    level,
    calls: Math.max(calls, failedCalls),
    failedCalls,
    lateDrops: outcome.load.dropped?.late ?? 0,
    headline: { count: headline.count, p50: headline.p50, p95: headline.p95 },
    pacingP99Ms: outcome.framesSent > 0 ? outcome.pacingLateness.summary().p99 : undefined,
    eventLoopP99Ms: outcome.eventLoop?.delayMs.p99,
    ...(cpuPercent === undefined ? {} : { cpuPercent }),
  };
}
