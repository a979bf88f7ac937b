/**
 * The result model of a run, built as a fold over its events (harness/runner/events.ts): each
 * measured call's samples merged into HDR histograms per scenario and overall, the raw samples
 * kept beside them for the bootstrap intervals (harness/statistics/bootstrap.ts), and each call's
 * conformance verdicts, the teardown verdicts that arrive later included. Warm-up calls and calls
 * the run's stop cut short are counted, never measured. summary.ts turns the outcome into plain data.
 */
import type { CallVerdicts } from '../checks/check.ts';
import type { GreetingSource, TurnKind } from '../metrics/call-metrics.ts';
import type { UpstreamReport } from '../mocks/journal/queries.ts';
import { eventsOf } from '../caller/timeline.ts';
import { METRIC_NAMES, type MetricName } from '../metrics/definitions.ts';
import { createHistogram, type LatencyHistogram } from '../metrics/histogram.ts';
import type { EventLoopDelay } from '../runner/event-loop.ts';
import type { Run } from '../runner/start-run.ts';
import type { CallRecord, RunEnd, RunEvent, RunInfo, RunResult } from '../runner/events.ts';
import type { DropReason } from '../runner/load-models.ts';
import type { LoadPlan } from '../runner/run.ts';
import type { Shard } from '../shard/shard.ts';

export type MetricHistograms = Record<MetricName, LatencyHistogram>;
/** Every sample of every metric, in the order the calls ended: the bootstrap resamples these. */
export type MetricSamples = Record<MetricName, number[]>;

export interface ScenarioOutcome {
  name: string;
  /** Measured calls that ran to their end or failed (warm-up calls and stopped calls excluded). */
  calls: number;
  failedCalls: number;
  /** Measured calls the run's stop (Ctrl-C, the agent exiting) hung up early: not measured. */
  stoppedCalls: number;
  /** Open model: calls of this scenario that were due and dropped. */
  droppedCalls: number;
  warmupCalls: number;
  warmupFailedCalls: number;
  unansweredTurns: number;
  /** How the caller's utterances were classified (see harness/metrics/call-metrics.ts). */
  turnKinds: Record<TurnKind, number>;
  /** Where the greeting the caller heard came from: the media stream, or TwiML before <Connect>. */
  greetings: Record<GreetingSource, number>;
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
  /** The shard of the plan the run played (`run --shard i/n`). */
  shard?: Shard;
  load: LoadOutcome;
  warmupCalls: number;
  scenarios: ScenarioOutcome[];
  metrics: MetricHistograms;
  samples: MetricSamples;
  /** How late the caller's 20 ms frames went out, over every measured call (ms). */
  pacingLateness: LatencyHistogram;
  /** Frames the caller sent over every measured call. */
  framesSent: number;
  /** How the run ended; anything but `completed` makes the outcome partial. */
  end: RunEnd;
  /** With mocks: how the upstream connections were tied to calls, and the refusals the mocks sent. */
  upstream: UpstreamReport | undefined;
  /** How late the harness's event loop ran over the measured calls; undefined when it was not measured. */
  eventLoop: EventLoopDelay | undefined;
  /** What the fake Twilio could not play of the agents' TwiML, each distinct line once. */
  twimlNotes: string[];
}

export function emptyHistograms(): MetricHistograms {
  return Object.fromEntries(METRIC_NAMES.map((name) => [name, createHistogram()])) as MetricHistograms;
}

export function emptySamples(): MetricSamples {
  return Object.fromEntries(METRIC_NAMES.map((name) => [name, []])) as unknown as MetricSamples;
}

function emptyScenario(name: string): ScenarioOutcome {
  return {
    name,
    calls: 0,
    failedCalls: 0,
    stoppedCalls: 0,
    droppedCalls: 0,
    warmupCalls: 0,
    warmupFailedCalls: 0,
    unansweredTurns: 0,
    errors: [],
    checks: [],
    turnKinds: { reply: 0, 'barge-in': 0, 'talk-over': 0 },
    greetings: { stream: 0, twiml: 0 },
    metrics: emptyHistograms(),
    samples: emptySamples(),
  };
}

export interface RunFold {
  /** Folds one event in; events must come in the order the run emitted them, `run-started` first. */
  add(event: RunEvent): void;
  /** The outcome so far: complete once `run-ended` has been folded in. */
  outcome(): RunOutcome;
}

export function createRunFold(): RunFold {
  let info: RunInfo | undefined;
  let result: RunResult | undefined;
  let scenarios: ScenarioOutcome[] = [];
  const load = { started: 0, dropped: { late: 0, 'max-in-flight': 0 } as Record<DropReason, number> };
  const pacingLateness = createHistogram();
  let framesSent = 0;
  let upstream: UpstreamReport | undefined;
  let eventLoop: EventLoopDelay | undefined;
  const twimlNotes = new Set<string>();
  /** The fold's own copy of each measured call's verdicts, where its late teardown verdict goes. */
  const verdictsOf = new Map<string, CallVerdicts>();

  const scenarioOf = (index: number): ScenarioOutcome | undefined => scenarios[index];

  const callEnded = (call: CallRecord): void => {
    const outcome = scenarioOf(call.scenarioIndex);
    if (outcome === undefined) return;
    for (const note of eventsOf(call.timeline, 'twiml_note')) twimlNotes.add(note.note);
    if (call.warmup) {
      outcome.warmupCalls++;
      if (call.state === 'failed') outcome.warmupFailedCalls++;
      return;
    }
    load.started++;
    if (call.state === 'stopped') {
      outcome.stoppedCalls++;
      return;
    }
    outcome.calls++;
    if (call.state === 'failed') {
      outcome.failedCalls++;
      outcome.errors.push(`call ${call.index + 1}: ${call.error}`);
    }
    for (const name of METRIC_NAMES) {
      for (const value of call.samples[name] ?? []) {
        outcome.metrics[name].record(value);
        outcome.samples[name].push(value);
      }
    }
    for (const kind of call.turns) outcome.turnKinds[kind]++;
    if (call.greeting !== undefined) outcome.greetings[call.greeting]++;
    outcome.unansweredTurns += call.unansweredTurns;
    if (call.pacing !== undefined) {
      pacingLateness.add(call.pacing.lateness);
      framesSent += call.pacing.framesSent;
    }
    // A call that never connected has no verdicts, as it has no timeline to judge.
    if (call.verdicts.length > 0) {
      const verdicts: CallVerdicts = { call: call.index + 1, verdicts: [...call.verdicts] };
      outcome.checks.push(verdicts);
      verdictsOf.set(call.callSid, verdicts);
    }
  };

  return {
    add(event) {
      switch (event.type) {
        case 'run-started':
          info = event.info;
          scenarios = info.scenarios.map(emptyScenario);
          return;
        case 'call-ended':
          callEnded(event.call);
          return;
        case 'call-dropped': {
          const outcome = scenarioOf(event.call.scenarioIndex);
          if (outcome !== undefined) outcome.droppedCalls++;
          load.dropped[event.reason]++;
          return;
        }
        case 'check-verdict':
          verdictsOf.get(event.call.callSid)?.verdicts.push(event.verdict);
          return;
        case 'upstream':
          upstream = event.report;
          return;
        case 'event-loop':
          eventLoop = event.delay;
          return;
        case 'run-ended':
          result = event.result;
          return;
        case 'call-started':
        case 'interval':
          return;
      }
    },
    outcome() {
      if (info === undefined) throw new Error('no run-started event was folded in');
      const metrics = emptyHistograms();
      const samples = emptySamples();
      for (const outcome of scenarios) {
        for (const name of METRIC_NAMES) {
          metrics[name].add(outcome.metrics[name]);
          samples[name].push(...outcome.samples[name]);
        }
      }
      const open = info.load.model === 'open';
      return {
        startedAt: info.startedAt,
        durationMs: result?.durationMs ?? 0,
        profile: info.profile,
        seed: info.seed,
        agent: info.agent,
        ...(info.shard === undefined ? {} : { shard: info.shard }),
        load: {
          plan: info.load,
          started: load.started,
          ...(open ? { scheduled: result?.scheduled ?? 0, dropped: { ...load.dropped } } : {}),
        },
        warmupCalls: scenarios.reduce((sum, s) => sum + s.warmupCalls, 0),
        scenarios,
        metrics,
        samples,
        pacingLateness,
        framesSent,
        end: result === undefined ? { state: 'completed' } : endOf(result),
        upstream,
        eventLoop,
        twimlNotes: [...twimlNotes],
      };
    },
  };
}

function endOf(result: RunResult): RunEnd {
  switch (result.state) {
    case 'completed':
      return { state: 'completed' };
    case 'interrupted':
      return { state: 'interrupted', reason: result.reason };
    case 'agent-exited':
      return { state: 'agent-exited', message: result.message };
  }
}

/** Folds a whole run: resolves with its result and outcome (subscribe before anything is awaited after startRun). */
export async function foldRun(run: Run): Promise<{ result: RunResult; outcome: RunOutcome }> {
  const fold = createRunFold();
  run.subscribe(fold.add);
  const result = await run.result;
  return { result, outcome: fold.outcome() };
}
