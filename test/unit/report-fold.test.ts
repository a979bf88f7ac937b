/**
 * The result model as a fold over run events: measured calls are merged, warm-up and stopped
 * calls only counted, a teardown verdict that arrives after the call joins that call's verdicts,
 * and a stopped run's summary is marked partial.
 */
import { describe, expect, it } from 'vitest';
import { passed } from '../../harness/checks/check.ts';
import { createRunFold } from '../../harness/report/fold.ts';
import { summarize } from '../../harness/report/summary.ts';
import { describePartial } from '../../harness/report/table.ts';
import { callRecord, failed, runStarted } from './helpers/run-events.ts';

describe('createRunFold', () => {
  it('merges measured calls, counts the others, and adds late teardown verdicts to their call', () => {
    const fold = createRunFold();
    fold.add(runStarted());
    fold.add({ type: 'call-ended', call: callRecord({ warmup: true, callSid: 'CAw', samples: { 'greeting.first_audio_ms': [9999] } }) });
    fold.add({ type: 'call-ended', call: callRecord({ callSid: 'CA1' }) });
    fold.add({ type: 'call-ended', call: callRecord({ callSid: 'CA2', index: 1, status: { state: 'failed', error: 'boom' }, samples: { 'greeting.first_audio_ms': [300] } }) });
    fold.add({ type: 'call-ended', call: callRecord({ callSid: 'CA3', scenarioIndex: 1, scenario: 'question', samples: {}, verdicts: [], pacing: undefined }) });
    const call = { scenarioIndex: 0, scenario: 'greeting', index: 1, warmup: false, callSid: 'CA2' };
    fold.add({ type: 'check-verdict', call, verdict: failed('upstream.closed-after-hangup', 'listen-1 still open') });
    fold.add({ type: 'run-ended', result: { state: 'completed', durationMs: 4321 } });

    const outcome = fold.outcome();
    const [greeting, question] = outcome.scenarios;
    expect(greeting).toMatchObject({ calls: 2, failedCalls: 1, warmupCalls: 1, errors: ['call 2: boom'], turnKinds: { reply: 2 } });
    expect(greeting?.samples['greeting.first_audio_ms']).toEqual([250, 300]);
    expect(outcome.samples['greeting.first_audio_ms']).toEqual([250, 300]);
    expect(greeting?.checks).toEqual([
      { call: 1, verdicts: [passed('twilio.protocol')] },
      { call: 2, verdicts: [passed('twilio.protocol'), failed('upstream.closed-after-hangup', 'listen-1 still open')] },
    ]);
    // A call that never connected has no verdicts.
    expect(question).toMatchObject({ calls: 1, checks: [] });
    expect(outcome).toMatchObject({ durationMs: 4321, framesSent: 200, warmupCalls: 1, load: { started: 3 }, end: { state: 'completed' } });

    const summary = summarize(outcome, '0.0.0', { resamples: 10 });
    expect(summary.partial).toBeUndefined();
    expect(summary.checks['upstream.closed-after-hangup']).toMatchObject({ failed: 1, checked: 1 });
    expect(summary.scenarios['greeting']?.stoppedCalls).toBeUndefined();
  });

  it('marks a stopped run partial, with the calls it hung up counted and not measured', () => {
    const fold = createRunFold();
    fold.add(runStarted());
    fold.add({ type: 'call-ended', call: callRecord() });
    fold.add({ type: 'call-ended', call: callRecord({ index: 1, status: { state: 'stopped', reason: 'interrupted (SIGINT)' }, samples: {}, verdicts: [] }) });
    fold.add({ type: 'run-ended', result: { state: 'interrupted', reason: 'SIGINT', durationMs: 1500 } });
    const summary = summarize(fold.outcome(), '0.0.0', { resamples: 10 });
    expect(summary).toMatchObject({ partial: true, stopped: { reason: 'interrupted', message: 'interrupted by SIGINT' } });
    expect(summary.scenarios['greeting']).toMatchObject({ calls: 1, stoppedCalls: 1, failedCalls: 0 });
    expect(summary.metrics['greeting.first_audio_ms']?.count).toBe(1);
    expect(describePartial(summary)).toBe('PARTIAL RUN: interrupted by SIGINT. The figures cover only the calls that ended before it stopped (1 call(s) hung up early are left out).');
  });
});
