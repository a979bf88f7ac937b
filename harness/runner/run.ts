/**
 * A run: start the mocks (unless the agent is to use the real services) and the agent, play the scenarios under a load model (see
 * load-models.ts: closed by count, closed for a duration, or open arrival-rate), and merge each
 * call's metric samples into HDR histograms per scenario and overall. Warm-up calls run first and
 * are left out of every statistic. The raw per-call samples are kept beside the histograms for
 * the bootstrap confidence intervals (harness/statistics/bootstrap.ts). Each measured call's
 * conformance verdicts (harness/checks) are kept per scenario; the teardown check is evaluated for
 * every call once the last call has ended and its grace period has passed, before the agent stops.
 */
import type { Clock } from '../clock.ts';
import { evaluateCallChecks } from '../checks/call-checks.ts';
import { callOrigin, skipped, type CallVerdicts } from '../checks/check.ts';
import { checkUpstreamTeardown, hangupTime, isSocketLifecycle, TEARDOWN_GRACE_MS } from '../checks/teardown-check.ts';
import type { Utterance } from '../caller/utterance.ts';
import { computeCallMetrics, type TurnKind } from '../metrics/call-metrics.ts';
import { METRIC_NAMES, type MetricName } from '../metrics/definitions.ts';
import { createHistogram, type LatencyHistogram } from '../metrics/histogram.ts';
import type { Journal, JournalEntry } from '../mocks/journal.ts';
import { startMocks, type Mocks, type UpstreamEnv } from '../mocks/start-mocks.ts';
import type { LatencyProfile } from '../mocks/profiles.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { AgentTarget, RunningAgent } from './agent-target.ts';
import { runClosedCount, runClosedForDuration, runOpenModel, type DropReason, type OpenModelOptions } from './load-models.ts';
import { runScenarioCall } from './run-scenario-call.ts';

export interface PlannedScenario {
  scenario: Scenario;
  fixtures: ReadonlyMap<string, Utterance>;
}

/** How calls are started; see load-models.ts. */
export type LoadPlan =
  /** `calls` calls of every scenario, at most `concurrency` in flight across scenarios. */
  | { model: 'closed'; calls: number; concurrency: number }
  /** `concurrency` callers start calls (scenarios round-robin) until `durationMs` has passed. */
  | { model: 'closed-duration'; durationMs: number; concurrency: number }
  /** Calls due at a fixed rate (scenarios round-robin), whatever the agent does. */
  | ({ model: 'open' } & OpenModelOptions);

export interface RunPlan {
  scenarios: readonly PlannedScenario[];
  load: LoadPlan;
  /** Calls per scenario played before the measured ones and left out of the statistics (default 0). */
  warmup?: number;
  profile: LatencyProfile;
  seed: number;
  agent: AgentTarget;
  /** Signs the webhook and the stream upgrade; the agent is given the same token. */
  authToken: string;
  /**
   * Where the agent's upstream services are: the run's mocks (the default; fixed ports if given,
   * for an agent configured from outside), or the real services, described by `env` (no mocks
   * start: no scripted replies, faults or stage metrics).
   */
  upstream?: { kind: 'mocks'; ports?: { deepgram?: number; openai?: number } } | { kind: 'real'; env: UpstreamEnv };
}

export type MetricHistograms = Record<MetricName, LatencyHistogram>;
/** Every sample of every metric, in the order the calls ended: the bootstrap resamples these. */
export type MetricSamples = Record<MetricName, number[]>;

export interface ScenarioOutcome {
  name: string;
  /** Measured calls started (warm-up calls excluded). */
  calls: number;
  failedCalls: number;
  /** Open model: calls of this scenario that were due and dropped. */
  droppedCalls: number;
  warmupCalls: number;
  warmupFailedCalls: number;
  unansweredTurns: number;
  /** How the caller's utterances were classified (see harness/metrics/call-metrics.ts). */
  turnKinds: Record<TurnKind, number>;
  errors: string[];
  /** The conformance verdicts of each measured call that ran (harness/checks), in the order the calls ended. */
  checks: CallVerdicts[];
  metrics: MetricHistograms;
  samples: MetricSamples;
}

export interface LoadOutcome {
  plan: LoadPlan;
  /** Measured calls started, over every scenario. */
  started: number;
  /** Open model: calls due on the schedule, and those dropped by reason. */
  scheduled?: number;
  dropped?: Record<DropReason, number>;
}

export interface RunOutcome {
  startedAt: string;
  durationMs: number;
  profile: string;
  seed: number;
  agent: string;
  load: LoadOutcome;
  warmupCalls: number;
  scenarios: ScenarioOutcome[];
  metrics: MetricHistograms;
  samples: MetricSamples;
  /** How late the caller's 20 ms frames went out, over every measured call (ms). */
  pacingLateness: LatencyHistogram;
  /** Frames the caller sent over every measured call. */
  framesSent: number;
}

export interface RunHooks {
  /** `total` is the number of measured calls planned, when the load model knows it. */
  onCallEnd?(info: { scenario: string; index: number; total: number | undefined; error: string | undefined; warmup: boolean }): void;
  onCallDropped?(info: { scenario: string; index: number; reason: DropReason; lagMs: number }): void;
}

function emptyHistograms(): MetricHistograms {
  return Object.fromEntries(METRIC_NAMES.map((name) => [name, createHistogram()])) as MetricHistograms;
}

function emptySamples(): MetricSamples {
  return Object.fromEntries(METRIC_NAMES.map((name) => [name, []])) as unknown as MetricSamples;
}

function emptyOutcome(name: string): ScenarioOutcome {
  return {
    name,
    calls: 0,
    failedCalls: 0,
    droppedCalls: 0,
    warmupCalls: 0,
    warmupFailedCalls: 0,
    unansweredTurns: 0,
    errors: [],
    checks: [],
    turnKinds: { reply: 0, 'barge-in': 0, 'talk-over': 0 },
    metrics: emptyHistograms(),
    samples: emptySamples(),
  };
}

/** Calls of the measured phase planned in advance, when the model fixes them. */
function plannedTotal(load: LoadPlan, scenarios: number): number | undefined {
  if (load.model === 'closed') return load.calls * scenarios;
  return undefined;
}

export async function run(plan: RunPlan, clock: Clock, hooks: RunHooks = {}): Promise<RunOutcome> {
  const startedAt = new Date().toISOString();
  const began = clock.now();
  const upstream = plan.upstream ?? { kind: 'mocks' };
  let mocks: Mocks | undefined;
  let upstreamEnv: UpstreamEnv;
  if (upstream.kind === 'mocks') {
    mocks = await startMocks({ clock, profile: plan.profile, seed: plan.seed, ...(upstream.ports === undefined ? {} : { ports: upstream.ports }) });
    upstreamEnv = mocks.env;
  } else {
    upstreamEnv = upstream.env;
  }
  const overall = emptyHistograms();
  const overallSamples = emptySamples();
  const pacingLateness = createHistogram();
  let framesSent = 0;
  const outcomes = plan.scenarios.map((planned) => emptyOutcome(planned.scenario.name));
  const load: LoadOutcome = { plan: plan.load, started: 0 };
  const total = plannedTotal(plan.load, plan.scenarios.length);
  const warmup = plan.warmup ?? 0;
  /** Measured calls whose teardown check waits for the end of the run. */
  const teardowns: PendingTeardown[] = [];
  try {
    const agent = await plan.agent.start({ ...upstreamEnv, TWILIO_AUTH_TOKEN: plan.authToken });
    try {
      /** Plays call `index` of scenario `s`; records it unless it is a warm-up call. */
      const playCall = async (s: number, index: number, measured: boolean, lagMs?: number): Promise<void> => {
        const planned = plan.scenarios[s];
        const outcome = outcomes[s];
        if (planned === undefined || outcome === undefined) return;
        const { error, teardown } = await playAndRecord(clock, mocks, agent, plan.authToken, planned, measured ? outcome : undefined, index, lagMs, (lateness, frames) => {
          if (!measured) return;
          pacingLateness.add(lateness);
          framesSent += frames;
        });
        if (teardown !== undefined) teardowns.push(teardown);
        if (measured) {
          outcome.calls++;
          load.started++;
        } else {
          outcome.warmupCalls++;
          if (error !== undefined) outcome.warmupFailedCalls++;
        }
        hooks.onCallEnd?.({ scenario: planned.scenario.name, index, total: measured ? total : warmup * plan.scenarios.length, error, warmup: !measured });
      };

      const S = plan.scenarios.length;
      if (warmup > 0) {
        const limit = plan.load.model === 'open' ? Math.min(plan.load.maxInFlight, S) : plan.load.concurrency;
        // Scenario-major, as the closed model plays them: warm-up call i is call i % warmup of scenario ⌊i / warmup⌋.
        await runClosedCount(limit, warmup * S, (i) => playCall(Math.floor(i / warmup), i % warmup, false));
      }

      switch (plan.load.model) {
        case 'closed': {
          const calls = plan.load.calls;
          await runClosedCount(plan.load.concurrency, calls * S, (i) => playCall(Math.floor(i / calls), i % calls, true));
          break;
        }
        case 'closed-duration':
          await runClosedForDuration(clock, plan.load.concurrency, plan.load.durationMs, (i) => playCall(i % S, Math.floor(i / S), true));
          break;
        case 'open': {
          const result = await runOpenModel(
            clock,
            plan.load,
            ({ index, intendedAt, at }) => playCall(index % S, Math.floor(index / S), true, at - intendedAt),
            ({ index, intendedAt, at }, reason) => {
              const outcome = outcomes[index % S];
              if (outcome !== undefined) outcome.droppedCalls++;
              hooks.onCallDropped?.({ scenario: outcome?.name ?? '', index: Math.floor(index / S), reason, lagMs: at - intendedAt });
            },
          );
          load.scheduled = result.scheduled;
          load.dropped = result.dropped;
          break;
        }
      }
      // Before the agent stops: stopping it closes every upstream socket and would hide a leak.
      await checkTeardowns(clock, teardowns, upstream.kind === 'real' ? undefined : mocks?.journal);
      for (const outcome of outcomes) {
        for (const name of METRIC_NAMES) {
          overall[name].add(outcome.metrics[name]);
          overallSamples[name].push(...outcome.samples[name]);
        }
      }
    } finally {
      await agent.stop();
    }
  } finally {
    await mocks?.close();
  }
  return {
    startedAt,
    durationMs: clock.now() - began,
    // No mock profile applies to the real services.
    profile: upstream.kind === 'real' ? 'real' : plan.profile.name,
    seed: plan.seed,
    agent: plan.agent.describe(),
    load,
    warmupCalls: outcomes.reduce((sum, o) => sum + o.warmupCalls, 0),
    scenarios: outcomes,
    metrics: overall,
    samples: overallSamples,
    pacingLateness,
    framesSent,
  };
}

/** A measured call's teardown check, to evaluate once its grace period has passed. */
interface PendingTeardown {
  /** The call's verdicts, where the teardown verdict is added. */
  verdicts: CallVerdicts;
  callSid: string;
  hangupAt: number;
  /** Origin of the call's evidence times. */
  origin: number;
  /** When the call had ended, on the run's clock. */
  endedAt: number;
}

/**
 * `upstream.closed-after-hangup` for every measured call: waits until TEARDOWN_GRACE_MS after the
 * last call ended, then reads the socket opens and closes of each call from the journal. Skipped
 * for every call when the run has no mocks (`journal` undefined).
 */
async function checkTeardowns(clock: Clock, pending: readonly PendingTeardown[], journal: Journal | undefined): Promise<void> {
  if (journal === undefined) {
    for (const call of pending) call.verdicts.verdicts.push(skipped('upstream.closed-after-hangup'));
    return;
  }
  if (pending.length === 0) return;
  const lastEnded = pending.reduce((last, call) => Math.max(last, call.endedAt), -Infinity);
  await clock.sleepUntil(lastEnded + TEARDOWN_GRACE_MS);
  const byCall = new Map<string, JournalEntry[]>();
  for (const entry of journal.entries()) {
    if (entry.call === undefined || !isSocketLifecycle(entry)) continue;
    const list = byCall.get(entry.call);
    if (list === undefined) byCall.set(entry.call, [entry]);
    else list.push(entry);
  }
  for (const call of pending) {
    call.verdicts.verdicts.push(checkUpstreamTeardown({ journal: byCall.get(call.callSid) ?? [], hangupAt: call.hangupAt, origin: call.origin }));
  }
}

/**
 * Plays one call and, when `outcome` is given, records its samples and check verdicts there (with
 * the open model's start lag as `call.start_lag_ms`). Returns the call's error, if any, and for a
 * measured call that ran, its pending teardown check.
 */
async function playAndRecord(
  clock: Clock,
  mocks: Mocks | undefined,
  agent: RunningAgent,
  authToken: string,
  planned: PlannedScenario,
  outcome: ScenarioOutcome | undefined,
  index: number,
  lagMs: number | undefined,
  onPacing: (lateness: LatencyHistogram, framesSent: number) => void,
): Promise<{ error: string | undefined; teardown?: PendingTeardown }> {
  const call = await runScenarioCall({
    clock,
    scenario: planned.scenario,
    fixtures: planned.fixtures,
    webhookUrl: agent.webhookUrl,
    authToken,
    script: mocks?.script,
    ...(mocks === undefined ? {} : { faults: mocks.faults, journal: mocks.journal }),
  });
  const endedAt = clock.now();
  if (outcome === undefined) return { error: call.error };
  const record = (name: MetricName, value: number): void => {
    outcome.metrics[name].record(value);
    outcome.samples[name].push(value);
  };
  if (lagMs !== undefined) record('call.start_lag_ms', lagMs);
  if (call.error !== undefined) {
    outcome.failedCalls++;
    outcome.errors.push(`call ${index + 1}: ${call.error}`);
  }
  if (call.result === undefined) return { error: call.error };
  const callSid = call.result.callSid;
  const events = call.result.timeline.events;
  const journal = mocks?.journal.entries().filter((e) => e.call === callSid) ?? [];
  const metrics = computeCallMetrics(events, journal, agent.selfReports?.(callSid) ?? []);
  for (const turn of metrics.turns) outcome.turnKinds[turn.kind]++;
  outcome.unansweredTurns += metrics.unansweredTurns;
  for (const name of METRIC_NAMES) for (const value of metrics.samples[name] ?? []) record(name, value);
  onPacing(call.result.pacing.lateness, call.result.pacing.framesSent);
  const verdicts: CallVerdicts = { call: index + 1, verdicts: evaluateCallChecks({ events, metrics, journal }) };
  outcome.checks.push(verdicts);
  // Only what the teardown check needs outlives the call: not its timeline or journal entries.
  return { error: call.error, teardown: { verdicts, callSid, hangupAt: hangupTime(events) ?? endedAt, origin: callOrigin(events), endedAt } };
}
