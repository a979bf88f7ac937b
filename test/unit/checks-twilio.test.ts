/**
 * The Twilio-side checks (harness/checks/twilio/) on hand-built timelines: each one passes a
 * conforming call, fails the fault it exists for with evidence that names it (times in seconds
 * after `start`), and says why when it cannot apply.
 */
import { describe, expect, it } from 'vitest';
import type { TimelineEvent, UtteranceExpectation } from '../../harness/caller/timeline.ts';
import { evaluateCallChecks } from '../../harness/checks/call-checks.ts';
import type { CheckId, CheckVerdict } from '../../harness/checks/check.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import type { JournalEntry } from '../../harness/mocks/journal/entries.ts';
import { journalEntry } from './helpers/journal.ts';
import { media, utterance } from './helpers/timeline.ts';

function verdict(id: CheckId, events: TimelineEvent[], journal: JournalEntry[] = []): CheckVerdict {
  const found = evaluateCallChecks({ events, metrics: computeCallMetrics(events, journal), journal }).find((v) => v.id === id);
  if (found === undefined) throw new Error(`no verdict for ${id}`);
  return found;
}

const passed = (id: CheckId): CheckVerdict => ({ id, severity: id === 'marks.tied-to-audio' ? 'warning' : 'error', status: 'passed', evidence: [] });
const skippedFor = (id: CheckId, reason: string): CheckVerdict => ({ id, severity: id === 'marks.tied-to-audio' ? 'warning' : 'error', status: 'skipped', reason, evidence: [] });

const SID = `MZ${'1'.repeat(32)}`;
const OPEN: TimelineEvent = { kind: 'socket_open', t: 990, url: 'wss://agent.example/media-stream' };
const START: TimelineEvent = { kind: 'start_sent', t: 1000, streamSid: SID };
const HANGUP: TimelineEvent[] = [
  { kind: 'stop_sent', t: 20_000 },
  { kind: 'closed', t: 20_000, by: 'caller', code: 1000 },
];

/** An utterance that carries an expectation. */
function said(id: string, firstVoicedAt: number, lastVoicedAt: number, expectation: UtteranceExpectation): TimelineEvent {
  return { ...(utterance(id, firstVoicedAt, lastVoicedAt) as Extract<TimelineEvent, { kind: 'utterance' }>), expectation };
}
const reply = (extra: Partial<UtteranceExpectation> = {}): UtteranceExpectation => ({ expect: 'reply', stated: false, ...extra });
const interrupt = (extra: Partial<UtteranceExpectation> = {}): UtteranceExpectation => ({ expect: 'interrupt', stated: true, ...extra });
const ignore: UtteranceExpectation = { expect: 'ignore', stated: true };
const mark = (t: number, name: string): TimelineEvent => ({ kind: 'agent_mark', t, name });

describe('turn.expected', () => {
  it('passes a reply answered, an interruption cleared and answered, a backchannel talked over', () => {
    const events = [
      START,
      media(1100, 1100, 500),
      said('q', 2000, 3000, reply({ replyWithinMs: 1000 })),
      media(3500, 3500, 8000),
      said('uh-huh', 5000, 5400, ignore),
      said('stop', 7000, 7500, interrupt({ clearWithinMs: 300, replyWithinMs: 1000 })),
      { kind: 'clear', t: 7100, droppedMs: 4400 } as TimelineEvent,
      media(8000, 8000, 1000),
      ...HANGUP,
    ];
    expect(verdict('turn.expected', events)).toEqual(passed('turn.expected'));
  });

  it('fails a missed barge-in: spoken over agent audio and never cleared (the talk-over that passed silently)', () => {
    const events = [START, said('q', 2000, 3000, reply()), media(3500, 3500, 10_000), said('wait-stop', 6000, 7000, interrupt()), said('again', 9000, 9500, reply()), ...HANGUP];
    expect(verdict('turn.expected', events).evidence).toEqual([
      "'wait-stop' (expected: interrupt): spoken over agent audio from 5.000 s, and no clear came before the next utterance at 8.000 s: a missed barge-in",
      "'again' (expected: reply, by default): no audible agent audio after its last voiced sample (8.500 s) before the hang-up at 19.000 s: the reply never came",
    ]);
  });

  it('fails an interruption with nothing playing, and a clear or a reply over its budget', () => {
    const events = [
      START,
      said('q', 2000, 3000, reply({ replyWithinMs: 400 })),
      media(3500, 3500, 2000),
      said('early', 6000, 6500, interrupt()),
      media(7000, 7000, 6000),
      said('late', 8000, 8500, interrupt({ clearWithinMs: 200, replyWithinMs: 500 })),
      { kind: 'clear', t: 8600, droppedMs: 4400 } as TimelineEvent,
      media(9500, 9500, 500),
      ...HANGUP,
    ];
    expect(verdict('turn.expected', events).evidence).toEqual([
      "'q' (expected: reply, reply within 400 ms, by default): the first audible reply sample played at 2.500 s, 500 ms after its last voiced sample (2.000 s), over the 400 ms budget",
      "'early' (expected: interrupt): no agent audio played while it was voiced (5.000 s to 5.500 s): there was nothing to interrupt",
      "'late' (expected: interrupt, clear within 200 ms, reply within 500 ms): clear at 7.600 s, 600 ms after its first voiced sample (7.000 s), over the 200 ms budget",
      "'late' (expected: interrupt, clear within 200 ms, reply within 500 ms): the first audible reply sample played at 8.500 s, 1000 ms after its last voiced sample (7.500 s), over the 500 ms budget",
    ]);
  });

  it('an agent that clears only after the caller is done: the interrupted reply playing on until its clear is not the reply', () => {
    const events = [
      START,
      said('q', 2000, 3000, reply()),
      media(3500, 3500, 4100), // the long answer, paced: sent a little ahead of playback
      said('stop', 7000, 7500, interrupt({ replyWithinMs: 500 })),
      media(7600, 7600, 400), // still the interrupted answer, after the caller was done
      { kind: 'clear', t: 7900, droppedMs: 100 } as TimelineEvent,
      media(8400, 8400, 500),
      ...HANGUP,
    ];
    expect(verdict('turn.expected', events).evidence).toEqual([
      "'stop' (expected: interrupt, reply within 500 ms): the first audible reply sample played at 7.400 s, 900 ms after its last voiced sample (6.500 s), over the 500 ms budget",
    ]);
  });

  it('counts agent audio that resumed while the caller was voiced (after a gap in the reply) as something to interrupt', () => {
    const gap = [START, said('q', 2000, 3000, reply()), media(3500, 3500, 2400), media(6200, 6200, 5000), said('stop', 6000, 7000, interrupt()), { kind: 'clear', t: 6500, droppedMs: 4700 } as TimelineEvent, media(7500, 7500, 800), ...HANGUP];
    expect(verdict('turn.expected', gap)).toEqual(passed('turn.expected'));
    expect(verdict('turn.expected', gap.filter((e) => e.kind !== 'clear')).evidence).toEqual([
      "'stop' (expected: interrupt): spoken over agent audio from 5.000 s, and no clear came before the hang-up at 19.000 s: a missed barge-in",
    ]);
  });

  it('fails a backchannel that stopped the agent and was answered', () => {
    const events = [START, said('q', 2000, 3000, reply()), media(3500, 3500, 10_000), said('uh-huh', 6000, 6400, ignore), { kind: 'clear', t: 6100, droppedMs: 7400 } as TimelineEvent, media(7000, 7000, 1500), ...HANGUP];
    expect(verdict('turn.expected', events).evidence).toEqual([
      "'uh-huh' (expected: ignore): the agent stopped for it: clear at 5.100 s, 100 ms after its first voiced sample (5.000 s); the agent answered it: audible reply at 6.000 s, 600 ms after its last voiced sample",
    ]);
  });

  it('fails a backchannel answered after silence, or one the mocks produced a reply for while the agent talked on', () => {
    const silent = [START, media(1100, 1100, 500), said('uh-huh', 3000, 3400, ignore), media(4000, 4000, 1000), ...HANGUP];
    expect(verdict('turn.expected', silent).evidence).toEqual(["'uh-huh' (expected: ignore): the agent answered it: audible reply at 3.000 s, 600 ms after its last voiced sample"]);
    const over = [START, said('q', 2000, 3000, reply()), media(3500, 3500, 10_000), said('uh-huh', 6000, 6400, ignore), ...HANGUP];
    const journal = [journalEntry(6700, 'openai.chat', 'event', 'reply', { chars: 20, speechMs: 1300, scripted: false })];
    expect(verdict('turn.expected', over, journal).evidence).toEqual(["'uh-huh' (expected: ignore): the agent had a reply produced for it (a chat completion at 5.700 s)"]);
    expect(verdict('turn.expected', over).status).toBe('passed');
  });

  it('is skipped when the caller said nothing, or no utterance carried an expectation', () => {
    expect(verdict('turn.expected', [START, media(1100, 1100, 500), ...HANGUP])).toEqual(skippedFor('turn.expected', 'the caller said nothing'));
    expect(verdict('turn.expected', [START, utterance('q', 2000, 3000), ...HANGUP])).toEqual(
      skippedFor('turn.expected', 'no utterance carried an expectation (the call was not placed from a scenario)'),
    );
  });
});

describe('twilio.robust-parsing', () => {
  const injected = (t: number): TimelineEvent[] => [
    { kind: 'injected', t, message: 'unknown-event' },
    { kind: 'injected', t, message: 'foreign-stop', foreignStreamSid: `MZ${'9'.repeat(32)}` },
  ];

  it('passes when the stream stayed open and the next question was answered', () => {
    const events = [START, said('q', 2000, 3000, reply()), media(3500, 3500, 3000), ...injected(4000), said('q2', 8000, 9000, reply()), media(9500, 9500, 1000), ...HANGUP];
    expect(verdict('twilio.robust-parsing', events)).toEqual(passed('twilio.robust-parsing'));
  });

  it('fails an agent that closed the stream, or went on without answering', () => {
    const closed = [START, media(1100, 1100, 3000), ...injected(2000), { kind: 'closed', t: 2050, by: 'agent', code: 1011 } as TimelineEvent];
    expect(verdict('twilio.robust-parsing', closed).evidence).toEqual(['the agent closed the stream (code 1011) at 1.050 s, 50 ms after the injection of a stop of another stream at 1.000 s']);
    const deaf = [START, media(1100, 1100, 1000), ...injected(2500), said('q2', 4000, 5000, reply()), ...HANGUP];
    expect(verdict('twilio.robust-parsing', deaf).evidence).toEqual([
      "'q2' (last voiced sample at 4.000 s) got no audible answer after the injected messages (an unknown event, a stop of another stream, from 1.500 s)",
    ]);
  });

  it('is skipped without an inject step', () => {
    expect(verdict('twilio.robust-parsing', [START, ...HANGUP])).toEqual(skippedFor('twilio.robust-parsing', 'the scenario injects nothing (no inject step)'));
  });
});

describe('twilio.stream-sid', () => {
  it("fails media, marks and clears with another stream's SID or none, naming the injected one", () => {
    const other = `MZ${'9'.repeat(32)}`;
    const events: TimelineEvent[] = [
      START,
      media(1100, 1100, 500),
      { kind: 'injected', t: 2000, message: 'foreign-media', foreignStreamSid: other },
      { kind: 'foreign_sid', t: 2100, event: 'media', streamSid: other },
      { kind: 'foreign_sid', t: 2120, event: 'media', streamSid: other },
      { kind: 'foreign_sid', t: 2140, event: 'mark', streamSid: other },
      { kind: 'foreign_sid', t: 3000, event: 'clear', streamSid: null },
      ...HANGUP,
    ];
    expect(verdict('twilio.stream-sid', events).evidence).toEqual([
      `media with streamSid ${other} (the other stream's, from the injected messages) ×2 from 1.100 s to 1.120 s (this stream is ${SID})`,
      `mark with streamSid ${other} (the other stream's, from the injected messages) at 1.140 s`,
      'clear with no streamSid (missing, empty or not a string) at 2.000 s',
    ]);
  });

  it('passes when everything carried this stream, and is skipped when nothing was sent or the call never streamed', () => {
    expect(verdict('twilio.stream-sid', [START, media(1100, 1100, 500), ...HANGUP])).toEqual(passed('twilio.stream-sid'));
    expect(verdict('twilio.stream-sid', [START, ...HANGUP])).toEqual(skippedFor('twilio.stream-sid', 'the agent sent no media, mark or clear'));
    expect(verdict('twilio.stream-sid', [])).toEqual(skippedFor('twilio.stream-sid', 'start was never sent: the call did not stream'));
  });
});

describe('twilio.nothing-before-start', () => {
  it('fails what the agent sent before start, with how long before', () => {
    const events: TimelineEvent[] = [
      OPEN,
      { kind: 'early_message', t: 991, what: 'media' },
      { kind: 'early_message', t: 993, what: 'media' },
      { kind: 'early_message', t: 995, what: 'mark' },
      START,
      ...HANGUP,
    ];
    expect(verdict('twilio.nothing-before-start', events).evidence).toEqual(['3 messages (media ×2, mark ×1), from 0.009 s to 0.005 s before start (start was sent 10 ms after connected)']);
  });

  it('passes a quiet wait, and is skipped when start never came', () => {
    expect(verdict('twilio.nothing-before-start', [OPEN, START, ...HANGUP])).toEqual(passed('twilio.nothing-before-start'));
    expect(verdict('twilio.nothing-before-start', [OPEN, { kind: 'closed', t: 995, by: 'agent', code: 1008 }])).toEqual(skippedFor('twilio.nothing-before-start', 'the agent closed the stream before start was sent'));
  });
});

describe('twilio.audio-format', () => {
  it('fails each payload the fake Twilio found wrong', () => {
    const json: TimelineEvent = { kind: 'agent_media', t: 1200, bytes: 120, playStart: 1200, playEnd: 1215, audibleFrom: undefined, audibleTo: undefined, payloadIssue: 'payload is JSON, not audio' };
    expect(verdict('twilio.audio-format', [START, json, media(1300, 1300, 500), ...HANGUP]).evidence).toEqual(['media at 0.200 s (120 bytes): payload is JSON, not audio']);
    expect(verdict('twilio.audio-format', [START, media(1300, 1300, 500), ...HANGUP])).toEqual(passed('twilio.audio-format'));
    expect(verdict('twilio.audio-format', [START, ...HANGUP])).toEqual(skippedFor('twilio.audio-format', 'the agent sent no media'));
  });
});

describe('twilio.quiet-after-stop', () => {
  it('fails what the agent sent after stop', () => {
    const events: TimelineEvent[] = [START, media(1100, 1100, 500), { kind: 'stop_sent', t: 5000 }, { kind: 'after_stop', t: 5010, what: 'media' }, { kind: 'after_stop', t: 5030, what: 'media' }, { kind: 'closed', t: 5500, by: 'caller', code: 1000 }];
    expect(verdict('twilio.quiet-after-stop', events).evidence).toEqual(['2 messages (media ×2), from 0.010 s to 0.030 s after the stop sent at 4.000 s, the socket still open']);
  });

  it('passes a quiet agent, and is skipped when the agent hung up first', () => {
    expect(verdict('twilio.quiet-after-stop', [START, ...HANGUP])).toEqual(passed('twilio.quiet-after-stop'));
    expect(verdict('twilio.quiet-after-stop', [START, { kind: 'closed', t: 3000, by: 'agent', code: 1000 }])).toEqual(skippedFor('twilio.quiet-after-stop', 'the agent closed the stream before the caller sent stop'));
  });
});

describe('twiml.valid', () => {
  const webhook = (params: Record<string, string> = {}, scenarioParams: string[] = []): TimelineEvent => ({
    kind: 'webhook',
    t: 950,
    sentAt: 900,
    status: 200,
    durationMs: 50,
    contentType: 'text/xml',
    bodyBytes: 200,
    params: { CallSid: 'CA1', From: '+15550100001', ...params },
    scenarioParams,
  });
  const started = (customParameters: Record<string, string>): TimelineEvent => ({ kind: 'start_sent', t: 1000, streamSid: SID, customParameters });
  const FROM = 'client:Zoë & "Bo" <admin>\u0007';

  it('passes TwiML that connected, and hostile values echoed exactly (less what XML cannot carry) or not at all', () => {
    expect(verdict('twiml.valid', [webhook({ From: FROM }, ['From']), OPEN, started({ caller: 'client:Zoë & "Bo" <admin>', callSid: 'CA1' }), ...HANGUP])).toEqual(passed('twiml.valid'));
    expect(verdict('twiml.valid', [webhook({ From: FROM }, ['From']), OPEN, started({ callSid: 'CA1' }), ...HANGUP])).toEqual(passed('twiml.valid'));
  });

  it('fails a value that came back mangled, naming what was sent and expected', () => {
    const events = [webhook({ From: FROM }, ['From']), OPEN, started({ caller: 'client:Zoë &amp; &quot;Bo&quot; &lt;admin&gt;' }), ...HANGUP];
    expect(verdict('twiml.valid', events).evidence).toEqual([
      '<Parameter name="caller"> came back as "client:Zoë &amp; &quot;Bo&quot; &lt;admin&gt;"; the webhook\'s From was "client:Zoë & \\"Bo\\" <admin>\\u0007" (expected "client:Zoë & \\"Bo\\" <admin>")',
    ]);
  });

  it('fails a placement that failed, at the stage it failed, naming the hostile values behind bad TwiML', () => {
    const twiml: TimelineEvent = { kind: 'placement_failed', t: 950, stage: 'twiml', error: "TwiML is not well-formed XML: '<' at line 1, column 92 inside an attribute value (write &lt;)" };
    expect(verdict('twiml.valid', [webhook({ From: FROM }, ['From']), twiml]).evidence).toEqual([
      "the webhook answered no TwiML Twilio can run: TwiML is not well-formed XML: '<' at line 1, column 92 inside an attribute value (write &lt;) (asked at -0.050 s, 50 ms); the webhook carried hostile From values, which TwiML must escape",
    ]);
    const stream: TimelineEvent = { kind: 'placement_failed', t: 960, stage: 'stream', error: 'media stream wss://agent.example/x refused the upgrade: HTTP 404 (Twilio error 31920)' };
    expect(verdict('twiml.valid', [webhook(), stream]).evidence).toEqual(['the Stream URL was not served: media stream wss://agent.example/x refused the upgrade: HTTP 404 (Twilio error 31920)']);
  });

  it('is skipped without a webhook', () => {
    expect(verdict('twiml.valid', [START, ...HANGUP])).toEqual(skippedFor('twiml.valid', 'no voice webhook was posted'));
  });
});

describe('bargein.one-clear', () => {
  it('fails an interruption cleared twice, passes one cleared once', () => {
    const twice = [START, said('q', 2000, 3000, reply()), media(3500, 3500, 8000), said('stop', 5000, 5500, interrupt()), { kind: 'clear', t: 5100, droppedMs: 6400 } as TimelineEvent, { kind: 'clear', t: 5600, droppedMs: 0 } as TimelineEvent, ...HANGUP];
    expect(verdict('bargein.one-clear', twice).evidence).toEqual(["'stop' (first voiced sample at 4.000 s): 2 clears, at 4.100 s, 4.600 s"]);
    expect(verdict('bargein.one-clear', twice.filter((e) => !(e.kind === 'clear' && e.t === 5600)))).toEqual(passed('bargein.one-clear'));
  });

  it('is skipped without a clear, or with clears before any utterance only', () => {
    expect(verdict('bargein.one-clear', [START, ...HANGUP])).toEqual(skippedFor('bargein.one-clear', 'the agent sent no clear'));
    expect(verdict('bargein.one-clear', [START, media(1100, 1100, 3000), { kind: 'clear', t: 1500, droppedMs: 2600 }, ...HANGUP])).toEqual(skippedFor('bargein.one-clear', 'no clear came after a caller utterance began'));
  });
});

describe('marks.tied-to-audio (a warning)', () => {
  it('passes marks after audio, distinct within each response', () => {
    const events = [START, media(1100, 1100, 500), mark(1101, '0-1'), said('q', 2000, 3000, reply()), media(3500, 3500, 500), mark(3501, '1-1'), media(3600, 4000, 500), mark(3601, '1-2'), ...HANGUP];
    expect(verdict('marks.tied-to-audio', events)).toEqual(passed('marks.tied-to-audio'));
  });

  it('fails an agent that never marks, a mark before any audio, and one name used all over a response', () => {
    expect(verdict('marks.tied-to-audio', [START, media(1100, 1100, 500), media(1200, 1600, 500), ...HANGUP]).evidence).toEqual([
      'the agent sent 2 media message(s) (1000 ms of audio) and no mark: it cannot know what the caller has heard',
    ]);
    const events = [START, mark(1050, 'ready'), media(1100, 1100, 500), said('q', 2000, 3000, reply()), media(3500, 3500, 500), mark(3501, 'part'), media(3600, 4000, 500), mark(3601, 'part'), ...HANGUP];
    expect(verdict('marks.tied-to-audio', events).evidence).toEqual([
      "mark 'ready' at 0.050 s (the greeting) follows no audio: no media since the start",
      "mark name 'part' sent 2 times in the reply to 'q' (from 2.501 s to 2.601 s): its echoes cannot say what played",
    ]);
  });

  it('fails when late stale echoes were followed by an interruption that got no clear (bug class 13)', () => {
    const events: TimelineEvent[] = [
      START,
      said('q', 2000, 3000, reply()),
      media(3500, 3500, 8000),
      mark(3501, 'a'),
      said('one', 5000, 5500, interrupt()),
      { kind: 'clear', t: 5100, droppedMs: 6400 },
      media(6000, 6000, 8000),
      mark(6001, 'b'),
      { kind: 'mark_echo', t: 6400, name: 'a', cleared: true, late: true },
      said('two', 9000, 9500, interrupt()),
      ...HANGUP,
    ];
    expect(verdict('marks.tied-to-audio', events).evidence).toEqual([
      "1 stale echo(es) ('a') arrived late, from 5.400 s, after a clear; then 'two' spoke over agent audio at 8.000 s and got no clear",
    ]);
  });

  it('is skipped when the agent sent no audio', () => {
    expect(verdict('marks.tied-to-audio', [START, ...HANGUP])).toEqual(skippedFor('marks.tied-to-audio', 'the agent sent no media'));
  });
});
