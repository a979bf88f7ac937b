/**
 * The per-call conformance checks on hand-built timelines and journals, with exact verdicts and
 * evidence: a clean call passes every check that applies, a faulty one fails each with the facts
 * that show it (times in seconds after `start`), a call without barge-in or truncate skips those
 * checks, and the run's aggregation and terminal section count and quote them.
 */
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../harness/caller/timeline.ts';
import { evaluateCallChecks } from '../../harness/checks/call-checks.ts';
import { CHECK_IDS, type CheckId, type CheckVerdict } from '../../harness/checks/check.ts';
import { CORE_CHECKS } from '../../harness/checks/catalogue/core.ts';
import { failedErrorChecks, summarizeChecks } from '../../harness/checks/summary.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import { media, utterance } from './helpers/timeline.ts';
import type { JournalEntry } from '../../harness/mocks/journal/entries.ts';
import { renderChecks } from '../../harness/report/checks-table.ts';
import { journalEntry } from './helpers/journal.ts';

function realtime(t: number, direction: JournalEntry['direction'], kind: string, data?: Record<string, unknown>, connection = 'realtime-1'): JournalEntry {
  return journalEntry(t, 'openai.realtime', direction, kind, data, { connection });
}

/** The verdicts of the core checks (the other areas have tests of their own). */
function checks(events: TimelineEvent[], journal: JournalEntry[] = []): Record<CheckId, CheckVerdict> {
  const verdicts = evaluateCallChecks({ events, metrics: computeCallMetrics(events, journal), journal }).filter((v) => v.id in CORE_CHECKS);
  return Object.fromEntries(verdicts.map((v) => [v.id, v])) as Record<CheckId, CheckVerdict>;
}

/** The verdicts of the core checks (catalogue/core.ts) only; the other areas have test files of their own. */
function coreOf(verdicts: Record<CheckId, CheckVerdict>): CheckVerdict[] {
  return Object.values(verdicts).filter((v) => v.id in CORE_CHECKS);
}

const START: TimelineEvent = { kind: 'start_sent', t: 1000, streamSid: 'MZ1' };
const HANGUP: TimelineEvent[] = [
  { kind: 'stop_sent', t: 12000 },
  { kind: 'closed', t: 12000, by: 'caller', code: 1000 },
];

describe('a conforming call', () => {
  const verdicts = checks(
    [
      START,
      media(1100, 1150, 500),
      utterance('u1', 2000, 3000),
      media(3500, 3500, 3000),
      // Spoken over the reply and cleared: a barge-in with nothing after the clear.
      utterance('u2', 4000, 4500),
      { kind: 'clear', t: 4040, droppedMs: 2460 },
      media(5000, 5000, 400),
      ...HANGUP,
    ],
    [
      realtime(4050, 'received', 'conversation.item.truncate', { itemId: 'item_1', contentIndex: 0, audioEndMs: 540, generatedMs: 3000 }),
      realtime(4050, 'sent', 'conversation.item.truncated', { itemId: 'item_1', contentIndex: 0, audioEndMs: 540 }),
    ],
  );

  it('passes every check', () => {
    expect(coreOf(verdicts)).toEqual([
      { id: 'twilio.protocol', severity: 'error', status: 'passed', evidence: [] },
      { id: 'turn.answered', severity: 'error', status: 'passed', evidence: [] },
      { id: 'turn.complete', severity: 'error', status: 'skipped', reason: 'no caller turn had an uninterrupted reply the mocks produced', evidence: [] },
      { id: 'bargein.no-leak', severity: 'error', status: 'passed', evidence: [] },
      { id: 'bargein.no-spurious-clear', severity: 'warning', status: 'passed', evidence: [] },
      { id: 'realtime.truncate-accepted', severity: 'error', status: 'passed', evidence: [] },
      { id: 'fault.not-injected', severity: 'warning', status: 'skipped', reason: 'the scenario arms no fault', evidence: [] },
    ]);
  });
});

describe('a faulty call', () => {
  const verdicts = checks(
    [
      START,
      { kind: 'protocol_error', t: 1200, error: 'invalid message (Twilio warning 31951): unknown event' },
      // u1 is never answered: the next audio comes after u2.
      utterance('u1', 2000, 3000),
      utterance('u2', 5000, 6000),
      media(6500, 6500, 3000),
      // u3 barges in; 100 ms of the interrupted reply still arrive after the clear.
      utterance('u3', 7000, 7500),
      { kind: 'clear', t: 7040, droppedMs: 2460 },
      media(7100, 7100, 50),
      media(7200, 7200, 50),
      media(8000, 8000, 300),
      // Nothing has played since 8300.
      { kind: 'clear', t: 9800, droppedMs: 0 },
      ...HANGUP,
    ],
    [
      realtime(7050, 'received', 'conversation.item.truncate', { itemId: 'item_7', contentIndex: 0, audioEndMs: 55960, generatedMs: 13600 }),
      realtime(7050, 'sent', 'error', { code: 'invalid_value', message: 'Audio content of 13600ms is already shorter than 55960ms', param: 'audio_end_ms', eventId: null }),
    ],
  );

  it('twilio.protocol quotes each error the fake Twilio flagged, with its time', () => {
    expect(verdicts['twilio.protocol']).toEqual({
      id: 'twilio.protocol',
      severity: 'error',
      status: 'failed',
      evidence: ['at 0.200 s: invalid message (Twilio warning 31951): unknown event'],
    });
  });

  it('turn.answered names the unanswered utterance', () => {
    expect(verdicts['turn.answered']).toMatchObject({
      status: 'failed',
      evidence: ["utterance 'u1' (reply, last voiced sample sent at 2.000 s): no audible agent audio before the next utterance (4.000 s)"],
    });
  });

  it('bargein.no-leak gives the ms leaked after the clear and when they arrived', () => {
    expect(verdicts['bargein.no-leak']).toMatchObject({
      status: 'failed',
      evidence: ["clear at 6.040 s (barge-in 'u3'): 100 ms of the interrupted reply arrived after it from 6.100 s to 6.200 s"],
    });
  });

  it('bargein.no-spurious-clear (a warning) gives the clear that came with nothing playing', () => {
    expect(verdicts['bargein.no-spurious-clear']).toEqual({
      id: 'bargein.no-spurious-clear',
      severity: 'warning',
      status: 'failed',
      evidence: ['clear at 8.800 s with nothing playing (agent audio stopped playing at 7.300 s)'],
    });
  });

  it('realtime.truncate-accepted compares audio_end_ms with the audio generated, and quotes the refusal', () => {
    expect(verdicts['realtime.truncate-accepted']).toMatchObject({
      status: 'failed',
      evidence: ['at 6.050 s: conversation.item.truncate of item_7 refused: audio_end_ms 55960 > generated_ms 13600 ("Audio content of 13600ms is already shorter than 55960ms")'],
    });
  });
});

describe('checks that do not apply are skipped, not passed', () => {
  it('a call with no caller turn, barge-in or truncate', () => {
    const verdicts = checks([START, media(1100, 1150, 500), ...HANGUP], [realtime(1010, 'event', 'open', { model: 'gpt-realtime', beta: false, query: [] })]);
    expect(coreOf(verdicts).map((v) => [v.id, v.status, v.status === 'skipped' ? v.reason : ''])).toEqual([
      ['twilio.protocol', 'passed', ''],
      ['turn.answered', 'skipped', 'the caller said nothing'],
      ['turn.complete', 'skipped', 'the caller said nothing'],
      ['bargein.no-leak', 'skipped', 'no barge-in: the caller never spoke over agent audio'],
      ['bargein.no-spurious-clear', 'passed', ''],
      ['realtime.truncate-accepted', 'skipped', 'the agent sent no conversation.item.truncate on this call'],
      ['fault.not-injected', 'skipped', 'the scenario arms no fault'],
    ]);
  });

  it('says why a Realtime check could not apply: no connection, one that could not be tied, or no mocks', () => {
    const reason = (verdict: CheckVerdict | undefined): string | undefined => (verdict?.status === 'skipped' ? verdict.reason : undefined);
    const events = [START, media(1100, 1150, 500), ...HANGUP];
    const metrics = computeCallMetrics(events, []);
    const truncate = (extra: { untied?: Array<'openai.realtime'>; mocks?: boolean }) =>
      reason(evaluateCallChecks({ events, metrics, journal: [], ...extra }).find((v) => v.id === 'realtime.truncate-accepted'));
    expect(truncate({})).toBe('the call has no Realtime connection');
    expect(truncate({ untied: ['openai.realtime'] })).toBe('a Realtime connection made during this call could not be tied to it');
    expect(truncate({ mocks: false })).toBe('no mocks (the real services)');
  });

  it('a talk-over expects no reply: turn.answered is skipped', () => {
    const verdicts = checks([START, media(1100, 1100, 5000), utterance('uh-huh', 2000, 2400), ...HANGUP]);
    expect(verdicts['turn.answered'].status).toBe('skipped');
    expect(verdicts['bargein.no-leak'].status).toBe('skipped');
  });
});

describe('edge cases', () => {
  it('a clear while only silent audio is queued is not spurious', () => {
    const silent: TimelineEvent = { kind: 'agent_media', t: 1500, bytes: 800, playStart: 1500, playEnd: 1600, audibleFrom: undefined, audibleTo: undefined };
    expect(checks([START, silent, { kind: 'clear', t: 1550, droppedMs: 50 }, ...HANGUP])['bargein.no-spurious-clear'].status).toBe('passed');
  });

  it('a second clear right after the first is spurious: the first stopped everything', () => {
    const verdicts = checks([START, media(1100, 1100, 3000), { kind: 'clear', t: 2000, droppedMs: 2100 }, { kind: 'clear', t: 2000, droppedMs: 0 }, ...HANGUP]);
    expect(verdicts['bargein.no-spurious-clear'].evidence).toEqual(['clear at 1.000 s with nothing playing (agent audio stopped playing at 1.000 s)']);
  });

  it('a clear before any agent audio is spurious', () => {
    const verdicts = checks([START, { kind: 'clear', t: 1300, droppedMs: 0 }, ...HANGUP]);
    expect(verdicts['bargein.no-spurious-clear'].evidence).toEqual(['clear at 0.300 s with nothing playing (no agent audio had arrived)']);
  });

  it('a truncate that got no answer at all is not accepted', () => {
    const verdicts = checks(
      [START, ...HANGUP],
      [
        realtime(5000, 'received', 'conversation.item.truncate', { itemId: 'item_2', contentIndex: 0, audioEndMs: 800, generatedMs: 2000 }),
        // Another connection's answer does not count.
        realtime(5000, 'sent', 'conversation.item.truncated', { itemId: 'item_2' }, 'realtime-2'),
        realtime(5001, 'event', 'close', { code: 1011 }),
      ],
    );
    expect(verdicts['realtime.truncate-accepted'].evidence).toEqual(['at 4.000 s: conversation.item.truncate of item_2 (audio_end_ms 800) got no conversation.item.truncated in reply']);
  });

  it('keeps at most 5 evidence lines per call, counting the rest', () => {
    const errors: TimelineEvent[] = Array.from({ length: 7 }, (_, i) => ({ kind: 'protocol_error', t: 1100 + i, error: `e${i}` }));
    expect(checks([START, ...errors, ...HANGUP])['twilio.protocol'].evidence).toEqual(['at 0.100 s: e0', 'at 0.101 s: e1', 'at 0.102 s: e2', 'at 0.103 s: e3', '… and 3 more']);
  });
});

describe('aggregating verdicts over calls', () => {
  const verdict = (id: CheckId, status: CheckVerdict['status'], evidence: string[] = []): CheckVerdict => {
    const severity = id === 'bargein.no-spurious-clear' ? 'warning' : 'error';
    return status === 'skipped' ? { id, severity, status, reason: 'no barge-in', evidence } : { id, severity, status, evidence };
  };
  const summary = summarizeChecks([
    {
      scenario: 'a',
      // Calls end out of order; evidence is quoted by call index.
      calls: [
        { call: 2, verdicts: [verdict('twilio.protocol', 'failed', ['x2', 'y2']), verdict('bargein.no-spurious-clear', 'failed', ['s'])] },
        { call: 1, verdicts: [verdict('twilio.protocol', 'failed', ['x1']), verdict('bargein.no-leak', 'skipped')] },
      ],
    },
    { scenario: 'b', calls: [{ call: 1, verdicts: [verdict('twilio.protocol', 'failed', ['z']), verdict('bargein.no-leak', 'passed')] }] },
  ]);

  it('counts calls checked, failed and skipped, keeping the first 3 evidence lines with their call', () => {
    expect(summary['twilio.protocol']).toEqual({
      severity: 'error',
      status: 'failed',
      checked: 3,
      failed: 3,
      skipped: 0,
      skipReasons: [],
      evidence: [
        { scenario: 'a', call: 1, line: 'x1' },
        { scenario: 'a', call: 2, line: 'x2' },
        { scenario: 'a', call: 2, line: 'y2' },
      ],
    });
    expect(summary['bargein.no-leak']).toMatchObject({ status: 'passed', checked: 1, failed: 0, skipped: 1, skipReasons: [{ reason: 'no barge-in', calls: 1 }], evidence: [] });
    expect(summary['realtime.truncate-accepted']).toMatchObject({ status: 'skipped', checked: 0, failed: 0, skipped: 0 });
  });

  it('fails the run on failed errors only, never on warnings', () => {
    expect(failedErrorChecks(summary)).toEqual(['twilio.protocol']);
    const warningsOnly = summarizeChecks([{ scenario: 'a', calls: [{ call: 1, verdicts: [verdict('bargein.no-spurious-clear', 'failed', ['s'])] }] }]);
    expect(failedErrorChecks(warningsOnly)).toEqual([]);
  });

  it('renders ✓/✗/– per check with counts, then the evidence of failures', () => {
    expect(renderChecks(summary).split('\n')).toEqual([
      'Conformance checks (3 call(s)): 1 error check(s) failed, 1 warning check(s) failed.',
      '  ✗ twilio.protocol            error    3 of 3 failed',
      '  ✓ bargein.no-leak            error    1 passed, 1 skipped',
      '  ✗ bargein.no-spurious-clear  warning  1 of 1 failed',
      `  (${CHECK_IDS.length - 3} more checks judged none of these calls)`,
      'twilio.protocol:',
      '  a #1: x1',
      '  a #2: x2',
      '  a #2: y2',
      'bargein.no-spurious-clear:',
      '  a #2: s',
      'Skipped:',
      '  no barge-in: bargein.no-leak (1 call)',
      'A failed error check fails the run (exit 3); warnings never change the exit code.',
    ]);
  });
});
