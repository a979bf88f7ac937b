/**
 * The plan of a run: what it plays, how its calls are started, and against which agent and
 * upstream services. startRun (start-run.ts) plays it; its events are in events.ts.
 */
import type { Utterance } from '../caller/utterance.ts';
import type { LatencyProfile } from '../mocks/profiles.ts';
import type { MocksOptions, UpstreamEnv } from '../mocks/start-mocks.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { AgentTarget } from './agent-target.ts';
import type { OpenModelOptions } from './load-models.ts';

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
  upstream?: { kind: 'mocks'; ports?: MocksOptions['ports']; /** The mocks answer from a recorded call (`callbench replay`). */ replay?: MocksOptions['replay'] } | { kind: 'real'; env: UpstreamEnv };
  /** Keep each measured call's audio in its record (CallRecord.audio), for calls/<n>/call.wav; off by default, as it costs ~16 KB per second of call. */
  callAudio?: boolean;
}

/** Calls of the measured phase planned in advance, when the load model fixes them. */
export function plannedMeasuredCalls(load: LoadPlan, scenarios: number): number | undefined {
  return load.model === 'closed' ? load.calls * scenarios : undefined;
}
