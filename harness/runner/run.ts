/**
 * The plan of a run: what it plays, how its calls are started, and against which agent and
 * upstream services. startRun (start-run.ts) plays it; its events are in events.ts.
 */
import type { Utterance } from '../caller/utterance.ts';
import type { LatencyProfile } from '../mocks/profiles.ts';
import type { MocksOptions, UpstreamEnv } from '../mocks/start-mocks.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { AgentTarget } from './agent-target.ts';
import { shardShare, type Shard } from '../shard/shard.ts';
import type { OpenModelOptions } from './load-models.ts';
import type { Stage } from './stages.ts';

export interface PlannedScenario {
  scenario: Scenario;
  fixtures: ReadonlyMap<string, Utterance>;
}

/** How calls are started; see load-models.ts. */
export type LoadPlan =
  /** `calls` calls of every scenario, at most `concurrency` in flight across scenarios. */
  | { model: 'closed'; calls: number; concurrency: number }
  /**
   * `concurrency` callers start calls (scenarios round-robin) until `durationMs` has passed; with
   * `stages`, the callers ramp stage by stage (stages.ts; `concurrency` is then their peak and
   * `durationMs` the stages' total).
   */
  | { model: 'closed-duration'; durationMs: number; concurrency: number; stages?: readonly Stage[] }
  /**
   * Calls due at a fixed rate (scenarios round-robin), whatever the agent does; with `stages`, at
   * a rate ramped stage by stage (`ratePerSec` is then its peak and `durationMs` the stages' total).
   */
  | ({ model: 'open'; stages?: readonly Stage[] } & OpenModelOptions);

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
  upstream?: { kind: 'mocks'; ports?: MocksOptions['ports']; /** The mocks answer from a recorded call (`callbench replay`). */ replay?: MocksOptions['replay'] } | { kind: 'real'; env: UpstreamEnv };
  /**
   * Play only this shard of the plan's measured calls (harness/shard/shard.ts): `callbench run
   * --shard i/n` on each of n machines, then `callbench merge`. Every call's upstream delays then
   * come from a stream keyed by the call, so a call meets the same delays in any shard.
   */
  shard?: Shard;
  /** Keep each measured call's audio in its record (CallRecord.audio), for calls/<n>/call.wav; off by default, as it costs ~16 KB per second of call. */
  callAudio?: boolean;
}

/** Calls of the measured phase planned in advance, when the load model fixes them. */
export function plannedMeasuredCalls(load: LoadPlan, scenarios: number, shard?: Shard): number | undefined {
  if (load.model !== 'closed') return undefined;
  return shard === undefined ? load.calls * scenarios : shardShare(load.calls * scenarios, shard);
}
