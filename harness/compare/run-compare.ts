/**
 * A comparison run: every variant (an agent: the reference agent in one design, or any agent
 * command) plays the same scenarios, with the same profile and seed, against one set of mocks.
 * Calls are interleaved A B A B … (call i of each scenario is played by every variant in turn,
 * at most `concurrency` in flight), so whatever the machine does over the run (load from other
 * work, a warming JIT) falls on every variant alike and cancels in their difference. Both (all)
 * calls of a pair are keyed to one delay stream (harness/mocks/profiles.ts keyCall): they meet
 * the same sampled upstream delays, common random numbers, so their difference is the design's.
 *
 * Like startRun (harness/runner/start-run.ts), a comparison is an event stream: each variant's
 * own run events (variant-event: a RunEvent whose scenario indexes are the variant's), which the
 * run's fold turns into the variant's outcome, plus the comparison's own. Nothing it starts
 * outlives it; aborting `signal` stops it as it stops a run.
 */
import { setMaxListeners } from 'node:events';
import type { Clock } from '../clock.ts';
import { twilioSid } from '../caller/ids.ts';
import { startMocks, type Mocks } from '../mocks/start-mocks.ts';
import type { LatencyProfile } from '../mocks/profiles.ts';
import { upstreamReport } from '../mocks/journal/queries.ts';
import { agentExitMessage, failedByAgentExit } from '../runner/agent-exit.ts';
import type { AgentTarget, RunningAgent } from '../runner/agent-target.ts';
import { buildCallRecord } from '../runner/call-record.ts';
import { createEventSource, type EventStream } from '../runner/event-stream.ts';
import { startEventLoopMonitor, type EventLoopDelay, type EventLoopMonitor } from '../runner/event-loop.ts';
import type { CallRef, RunEnd, RunEvent, RunResult } from '../runner/events.ts';
import { runClosedCount } from '../runner/load-models.ts';
import type { PlannedScenario } from '../runner/run.ts';
import { runScenarioCall } from '../runner/run-scenario-call.ts';
import { decideTeardowns, pendingTeardown, type PendingTeardown } from '../runner/teardowns.ts';

export interface CompareVariant {
  name: string;
  /** The flags it was given, as written (for reports). */
  flags: string;
  agent: AgentTarget;
}

export interface ComparePlan {
  scenarios: readonly PlannedScenario[];
  /** Measured calls of each scenario, per variant. */
  calls: number;
  /** Calls in flight at once, over every variant. */
  concurrency: number;
  /** Warm-up calls of each scenario, per variant, played first (interleaved too) and measured by nothing. */
  warmup: number;
  profile: LatencyProfile;
  seed: number;
  authToken: string;
  variants: readonly CompareVariant[];
}

export type CompareEvent =
  | { type: 'compare-started'; startedAt: string; variants: readonly string[]; scenarios: readonly string[]; plannedCalls: number; warmupCalls: number }
  /** One of the variant's own run events (scenario indexes are the variant's). */
  | { type: 'variant-event'; variant: number; event: RunEvent }
  | { type: 'interval'; elapsedMs: number; done: number; inFlight: number; failed: number }
  /** Once the calls are over: how many delay draws came from the pairs' common streams, and how many from the shared one (connections not yet tied to a call). */
  | { type: 'common-random-numbers'; keyed: number; shared: number }
  | { type: 'compare-ended'; result: RunResult };

export interface CompareRun extends EventStream<CompareEvent> {
  result: Promise<RunResult>;
}

export interface CompareOptions {
  clock: Clock;
  signal?: AbortSignal;
  intervalMs?: number;
}

const DEFAULT_INTERVAL_MS = 5000;

/** Which call the k-th start of a phase is: variant k mod V of pair ⌊k / V⌋, the pair being call ⌊p / calls⌋ … of scenario. */
export function interleavedCall(k: number, variants: number, callsPerScenario: number): { variant: number; scenario: number; index: number; pair: number } {
  const pair = Math.floor(k / variants);
  return { variant: k % variants, pair, scenario: Math.floor(pair / callsPerScenario), index: pair % callsPerScenario };
}

export function startCompare(plan: ComparePlan, options: CompareOptions): CompareRun {
  const stop = new AbortController();
  // Every call in flight listens on it (and lets go when it ends): many at once by design, not a leak.
  setMaxListeners(0, stop.signal);
  let listenerError: { error: unknown } | undefined;
  const source = createEventSource<CompareEvent>((error) => {
    listenerError ??= { error };
    stop.abort();
  });
  const result = Promise.resolve().then(async () => {
    const ended = await execute(plan, options, source.emit, stop);
    if (listenerError !== undefined) throw listenerError.error;
    for (let v = 0; v < plan.variants.length; v++) source.emit({ type: 'variant-event', variant: v, event: { type: 'run-ended', result: ended } });
    source.emit({ type: 'compare-ended', result: ended });
    return ended;
  });
  return { subscribe: source.subscribe, result };
}

async function execute(plan: ComparePlan, options: CompareOptions, emit: (event: CompareEvent) => void, stop: AbortController): Promise<RunResult> {
  const { clock } = options;
  const began = clock.now();
  const S = plan.scenarios.length;
  const V = plan.variants.length;
  let end: Exclude<RunEnd, { state: 'completed' }> | undefined;
  const stopWith = (cause: Exclude<RunEnd, { state: 'completed' }>): void => {
    end ??= cause;
    stop.abort();
  };
  const onAbort = (): void => stopWith({ state: 'interrupted', reason: typeof options.signal?.reason === 'string' ? options.signal.reason : 'aborted' });
  if (options.signal?.aborted === true) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const startedAt = new Date().toISOString();
  const scenarios = plan.scenarios.map((p) => p.scenario.name);
  emit({ type: 'compare-started', startedAt, variants: plan.variants.map((v) => v.name), scenarios, plannedCalls: plan.calls * S * V, warmupCalls: plan.warmup * S * V });
  plan.variants.forEach((variant, v) =>
    emit({
      type: 'variant-event',
      variant: v,
      event: {
        type: 'run-started',
        info: {
          startedAt,
          profile: plan.profile.name,
          seed: plan.seed,
          agent: variant.agent.describe(),
          load: { model: 'closed', calls: plan.calls, concurrency: plan.concurrency },
          scenarios,
          plannedCalls: plan.calls * S,
          warmupCalls: plan.warmup * S,
        },
      },
    }),
  );

  let mocks: Mocks | undefined;
  const agents: RunningAgent[] = [];
  try {
    mocks = await startMocks({ clock, profile: plan.profile, seed: plan.seed });
    const env = { ...mocks.env, TWILIO_AUTH_TOKEN: plan.authToken };
    // One at a time: an agent that cannot start is reported as itself, and nothing else is left half-started.
    for (const variant of plan.variants) {
      if (stop.signal.aborted) break;
      try {
        agents.push(await variant.agent.start(env, { signal: stop.signal }));
      } catch (error) {
        if (stop.signal.aborted) break;
        throw new VariantStartError(variant.name, error);
      }
    }
    if (agents.length === V && !stop.signal.aborted) await playCalls({ plan, clock, emit, stop: stop.signal, stopWith, stopReason: () => describeStop(end), mocks, agents, intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.all(agents.map((agent) => agent.stop()));
    await mocks?.close();
  }
  return { ...(end ?? { state: 'completed' }), durationMs: clock.now() - began };
}

/** An agent of one variant did not start: the CLI names the variant. */
export class VariantStartError extends Error {
  readonly variant: string;
  override readonly cause: unknown;
  constructor(variant: string, cause: unknown) {
    super(`variant ${variant}: ${(cause as Error).message ?? String(cause)}`);
    this.name = 'VariantStartError';
    this.variant = variant;
    this.cause = cause;
  }
}

function describeStop(end: RunEnd | undefined): string {
  if (end?.state === 'interrupted') return `interrupted (${end.reason})`;
  if (end?.state === 'agent-exited') return 'an agent exited';
  return 'the comparison stopped';
}

interface PlayContext {
  plan: ComparePlan;
  clock: Clock;
  emit: (event: CompareEvent) => void;
  stop: AbortSignal;
  stopWith: (cause: Exclude<RunEnd, { state: 'completed' }>) => void;
  stopReason: () => string;
  mocks: Mocks;
  agents: readonly RunningAgent[];
  intervalMs: number;
}

async function playCalls(ctx: PlayContext): Promise<void> {
  const { plan, clock, emit, stop, mocks, agents } = ctx;
  const S = plan.scenarios.length;
  const V = plan.variants.length;
  const inFlight = new Map<string, { variant: number; ref: CallRef }>();
  const variantOf = new Map<string, number>();
  const counts = { done: 0, failed: 0 };
  const teardowns: PendingTeardown[] = [];
  let playing = true;
  let lastEnded: CallRef | undefined;
  const forVariant = (variant: number, event: RunEvent): void => emit({ type: 'variant-event', variant, event });

  agents.forEach((agent, v) => {
    void agent.exited?.then((exit) => {
      if (!playing) return;
      const current = [...inFlight.values()].find((c) => c.variant === v)?.ref;
      ctx.stopWith({ state: 'agent-exited', message: `variant ${plan.variants[v]?.name ?? v}: ${agentExitMessage(exit, current, lastEnded)}` });
    });
  });

  const began = clock.now();
  let cancelInterval = clock.at(began + ctx.intervalMs, function tick() {
    emit({ type: 'interval', elapsedMs: clock.now() - began, inFlight: inFlight.size, ...counts });
    cancelInterval = clock.at(clock.now() + ctx.intervalMs, tick);
  });

  const playCall = async (k: number, warm: boolean, calls: number): Promise<void> => {
    const { variant: v, scenario: s, index, pair } = interleavedCall(k, V, calls);
    const planned = plan.scenarios[s];
    const agent = agents[v];
    if (planned === undefined || agent === undefined || stop.aborted) return;
    const ref: CallRef = { scenarioIndex: s, scenario: planned.scenario.name, index, warmup: warm };
    const callSid = twilioSid('CA');
    // Every variant's call of this pair draws the pair's delays (common random numbers).
    mocks.delays.keyCall(callSid, `${warm ? 'warm' : 'pair'}-${pair}`);
    variantOf.set(callSid, v);
    const startedAt = clock.now();
    inFlight.set(callSid, { variant: v, ref });
    forVariant(v, { type: 'call-started', call: { ...ref, callSid, at: startedAt } });
    const outcome = await runScenarioCall({
      clock,
      scenario: planned.scenario,
      fixtures: planned.fixtures,
      webhookUrl: agent.webhookUrl,
      authToken: plan.authToken,
      script: mocks.script,
      faults: mocks.faults,
      journal: mocks.journal,
      calls: mocks.calls,
      sources: mocks.sources,
      callSid,
      signal: stop,
    });
    const endedAt = clock.now();
    const stopped = outcome.stopped === true || (outcome.error !== undefined && (await failedByAgentExit(clock, agent)));
    inFlight.delete(callSid);
    const record = buildCallRecord({
      ref,
      callSid,
      startedAt,
      endedAt,
      outcome,
      stoppedBy: stopped ? ctx.stopReason() : undefined,
      journal: mocks.journal.entries(),
      selfReports: agent.selfReports?.(callSid) ?? [],
      lagMs: undefined,
      faults: planned.scenario.faults ?? [],
      mocks: true,
    });
    counts.done++;
    if (record.state === 'failed') counts.failed++;
    lastEnded = ref;
    const teardown = pendingTeardown(record);
    if (teardown !== undefined) teardowns.push(teardown);
    forVariant(v, { type: 'call-ended', call: record });
  };

  let loopMonitor: EventLoopMonitor | undefined;
  let loopDelay: EventLoopDelay | undefined;
  try {
    if (plan.warmup > 0) await runClosedCount(plan.concurrency, plan.warmup * S * V, (k) => playCall(k, true, plan.warmup), stop);
    loopMonitor = startEventLoopMonitor();
    await runClosedCount(plan.concurrency, plan.calls * S * V, (k) => playCall(k, false, plan.calls), stop);
  } finally {
    cancelInterval();
    loopDelay = loopMonitor?.stop();
  }
  // The machine is one: each variant's report shows the harness's event-loop delay over the whole comparison.
  if (loopDelay !== undefined) for (let v = 0; v < V; v++) forVariant(v, { type: 'event-loop', delay: loopDelay });
  const verdicts = await decideTeardowns(clock, teardowns, mocks.journal, stop);
  playing = false;
  for (const { call, verdict } of verdicts) forVariant(variantOf.get(call.callSid) ?? 0, { type: 'check-verdict', call, verdict });
  emit({ type: 'common-random-numbers', ...mocks.delays.draws() });
  const entries = mocks.journal.entries();
  for (let v = 0; v < V; v++) {
    // Each variant's attribution and refusals from its own calls' connections; one tied to no call belongs to no variant.
    const own = entries.filter((e) => e.call !== undefined && variantOf.get(e.call) === v);
    forVariant(v, { type: 'upstream', report: upstreamReport(own) });
  }
}
