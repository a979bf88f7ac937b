/** The run's result as plain data: what --json prints and the other renderers read. */
import { summarizeChecks, type ChecksSummary } from '../checks/summary.ts';
import { METRIC_NAMES } from '../metrics/definitions.ts';
import type { LatencySummary } from '../metrics/histogram.ts';
import { bootstrapPercentileCis, DEFAULT_LEVEL, DEFAULT_RESAMPLES, seriesSeed, type PercentileCis } from '../statistics/bootstrap.ts';
import type { MetricHistograms, MetricSamples, RunOutcome } from './fold.ts';
import type { ConnectionTies, RefusalLine } from '../mocks/journal/queries.ts';
import type { EventLoopDelay } from '../runner/event-loop.ts';
import { TRUST_BOUNDS, type TrustBounds } from './trust-bounds.ts';
import { describeStages } from '../runner/stages.ts';
import type { Shard } from '../shard/shard.ts';
import { trustWarnings, type TrustWarning } from './warnings.ts';

/**
 * A metric's distribution (from its HDR histogram) and, from the raw samples, bootstrap
 * confidence intervals of its p50 and p95 (absent with fewer than MIN_CI_SAMPLES samples: below
 * that a percentile bootstrap only restates the range of the few samples there are).
 */
export interface MetricSummary extends LatencySummary {
  ci?: PercentileCis;
}

export type LoadSummary =
  | {
      model: 'closed';
      label: 'closed model';
      concurrency: number;
      /** Calls per scenario (count-bounded run), or the duration callers kept starting calls for. */
      callsPerScenario?: number;
      durationMs?: number;
      /** Ramping concurrency (`--stages`): the stages as written; `concurrency` is their peak. */
      stages?: string;
      started: number;
    }
  | {
      model: 'open';
      label: 'open model';
      /** Calls per second. */
      arrivalRate: number;
      durationMs: number;
      maxCallsInFlight: number;
      lateBoundMs: number;
      /** Ramping arrival rate (`--stages … --stages-model arrival-rate`): the stages as written; `arrivalRate` is their peak. */
      stages?: string;
      scheduled: number;
      started: number;
      /** Calls due on the schedule that were not started (k6's dropped_iterations). */
      dropped: { total: number; late: number; maxInFlight: number };
    };

export interface RunSummary {
  callbench: { version: string };
  /** Present, and true, when the run was stopped before its end: the figures cover the calls that ended before. */
  partial?: true;
  /** Why a partial run stopped: interrupted by a signal, or the agent's processes ended. */
  stopped?: { reason: 'interrupted' | 'agent-exited'; message: string };
  startedAt: string;
  durationMs: number;
  profile: string;
  seed: number;
  agent: string;
  /** The shard of the plan this run played (`run --shard i/n`); absent for the whole plan. */
  shard?: Shard;
  /** A merged run (`callbench merge`): how many shards were added up, of how many (`partial` when some are missing). */
  merged?: MergedShards;
  load: LoadSummary;
  /** Warm-up calls played first and left out of every statistic. */
  warmup: { calls: number; failedCalls: number };
  /** How the confidence intervals were computed. */
  statistics: { ci: string; level: number; resamples: number; seed: number; minSamples: number };
  metrics: Record<string, MetricSummary>;
  scenarios: Record<
    string,
    {
      calls: number;
      failedCalls: number;
      /** Partial runs only: calls the run's stop hung up early, counted but not measured. */
      stoppedCalls?: number;
      droppedCalls: number;
      warmupCalls: number;
      unansweredTurns: number;
      turns: Record<string, number>;
      /** Where the greetings the caller heard came from: the media stream, or TwiML before <Connect>. */
      greetings: { stream: number; twiml: number };
      errors: string[];
      metrics: Record<string, MetricSummary>;
      /** The conformance checks over this scenario's measured calls. */
      checks: ChecksSummary;
    }
  >;
  /** The conformance checks over every measured call (harness/checks). */
  checks: ChecksSummary;
  pacing: { framesLateMs: LatencySummary; framesSent: number };
  /** The harness's own event-loop delay over the measured calls (ms beyond the monitor's resolution); null when not measured. */
  eventLoop: EventLoopDelay | null;
  /** Why the figures may read high (the harness was late beyond trust-bounds.ts); [] for a run that can be trusted. `run --strict` fails on any. */
  warnings: TrustWarning[];
  /**
   * With mocks: how every upstream connection (socket or HTTP request) was tied to its call —
   * `byMethod` header, audio (the caller's audio mark), text (transcript or reply text), content
   * (what was recognised, after the call) — and how many could not be; `null` on the real services.
   */
  attribution: ConnectionTies | null;
  /** Every distinct refusal the mocks sent the agent, with the mock's own message, how often and to how many calls. */
  refusals: RefusalLine[];
  /** What the fake Twilio could not play of the agent's TwiML, each distinct line once. */
  twimlNotes: string[];
  /** Encoded HdrHistograms per metric, so runs and shards merge without loss. */
  histograms: Record<string, string>;
}

/** Which shards a merged run adds up (`callbench merge`): `partial` when some are missing. */
export interface MergedShards {
  shards: number;
  of: number;
  /** The 1-based indices of the shards not given. */
  missing: number[];
}

export interface SummaryOptions {
  /** Bootstrap resamples per interval (default 1000). */
  resamples?: number;
  /** Beyond these the run gets warnings (default TRUST_BOUNDS). */
  trustBounds?: Readonly<TrustBounds>;
}

/** Fewest samples for which a summary carries bootstrap intervals. */
export const MIN_CI_SAMPLES = 10;

const round2 = (value: number): number => Math.round(value * 100) / 100;

/** Each metric's summary (HDR percentiles, bootstrap CIs of the raw samples) over one scope ('*' or a scenario's name). */
export function metricSummaries(histograms: MetricHistograms, samples: MetricSamples, seed: number, scope: string, resamples: number): Record<string, MetricSummary> {
  const out: Record<string, MetricSummary> = {};
  for (const name of METRIC_NAMES) {
    if (histograms[name].count === 0) continue;
    const summary: MetricSummary = histograms[name].summary();
    const values = samples[name];
    if (values.length >= MIN_CI_SAMPLES) {
      const ci = bootstrapPercentileCis(values, { seed: seriesSeed(seed, scope, name), resamples });
      if (ci !== undefined) summary.ci = { p50: [round2(ci.p50[0]), round2(ci.p50[1])], p95: [round2(ci.p95[0]), round2(ci.p95[1])] };
    }
    out[name] = summary;
  }
  return out;
}

/** The load line of a run (or of merged shards: the whole plan, with the shards' counts added). */
export function loadSummary(load: RunOutcome['load']): LoadSummary {
  const { plan, started } = load;
  switch (plan.model) {
    case 'closed':
      return { model: 'closed', label: 'closed model', concurrency: plan.concurrency, callsPerScenario: plan.calls, started };
    case 'closed-duration':
      return { model: 'closed', label: 'closed model', concurrency: plan.concurrency, durationMs: plan.durationMs, ...(plan.stages === undefined ? {} : { stages: describeStages(plan.stages) }), started };
    case 'open': {
      const late = load.dropped?.late ?? 0;
      const maxInFlight = load.dropped?.['max-in-flight'] ?? 0;
      return {
        model: 'open',
        label: 'open model',
        arrivalRate: plan.ratePerSec,
        durationMs: plan.durationMs,
        maxCallsInFlight: plan.maxInFlight,
        lateBoundMs: plan.lateBoundMs,
        ...(plan.stages === undefined ? {} : { stages: describeStages(plan.stages) }),
        scheduled: load.scheduled ?? 0,
        started,
        dropped: { total: late + maxInFlight, late, maxInFlight },
      };
    }
  }
}

export function summarize(outcome: RunOutcome, version: string, options: SummaryOptions = {}): RunSummary {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const histograms: Record<string, string> = {};
  for (const name of METRIC_NAMES) if (outcome.metrics[name].count > 0) histograms[name] = outcome.metrics[name].encode();
  const { end } = outcome;
  const pacing = { framesLateMs: outcome.pacingLateness.summary(), framesSent: outcome.framesSent };
  return {
    callbench: { version },
    ...(end.state === 'completed'
      ? {}
      : { partial: true as const, stopped: { reason: end.state, message: end.state === 'interrupted' ? `interrupted by ${end.reason}` : end.message } }),
    startedAt: outcome.startedAt,
    durationMs: Math.round(outcome.durationMs),
    profile: outcome.profile,
    seed: outcome.seed,
    agent: outcome.agent,
    ...(outcome.shard === undefined ? {} : { shard: outcome.shard }),
    load: loadSummary(outcome.load),
    warmup: { calls: outcome.warmupCalls, failedCalls: outcome.scenarios.reduce((sum, s) => sum + s.warmupFailedCalls, 0) },
    statistics: { ci: 'percentile bootstrap of the raw samples (nearest-rank percentiles)', level: DEFAULT_LEVEL, resamples, seed: outcome.seed, minSamples: MIN_CI_SAMPLES },
    metrics: metricSummaries(outcome.metrics, outcome.samples, outcome.seed, '*', resamples),
    scenarios: Object.fromEntries(
      outcome.scenarios.map((s) => [
        s.name,
        {
          calls: s.calls,
          failedCalls: s.failedCalls,
          ...(end.state === 'completed' ? {} : { stoppedCalls: s.stoppedCalls }),
          droppedCalls: s.droppedCalls,
          warmupCalls: s.warmupCalls,
          unansweredTurns: s.unansweredTurns,
          turns: { ...s.turnKinds },
          greetings: { ...s.greetings },
          errors: s.errors,
          metrics: metricSummaries(s.metrics, s.samples, outcome.seed, s.name, resamples),
          checks: summarizeChecks([{ scenario: s.name, calls: s.checks }]),
        },
      ]),
    ),
    checks: summarizeChecks(outcome.scenarios.map((s) => ({ scenario: s.name, calls: s.checks }))),
    pacing,
    eventLoop: outcome.eventLoop ?? null,
    warnings: trustWarnings({ pacing, eventLoop: outcome.eventLoop }, options.trustBounds ?? TRUST_BOUNDS),
    attribution: outcome.upstream?.ties ?? null,
    refusals: outcome.upstream?.refusals ?? [],
    twimlNotes: outcome.twimlNotes,
    histograms,
  };
}
