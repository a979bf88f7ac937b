/**
 * A baseline: what a later run needs to be compared with this one, saved by `run
 * --save-baseline FILE` and read back by `run --baseline FILE` (read.ts). It keeps the raw
 * samples (every per-turn value of every metric, per scenario: the statistics resample these),
 * the encoded HDR histograms beside them (lossless, for merging and for tools that read
 * HdrHistogram), the plan the samples came from (a run of another plan is not comparable:
 * plan.ts), and the versions and machine they were measured with (a different machine is
 * comparable, but its figures differ for that reason alone).
 *
 * The format carries its version: a reader refuses any version but its own rather than guess.
 */
import type { MetricName } from '../metrics/definitions.ts';
import type { LoadPlan } from '../runner/run.ts';

export const BASELINE_FORMAT = 'callbench-baseline';
export const BASELINE_VERSION = 1;

/** The agent a baseline measured, as far as comparability goes. */
export type AgentIdentity =
  /** The in-process reference agent and its design (mode, reply knobs, barge-in policy): another design is another plan. */
  | { kind: 'reference'; design: string }
  /** `--agent-cmd`, secrets redacted: the same agent may be started differently, so a change is only noted. */
  | { kind: 'command'; command: string }
  /** `--agent-url`. */
  | { kind: 'url'; url: string };

export interface BaselinePlan {
  /** In plan order; the digest covers the scenario file's content and its fixtures' audio and text. */
  scenarios: Array<{ name: string; digest: string }>;
  profile: string;
  seed: number;
  load: LoadPlan;
  /** Warm-up calls per scenario. */
  warmup: number;
  agent: AgentIdentity;
}

export interface Versions {
  callbench: string;
  node: string;
  /** The SDKs the reference agent and the mocks' fidelity depend on; null when not installed. */
  sdks: Record<string, string | null>;
}

export interface MachineFacts {
  /** `${platform} ${release}`, e.g. "linux 6.1.0-18-amd64". */
  os: string;
  arch: string;
  cpus: { model: string; count: number };
  totalMemoryBytes: number;
}

export type MetricValues = Partial<Record<MetricName, number[]>>;

export interface BaselineScenario {
  /** Measured calls that ran (to their end or failed). */
  calls: number;
  failedCalls: number;
  /** Every sample of every metric with samples, in the order the calls ended (ms). */
  samples: MetricValues;
  /** The same samples as encoded HdrHistograms (compressed base64, as result.json's `histograms`). */
  histograms: Partial<Record<MetricName, string>>;
}

export interface Baseline {
  format: typeof BASELINE_FORMAT;
  version: typeof BASELINE_VERSION;
  /** When the file was written (ISO 8601). */
  savedAt: string;
  plan: BaselinePlan;
  versions: Versions;
  machine: MachineFacts;
  run: {
    startedAt: string;
    durationMs: number;
    calls: number;
    failedCalls: number;
    /** The codes of the run's trust warnings (harness/report/warnings.ts): a baseline measured on a loaded machine says so. */
    warnings: string[];
  };
  scenarios: Record<string, BaselineScenario>;
  /** Over every scenario, per metric. */
  histograms: Partial<Record<MetricName, string>>;
}
