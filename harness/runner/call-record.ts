/**
 * The immutable record of one call, made once it has ended: its state, caller timeline, mock
 * journal entries, metric samples, turn kinds and the verdicts judged from it alone. A warm-up or
 * stopped call keeps its timeline but is measured by nothing.
 */
import { evaluateCallChecks } from '../checks/call-checks.ts';
import { computeCallMetrics } from '../metrics/call-metrics.ts';
import type { MetricName } from '../metrics/definitions.ts';
import type { JournalEntry } from '../mocks/journal/entries.ts';
import type { SelfReportedTurn } from '../metrics/self-report.ts';
import type { CallRecord, CallRef } from './events.ts';
import type { ScenarioCallOutcome } from './run-scenario-call.ts';
import type { Fault } from '../mocks/faults.ts';
import { untiedServicesBetween } from '../checks/absence.ts';
import type { TimelineEvent } from '../caller/timeline.ts';
import type { CallAudio } from '../caller/audio-capture.ts';
import { isWaitStepError, silenceNote } from './silence-note.ts';

export interface CallRecordInput {
  ref: CallRef;
  callSid: string;
  startedAt: number;
  endedAt: number;
  outcome: ScenarioCallOutcome;
  /** Set when the run was stopping and the call did not run to its end: why. */
  stoppedBy: string | undefined;
  /** Every entry of the mocks' journal (the call's own are picked out here); empty without mocks. */
  journal: readonly JournalEntry[];
  selfReports: readonly SelfReportedTurn[];
  /** Open model: how late the call started after its due time. */
  lagMs: number | undefined;
  /** The faults the call's scenario armed. */
  faults: readonly Fault[];
  /** Whether the run's upstream services are its mocks. */
  mocks: boolean;
  /** The call's audio, when the run keeps it. */
  audio?: CallAudio;
}

/** A wait step's timeout says how long the caller had heard nothing: slow, or gone silent (silence-note.ts). */
function withSilence(error: string, timeline: readonly TimelineEvent[]): string {
  const note = isWaitStepError(error) ? silenceNote(timeline) : undefined;
  return note === undefined ? error : `${error}; ${note}`;
}

export function buildCallRecord(input: CallRecordInput): CallRecord {
  const { ref, callSid, outcome } = input;
  const result = outcome.result;
  const timeline = Object.freeze([...(result?.timeline.events ?? [])]);
  const journal = Object.freeze(input.journal.filter((e) => e.call === callSid));
  const pacing = result === undefined ? undefined : Object.freeze({ framesSent: result.pacing.framesSent, lateness: result.pacing.lateness });
  const state =
    input.stoppedBy !== undefined
      ? ({ state: 'stopped', reason: input.stoppedBy } as const)
      : outcome.error !== undefined
        ? ({ state: 'failed', error: withSilence(outcome.error, timeline) } as const)
        : ({ state: 'completed' } as const);
  const audio = input.audio === undefined || result === undefined ? {} : { audio: input.audio };
  const base = { ...ref, callSid, startedAt: input.startedAt, endedAt: input.endedAt, timeline, journal, pacing, ...audio, ...state };
  // Nothing of a warm-up call, or of a call the run's stop cut short, is measured.
  if (ref.warmup || state.state === 'stopped') {
    return Object.freeze({ ...base, samples: Object.freeze({}), turns: Object.freeze([]), greeting: undefined, unansweredTurns: 0, verdicts: Object.freeze([]) });
  }
  const samples: Partial<Record<MetricName, readonly number[]>> = {};
  if (input.lagMs !== undefined) samples['call.start_lag_ms'] = Object.freeze([input.lagMs]);
  if (result === undefined) {
    // It never connected: no timeline to measure or judge, only its start lag.
    return Object.freeze({ ...base, samples: Object.freeze(samples), turns: Object.freeze([]), greeting: undefined, unansweredTurns: 0, verdicts: Object.freeze([]) });
  }
  const metrics = computeCallMetrics(timeline, journal, input.selfReports);
  for (const [name, values] of Object.entries(metrics.samples) as Array<[MetricName, number[]]>) {
    samples[name] = Object.freeze([...(samples[name] ?? []), ...values]);
  }
  return Object.freeze({
    ...base,
    samples: Object.freeze(samples),
    turns: Object.freeze(metrics.turns.map((turn) => turn.kind)),
    greeting: metrics.greetingSource,
    unansweredTurns: metrics.unansweredTurns,
    verdicts: Object.freeze(
      evaluateCallChecks({ events: timeline, metrics, journal, mocks: input.mocks, faults: input.faults, untied: untiedServicesBetween(input.journal, input.startedAt, input.endedAt) }),
    ),
  });
}
