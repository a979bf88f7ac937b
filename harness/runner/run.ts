/**
 * A run: start the mocks and the agent, play every scenario `calls` times with at most
 * `concurrency` calls in flight across all scenarios (a closed model: a new call starts when one
 * ends), and merge each call's metric samples into HDR histograms per scenario and overall.
 */
import type { Clock } from '../clock.ts';
import type { Utterance } from '../caller/utterance.ts';
import { computeCallMetrics, type TurnKind } from '../metrics/call-metrics.ts';
import { METRIC_NAMES, type MetricName } from '../metrics/definitions.ts';
import { createHistogram, type LatencyHistogram } from '../metrics/histogram.ts';
import { startMocks } from '../mocks/start-mocks.ts';
import type { LatencyProfile } from '../mocks/profiles.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { AgentTarget } from './agent-target.ts';
import { runScenarioCall } from './run-scenario-call.ts';

export interface PlannedScenario {
  scenario: Scenario;
  fixtures: ReadonlyMap<string, Utterance>;
}

export interface RunPlan {
  scenarios: readonly PlannedScenario[];
  /** Calls per scenario. */
  calls: number;
  concurrency: number;
  profile: LatencyProfile;
  seed: number;
  agent: AgentTarget;
  /** Signs the webhook and the stream upgrade; the agent is given the same token. */
  authToken: string;
}

export type MetricHistograms = Record<MetricName, LatencyHistogram>;

export interface ScenarioOutcome {
  name: string;
  calls: number;
  failedCalls: number;
  unansweredTurns: number;
  /** How the caller's utterances were classified (see harness/metrics/call-metrics.ts). */
  turnKinds: Record<TurnKind, number>;
  errors: string[];
  metrics: MetricHistograms;
}

export interface RunOutcome {
  startedAt: string;
  durationMs: number;
  profile: string;
  seed: number;
  agent: string;
  scenarios: ScenarioOutcome[];
  metrics: MetricHistograms;
  /** How late the caller's 20 ms frames went out, over every call (ms). */
  pacingLateness: LatencyHistogram;
}

export interface RunHooks {
  onCallEnd?(info: { scenario: string; index: number; total: number; error: string | undefined }): void;
}

function emptyHistograms(): MetricHistograms {
  return Object.fromEntries(METRIC_NAMES.map((name) => [name, createHistogram()])) as MetricHistograms;
}

/** Runs `jobs` with at most `limit` in flight; resolves when all are done. */
async function pool(limit: number, jobs: ReadonlyArray<() => Promise<void>>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++];
      if (job !== undefined) await job();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}

export async function run(plan: RunPlan, clock: Clock, hooks: RunHooks = {}): Promise<RunOutcome> {
  const startedAt = new Date().toISOString();
  const began = clock.now();
  const mocks = await startMocks({ clock, profile: plan.profile, seed: plan.seed });
  const overall = emptyHistograms();
  const pacingLateness = createHistogram();
  const scenarios: ScenarioOutcome[] = [];
  try {
    const agent = await plan.agent.start({ ...mocks.env, TWILIO_AUTH_TOKEN: plan.authToken });
    try {
      const outcomes = plan.scenarios.map((planned): ScenarioOutcome => ({
        name: planned.scenario.name,
        calls: plan.calls,
        failedCalls: 0,
        unansweredTurns: 0,
        errors: [],
        turnKinds: { reply: 0, 'barge-in': 0, 'talk-over': 0 },
        metrics: emptyHistograms(),
      }));
      // One pool over every call of every scenario: --concurrency bounds the calls in flight.
      const jobs = plan.scenarios.flatMap((planned, s) =>
        Array.from({ length: plan.calls }, (_, index) => async () => {
          const outcome = outcomes[s];
          if (outcome === undefined) return;
          const call = await runScenarioCall({
            clock,
            scenario: planned.scenario,
            fixtures: planned.fixtures,
            webhookUrl: agent.webhookUrl,
            authToken: plan.authToken,
            script: mocks.script,
          });
          if (call.error !== undefined) {
            outcome.failedCalls++;
            outcome.errors.push(`call ${index + 1}: ${call.error}`);
          }
          if (call.result !== undefined) {
            const callSid = call.result.callSid;
            const metrics = computeCallMetrics(
              call.result.timeline.events,
              mocks.journal.entries().filter((e) => e.call === callSid),
              agent.selfReports?.(callSid) ?? [],
            );
            for (const turn of metrics.turns) outcome.turnKinds[turn.kind]++;
            outcome.unansweredTurns += metrics.unansweredTurns;
            for (const name of METRIC_NAMES) for (const value of metrics.samples[name] ?? []) outcome.metrics[name].record(value);
            pacingLateness.add(call.result.pacing.lateness);
          }
          hooks.onCallEnd?.({ scenario: planned.scenario.name, index, total: plan.calls, error: call.error });
        }),
      );
      await pool(plan.concurrency, jobs);
      for (const outcome of outcomes) {
        for (const name of METRIC_NAMES) overall[name].add(outcome.metrics[name]);
        scenarios.push(outcome);
      }
    } finally {
      await agent.stop();
    }
  } finally {
    await mocks.close();
  }
  return {
    startedAt,
    durationMs: clock.now() - began,
    profile: plan.profile.name,
    seed: plan.seed,
    agent: plan.agent.describe(),
    scenarios,
    metrics: overall,
    pacingLateness,
  };
}
