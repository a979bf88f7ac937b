/**
 * What a run tells its consumers: a tagged union of events (on `type`), emitted in order, and the
 * immutable record of each call. Progress lines, the result model (harness/report/fold.ts) and
 * any other view of a run are folds over these events; the runner keeps no result of its own.
 */
import type { CallAudio } from '../caller/audio-capture.ts';
import type { TimelineEvent } from '../caller/timeline.ts';
import type { CheckVerdict } from '../checks/check.ts';
import type { GreetingSource, TurnKind } from '../metrics/call-metrics.ts';
import type { MetricName } from '../metrics/definitions.ts';
import type { LatencyHistogram } from '../metrics/histogram.ts';
import type { JournalEntry } from '../mocks/journal/entries.ts';
import type { UpstreamReport } from '../mocks/journal/queries.ts';
import type { EventLoopDelay } from './event-loop.ts';
import type { DropReason } from './load-models.ts';
import type { LoadPlan } from './run.ts';
import type { Shard } from '../shard/shard.ts';

/** Which call: the scenario (its position in the plan and its name) and the call's 0-based index within it. */
export interface CallRef {
  scenarioIndex: number;
  scenario: string;
  index: number;
  /** Warm-up calls are played first and measured by nothing. */
  warmup: boolean;
}

interface CallRecordBase extends CallRef {
  callSid: string;
  /** When the call was started and when its record was made, on the run's clock. */
  startedAt: number;
  endedAt: number;
  /** The caller's timeline, empty when the call never connected. */
  timeline: readonly TimelineEvent[];
  /** The mock journal entries tied to this call (empty without mocks). */
  journal: readonly JournalEntry[];
  /** Every metric sample of the call (the open model's `call.start_lag_ms` among them); none for a warm-up or stopped call. */
  samples: Readonly<Partial<Record<MetricName, readonly number[]>>>;
  /** How each caller utterance was classified, in order. */
  turns: readonly TurnKind[];
  /** Where the greeting the caller heard came from, if one was heard (none for a warm-up or stopped call). */
  greeting: GreetingSource | undefined;
  unansweredTurns: number;
  /**
   * The verdicts judged from the call alone (harness/checks/call-checks.ts); none when the call
   * never connected, was a warm-up, or was stopped. `upstream.closed-after-hangup` comes later,
   * as a `check-verdict` event.
   */
  verdicts: readonly CheckVerdict[];
  /** The caller's frame pacing, when the call connected (read it, never record into it). */
  pacing: { framesSent: number; lateness: LatencyHistogram } | undefined;
  /** The audio sent and received, only when the run keeps it (RunPlan.callAudio) and the call connected. */
  audio?: CallAudio;
}

/**
 * One call, once it has ended. `completed`: it ran to its end. `failed`: it did not (the error
 * says why). `stopped`: the run was stopping (interrupted, or the agent exited) and hung it up
 * early; nothing of it is measured.
 */
export type CallRecord = Readonly<
  CallRecordBase & ({ state: 'completed' } | { state: 'failed'; error: string } | { state: 'stopped'; reason: string })
>;

/** What is known of a run before its first call. */
export interface RunInfo {
  /** Wall-clock start (ISO 8601). */
  startedAt: string;
  /** The mock profile, or 'real' for the real services. */
  profile: string;
  seed: number;
  agent: string;
  load: LoadPlan;
  /** The planned scenarios' names, in plan order. */
  scenarios: readonly string[];
  /** Measured calls planned, when the load model fixes them. */
  plannedCalls: number | undefined;
  warmupCalls: number;
  /** The shard of the plan this run plays (`--shard i/n`), when it plays one. */
  shard?: Shard;
}

/** How a run ended. */
export type RunEnd =
  | { state: 'completed' }
  /** The caller's signal aborted it; `reason` is the signal's reason when that is a string (e.g. 'SIGINT'). */
  | { state: 'interrupted'; reason: string }
  /** The agent's processes ended while calls were still to be played; `message` says which call and what it printed. */
  | { state: 'agent-exited'; message: string };

export type RunResult = RunEnd & {
  durationMs: number;
  /** Open model: calls that came due on the schedule (those of a stopped run up to its stop). */
  scheduled?: number;
};

export type RunEvent =
  | { type: 'run-started'; info: RunInfo }
  | { type: 'call-started'; call: CallRef & { callSid: string; at: number } }
  | { type: 'call-ended'; call: CallRecord }
  /** Open model: a call that came due and was not started. */
  | { type: 'call-dropped'; call: CallRef; reason: DropReason; lagMs: number }
  /** A verdict decided after the call's record: `upstream.closed-after-hangup`, once its grace period has passed. */
  | { type: 'check-verdict'; call: CallRef & { callSid: string }; verdict: CheckVerdict }
  /**
   * Once the calls (and the teardown wait) are over, when the run had mocks: how every upstream
   * connection was tied to its call, and every refusal the mocks sent, with the mocks' own words.
   */
  | { type: 'upstream'; report: UpstreamReport }
  /**
   * Once the measured calls are over: how late the harness's own event loop ran while they played
   * (harness/runner/event-loop.ts; warm-up calls and the teardown wait left out). None when no
   * measured call was played long enough for one sample.
   */
  | { type: 'event-loop'; delay: EventLoopDelay }
  /** Every few seconds while calls are being played. */
  | { type: 'interval'; elapsedMs: number; done: number; inFlight: number; failed: number; dropped: number }
  | { type: 'run-ended'; result: RunResult };
