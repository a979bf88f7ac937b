/** The progress printer: one line per call that says how it ended and which error checks failed on it, a line per failed teardown verdict, intervals only when quiet. */
import { describe, expect, it } from 'vitest';
import { skipped } from '../../harness/checks/check.ts';
import { createProgressPrinter } from '../../harness/report/progress.ts';
import { callRecord, failed, runStarted } from './helpers/run-events.ts';

describe('createProgressPrinter', () => {
  it('says ok only for a call that ran to its end and failed no error check', () => {
    const print = createProgressPrinter();
    expect(print(runStarted())).toEqual([]);
    expect(print({ type: 'call-started', call: { scenarioIndex: 0, scenario: 'greeting', index: 0, warmup: false, callSid: 'CA1', at: 0 } })).toEqual(['  [start] greeting #1 CA1']);
    expect(print({ type: 'call-ended', call: callRecord() })).toEqual(['  [1/4] greeting #1 ok']);
    const checksFailed = callRecord({ index: 1, verdicts: [failed('twilio.protocol', 'bad'), failed('turn.answered', 'silent'), failed('bargein.no-spurious-clear', 'clear')] });
    expect(print({ type: 'call-ended', call: checksFailed })).toEqual(['  [2/4] greeting #2 FAILED checks: twilio.protocol, turn.answered (warning: bargein.no-spurious-clear)']);
    const both = callRecord({ index: 2, status: { state: 'failed', error: 'step 1 (wait_for_agent): timed out' }, verdicts: [failed('turn.answered', 'silent')] });
    expect(print({ type: 'call-ended', call: both })).toEqual(['  [3/4] greeting #3 FAILED: step 1 (wait_for_agent): timed out; failed checks: turn.answered']);
    expect(print({ type: 'call-ended', call: callRecord({ index: 3, status: { state: 'stopped', reason: 'interrupted (SIGINT)' }, verdicts: [] }) })).toEqual(['  [stopped] greeting #4 stopped: interrupted (SIGINT)']);
  });

  it('gives a failed teardown verdict its own line, and a passed or skipped one none', () => {
    const print = createProgressPrinter();
    print(runStarted());
    const call = { scenarioIndex: 1, scenario: 'question', index: 0, warmup: false, callSid: 'CA9' };
    expect(print({ type: 'check-verdict', call, verdict: skipped('upstream.closed-after-hangup', 'the call opened no upstream socket') })).toEqual([]);
    const verdict = { ...failed('upstream.closed-after-hangup', 'deepgram.listen listen-1 still open'), evidence: ['deepgram.listen listen-1 still open', 'deepgram.speak.ws speak-1 still open'] };
    expect(print({ type: 'check-verdict', call, verdict })).toEqual(['  [teardown] question #1 FAILED upstream.closed-after-hangup: deepgram.listen listen-1 still open (and 1 more)']);
  });

  it('counts warm-up calls apart, and without a planned total counts up', () => {
    const print = createProgressPrinter();
    print(runStarted({ load: { model: 'closed-duration', durationMs: 10_000, concurrency: 1 }, plannedCalls: undefined }));
    expect(print({ type: 'call-ended', call: callRecord({ warmup: true }) })).toEqual(['  [warm-up] greeting #1 ok']);
    expect(print({ type: 'call-ended', call: callRecord() })).toEqual(['  [1] greeting #1 ok']);
  });

  it('prints an interval only when nothing else was printed since the last one', () => {
    const print = createProgressPrinter();
    print(runStarted());
    const interval = { type: 'interval', elapsedMs: 5000, done: 1, inFlight: 2, failed: 0, dropped: 0 } as const;
    expect(print(interval)).toEqual(['  [5 s] 1 call(s) done, 2 in flight, 0 failed']);
    print({ type: 'call-ended', call: callRecord() });
    expect(print({ ...interval, elapsedMs: 10_000 })).toEqual([]);
    expect(print({ ...interval, elapsedMs: 15_000, dropped: 3 })).toEqual(['  [15 s] 1 call(s) done, 2 in flight, 0 failed, 3 dropped']);
  });
});
