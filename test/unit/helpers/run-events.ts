/** Hand-built run events for the fold and progress tests: a run-started and call records. */
import { passed, verdictOf, type CheckId, type CheckVerdict } from '../../../harness/checks/check.ts';
import { createHistogram } from '../../../harness/metrics/histogram.ts';
import type { CallRecord, RunEvent, RunInfo } from '../../../harness/runner/events.ts';

export function runStarted(extra: Partial<RunInfo> = {}): RunEvent {
  return {
    type: 'run-started',
    info: { startedAt: '2025-06-01T12:00:00.000Z', profile: 'instant', seed: 3, agent: 'test agent', load: { model: 'closed', calls: 2, concurrency: 1 }, scenarios: ['greeting', 'question'], plannedCalls: 4, warmupCalls: 0, ...extra },
  };
}

export const failed = (id: CheckId, line: string): CheckVerdict => verdictOf(id, [line]);

type State = { state: 'completed' } | { state: 'failed'; error: string } | { state: 'stopped'; reason: string };

/** A measured call of scenario 0 ('greeting') that connected, with 100 pacing frames. */
export function callRecord(extra: Partial<Omit<CallRecord, 'state'>> & { status?: State } = {}): CallRecord {
  const { status = { state: 'completed' }, ...rest } = extra;
  const lateness = createHistogram();
  lateness.record(1);
  return {
    scenarioIndex: 0,
    scenario: 'greeting',
    index: 0,
    warmup: false,
    callSid: 'CA1',
    startedAt: 0,
    endedAt: 1000,
    timeline: [],
    journal: [],
    samples: { 'greeting.first_audio_ms': [250] },
    turns: ['reply'],
    greeting: 'stream',
    unansweredTurns: 0,
    verdicts: [passed('twilio.protocol')],
    pacing: { framesSent: 100, lateness },
    ...rest,
    ...status,
  };
}
