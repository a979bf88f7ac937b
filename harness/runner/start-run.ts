/**
 * A run: start the mocks (unless the agent is to use the real services) and the agent, play the
 * scenarios under a load model (load-models.ts: closed by count, closed for a duration, or open
 * arrival-rate), and tell every consumer what happened as a stream of events (events.ts). Warm-up
 * calls run first. Once the last call has ended and its grace period has passed, the teardown
 * check is decided for every measured call, before the agent stops. The runner keeps no result:
 * the result model is a fold over the events (harness/report/fold.ts).
 *
 * Nothing the run starts outlives it. Aborting `signal` (Ctrl-C), or the agent's processes ending
 * on their own, stops it: no further call starts, the calls in flight are hung up, the teardown
 * wait is skipped, the agent and the mocks are stopped, and `result` resolves with how it ended.
 *
 * @example
 *   const run = startRun(plan, { clock, signal });
 *   run.subscribe((event) => { if (event.type === 'call-ended') ended.push(event.call); });
 *   const result = await run.result;
 */
import { setMaxListeners } from 'node:events';
import type { Clock } from '../clock.ts';
import { twilioSid } from '../caller/ids.ts';
import { createAudioCapture } from '../caller/audio-capture.ts';
import { startMocks, type Mocks, type UpstreamEnv } from '../mocks/start-mocks.ts';
import { upstreamReport } from '../mocks/journal/queries.ts';
import { agentExitMessage, failedByAgentExit } from './agent-exit.ts';
import type { RunningAgent } from './agent-target.ts';
import { buildCallRecord } from './call-record.ts';
import { createEventSource, type EventStream } from './event-stream.ts';
import { startEventLoopMonitor, type EventLoopDelay, type EventLoopMonitor } from './event-loop.ts';
import type { CallRef, RunEnd, RunEvent, RunResult } from './events.ts';
import { runClosedCount } from './load-models.ts';
import { playLoad } from './play-load.ts';
import { callDelayKey } from '../shard/shard.ts';
import { plannedMeasuredCalls, type RunPlan } from './run.ts';
import { runScenarioCall } from './run-scenario-call.ts';
import { decideTeardowns, pendingTeardown, type PendingTeardown } from './teardowns.ts';

export interface RunOptions {
  clock: Clock;
  /** Aborting it stops the run (see above); a string reason (e.g. 'SIGINT') is reported as the cause. */
  signal?: AbortSignal;
  /** Period of the `interval` events, ms (default 5000). */
  intervalMs?: number;
}

export interface Run extends EventStream<RunEvent> {
  /**
   * Resolves once the run has ended and the agent and mocks have stopped. Rejects when the mocks
   * or the agent could not start, on an internal error, or when a listener threw.
   */
  result: Promise<RunResult>;
}

export const DEFAULT_INTERVAL_MS = 5000;

/**
 * Starts a run. Its first event is emitted on a later microtask, so listeners subscribed right
 * after this returns see every event.
 */
export function startRun(plan: RunPlan, options: RunOptions): Run {
  const stop = new AbortController();
  // Every call in flight listens on it (and lets go when it ends): hundreds at once by design, not a leak.
  setMaxListeners(0, stop.signal);
  let listenerError: { error: unknown } | undefined;
  const source = createEventSource<RunEvent>((error) => {
    listenerError ??= { error };
    stop.abort();
  });
  const result = Promise.resolve().then(async () => {
    const ended = await execute(plan, options, source.emit, stop);
    if (listenerError !== undefined) throw listenerError.error;
    source.emit({ type: 'run-ended', result: ended });
    return ended;
  });
  return { subscribe: source.subscribe, result };
}

function reasonOf(reason: unknown): string {
  return typeof reason === 'string' ? reason : reason instanceof Error ? reason.message : 'aborted';
}

async function execute(plan: RunPlan, options: RunOptions, emit: (event: RunEvent) => void, stop: AbortController): Promise<RunResult> {
  const { clock } = options;
  const began = clock.now();
  const upstream = plan.upstream ?? { kind: 'mocks' };
  const warmup = plan.warmup ?? 0;
  const S = plan.scenarios.length;

  /** Why the run is stopping early: the first cause wins. */
  let end: Exclude<RunEnd, { state: 'completed' }> | undefined;
  const stopWith = (cause: Exclude<RunEnd, { state: 'completed' }>): void => {
    end ??= cause;
    stop.abort();
  };
  const onAbort = (): void => stopWith({ state: 'interrupted', reason: reasonOf(options.signal?.reason) });
  if (options.signal?.aborted === true) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  emit({
    type: 'run-started',
    info: {
      startedAt: new Date().toISOString(),
      // No mock profile applies to the real services.
      profile: upstream.kind === 'real' ? 'real' : plan.profile.name,
      seed: plan.seed,
      agent: plan.agent.describe(),
      load: plan.load,
      scenarios: plan.scenarios.map((p) => p.scenario.name),
      plannedCalls: plannedMeasuredCalls(plan.load, S, plan.shard),
      ...(plan.shard === undefined ? {} : { shard: plan.shard }),
      warmupCalls: warmup * S,
    },
  });

  let mocks: Mocks | undefined;
  let scheduled: number | undefined;
  try {
    let upstreamEnv: UpstreamEnv;
    if (upstream.kind === 'mocks') {
      mocks = await startMocks({
        clock,
        profile: plan.profile,
        seed: plan.seed,
        ...(upstream.ports === undefined ? {} : { ports: upstream.ports }),
        ...(upstream.replay === undefined ? {} : { replay: upstream.replay }),
      });
      upstreamEnv = mocks.env;
    } else {
      upstreamEnv = upstream.env;
    }
    let agent: RunningAgent | undefined;
    if (!stop.signal.aborted) {
      try {
        agent = await plan.agent.start({ ...upstreamEnv, TWILIO_AUTH_TOKEN: plan.authToken }, { signal: stop.signal });
      } catch (error) {
        // A start given up because the run was stopped is the stop, not an error.
        if (!stop.signal.aborted) throw error;
      }
    }
    if (agent !== undefined) {
      const running = agent;
      try {
        scheduled = await playCalls({ plan, clock, emit, stop: stop.signal, stopWith, stopReason: () => describeStop(end), mocks, agent: running, warmup, intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS });
      } finally {
        await running.stop();
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await mocks?.close();
  }
  return { ...(end ?? { state: 'completed' }), durationMs: clock.now() - began, ...(scheduled === undefined ? {} : { scheduled }) };
}

function describeStop(end: RunEnd | undefined): string {
  if (end?.state === 'interrupted') return `interrupted (${end.reason})`;
  if (end?.state === 'agent-exited') return 'the agent exited';
  return 'the run stopped';
}

interface PlayContext {
  plan: RunPlan;
  clock: Clock;
  emit: (event: RunEvent) => void;
  stop: AbortSignal;
  stopWith: (cause: Exclude<RunEnd, { state: 'completed' }>) => void;
  stopReason: () => string;
  mocks: Mocks | undefined;
  agent: RunningAgent;
  warmup: number;
  intervalMs: number;
}

/** Plays the warm-up and measured calls, then decides the teardown checks; resolves with the open model's scheduled count. */
async function playCalls(ctx: PlayContext): Promise<number | undefined> {
  const { plan, clock, emit, stop, mocks, agent, warmup } = ctx;
  const S = plan.scenarios.length;
  const inFlight = new Map<string, CallRef>();
  let lastEnded: CallRef | undefined;
  const counts = { done: 0, failed: 0, dropped: 0 };
  const teardowns: PendingTeardown[] = [];
  let agentRunning = true;

  // Only while calls are being played: an exit after that is the agent being stopped, or too late to matter.
  void agent.exited?.then((exit) => {
    if (agentRunning) ctx.stopWith({ state: 'agent-exited', message: agentExitMessage(exit, inFlight.values().next().value, lastEnded) });
  });

  const callsBegan = clock.now();
  let cancelInterval = clock.at(callsBegan + ctx.intervalMs, function tick() {
    emit({ type: 'interval', elapsedMs: clock.now() - callsBegan, inFlight: inFlight.size, ...counts });
    cancelInterval = clock.at(clock.now() + ctx.intervalMs, tick);
  });

  /** Plays call `index` of scenario `s` and emits its record. */
  const playCall = async (s: number, index: number, warm: boolean, lagMs?: number): Promise<void> => {
    const planned = plan.scenarios[s];
    if (planned === undefined || stop.aborted) return;
    const ref: CallRef = { scenarioIndex: s, scenario: planned.scenario.name, index, warmup: warm };
    const callSid = twilioSid('CA');
    // A shard's call meets the delays it would meet in any other shard (harness/shard/shard.ts).
    if (plan.shard !== undefined && !warm) mocks?.delays.keyCall(callSid, callDelayKey(planned.scenario.name, index));
    const startedAt = clock.now();
    // Warm-up calls are measured by nothing: their audio is not kept either.
    const capture = plan.callAudio === true && !warm ? createAudioCapture() : undefined;
    inFlight.set(callSid, ref);
    emit({ type: 'call-started', call: { ...ref, callSid, at: startedAt } });
    const outcome = await runScenarioCall({
      clock,
      scenario: planned.scenario,
      fixtures: planned.fixtures,
      webhookUrl: agent.webhookUrl,
      authToken: plan.authToken,
      script: mocks?.script,
      ...(mocks === undefined ? {} : { faults: mocks.faults, journal: mocks.journal, calls: mocks.calls, sources: mocks.sources }),
      callSid,
      signal: stop,
      ...(capture === undefined ? {} : { audio: capture }),
    });
    const endedAt = clock.now();
    // A call the agent's death failed is not the agent's failure to measure: the run stops on it.
    const stopped = outcome.stopped === true || (outcome.error !== undefined && (await failedByAgentExit(clock, agent)));
    inFlight.delete(callSid);
    const record = buildCallRecord({
      ref,
      callSid,
      startedAt,
      endedAt,
      outcome,
      stoppedBy: stopped ? ctx.stopReason() : undefined,
      journal: mocks?.journal.entries() ?? [],
      selfReports: agent.selfReports?.(callSid) ?? [],
      lagMs,
      faults: planned.scenario.faults ?? [],
      mocks: mocks !== undefined,
      ...(capture === undefined ? {} : { audio: capture.audio() }),
    });
    counts.done++;
    if (record.state === 'failed') counts.failed++;
    lastEnded = ref;
    const teardown = pendingTeardown(record);
    if (teardown !== undefined) teardowns.push(teardown);
    emit({ type: 'call-ended', call: record });
  };

  let scheduled: number | undefined;
  let loopMonitor: EventLoopMonitor | undefined;
  let loopDelay: EventLoopDelay | undefined;
  try {
    if (warmup > 0) {
      const limit = plan.load.model === 'open' ? Math.min(plan.load.maxInFlight, S) : plan.load.concurrency;
      // Scenario-major, as the closed model plays them: warm-up call i is call i % warmup of scenario ⌊i / warmup⌋.
      await runClosedCount(limit, warmup * S, (i) => playCall(Math.floor(i / warmup), i % warmup, true), stop);
    }
    // Over the measured calls only, as the pacing is: a warm-up's first-call stalls (JIT, connection set-up) are what it is there to absorb.
    loopMonitor = startEventLoopMonitor();
    scheduled = await playLoad(
      clock,
      plan.load,
      S,
      plan.shard,
      {
        play: (s, index, lagMs) => playCall(s, index, false, lagMs),
        drop: (s, index, reason, lagMs) => {
          counts.dropped++;
          emit({ type: 'call-dropped', call: { scenarioIndex: s, scenario: plan.scenarios[s]?.scenario.name ?? '', index, warmup: false }, reason, lagMs });
        },
      },
      stop,
    );
  } finally {
    cancelInterval();
    loopDelay = loopMonitor?.stop();
  }
  if (loopDelay !== undefined) emit({ type: 'event-loop', delay: loopDelay });
  // Before the agent stops: stopping it closes every upstream socket and would hide a leak.
  const verdicts = await decideTeardowns(clock, teardowns, plan.upstream?.kind === 'real' ? undefined : mocks?.journal, stop);
  agentRunning = false;
  for (const { call, verdict } of verdicts) emit({ type: 'check-verdict', call, verdict });
  if (mocks !== undefined) emit({ type: 'upstream', report: upstreamReport(mocks.journal.entries()) });
  return scheduled;
}
