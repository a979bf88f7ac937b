/**
 * The metric definitions, pinned on hand-built timelines with exact numbers: if a definition
 * drifts (a different start or end point, a different treatment of clears), these fail.
 */
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../harness/caller/timeline.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import { media, utterance } from './helpers/timeline.ts';
import { computeStageMetrics } from '../../harness/metrics/stage-metrics.ts';
import type { JournalEntry, MockService } from '../../harness/mocks/journal/entries.ts';
import { journalEntry } from './helpers/journal.ts';

function entry(t: number, service: MockService, direction: JournalEntry['direction'], kind: string, data?: Record<string, unknown>): JournalEntry {
  return journalEntry(t, service, direction, kind, data);
}

const timeline: TimelineEvent[] = [
  { kind: 'start_sent', t: 0, streamSid: 'MZ1' },
  // Greeting: silent lead-in chunk, then audible audio 150 ms after start.
  { kind: 'agent_media', t: 100, bytes: 400, playStart: 100, playEnd: 150, audibleFrom: undefined, audibleTo: undefined },
  media(140, 150, 500),
  // Turn 1: reply starts 500 ms after the last voiced sample; the queue runs dry once for 100 ms.
  utterance('u1', 1000, 2000),
  media(2500, 2500, 100),
  media(2550, 2600, 100),
  media(2800, 2800, 100),
  // Turn 2: a long reply, interrupted by turn 3.
  utterance('u2', 4000, 5000),
  media(5400, 5400, 3000),
  // Turn 3, spoken over the reply: clear 40 ms after its first voiced sample, 50 ms of late audio.
  utterance('u3', 6000, 6500),
  { kind: 'clear', t: 6040, droppedMs: 2360 },
  media(6100, 6100, 50),
  // The reply to turn 3.
  media(7000, 7000, 400),
];

describe('turn and barge-in metrics', () => {
  const metrics = computeCallMetrics(timeline, [
    entry(2300, 'deepgram.listen', 'sent', 'Results', { speechFinal: true, transcript: 'u one' }),
    entry(5150, 'deepgram.listen', 'sent', 'Results', { speechFinal: true, transcript: '' }),
    entry(5200, 'deepgram.listen', 'sent', 'UtteranceEnd'),
  ]);

  it('measures the greeting from start to its first audible sample, skipping silent audio', () => {
    expect(metrics.samples['greeting.first_audio_ms']).toEqual([150]);
    expect(metrics.greetingHeard).toBe(true);
  });

  it('measures each reply from the last voiced sample to its first audible sample', () => {
    expect(metrics.samples['turn.response_ms']).toEqual([500, 400, 500]);
    expect(metrics.samples['turn.first_media_ms']).toEqual([500, 400, 500]);
  });

  it('measures after-final from the STT final that ended the utterance (speech_final with words, or UtteranceEnd)', () => {
    // Turn 1: final at 2300, reply heard at 2500. Turn 2: the empty speech_final closes no words (none came since 2300), so it is skipped; UtteranceEnd at 5200.
    expect(metrics.samples['turn.after_final_ms']).toEqual([200, 200]);
  });

  it('measures after-final from an empty speech_final that closes words an earlier is_final gave (a segment finalized before the pause)', () => {
    const reply = [{ kind: 'start_sent', t: 0, streamSid: 'MZ1' } as const, utterance('ok', 1000, 2000), media(2500, 2500, 100)];
    const finalThenEmpty = computeCallMetrics(reply, [
      entry(2010, 'deepgram.listen', 'sent', 'Results', { isFinal: true, speechFinal: false, transcript: 'OK.' }),
      entry(2300, 'deepgram.listen', 'sent', 'Results', { isFinal: true, speechFinal: true, transcript: '' }),
    ]);
    expect(finalThenEmpty.samples['turn.after_final_ms']).toEqual([200]);
    // Words on another listen connection (another call's stream) do not count for this one.
    const elsewhere = computeCallMetrics(reply, [
      journalEntry(2010, 'deepgram.listen', 'sent', 'Results', { isFinal: true, speechFinal: false, transcript: 'OK.' }, { connection: 'other' }),
      entry(2300, 'deepgram.listen', 'sent', 'Results', { isFinal: true, speechFinal: true, transcript: '' }),
    ]);
    expect(elsewhere.samples['turn.after_final_ms']).toBeUndefined();
    // Words an UtteranceEnd already closed are not closed again by a later empty speech_final.
    const closedBefore = computeCallMetrics(reply, [
      entry(1500, 'deepgram.listen', 'sent', 'Results', { isFinal: true, speechFinal: false, transcript: 'OK.' }),
      entry(1900, 'deepgram.listen', 'sent', 'UtteranceEnd'),
      entry(2300, 'deepgram.listen', 'sent', 'Results', { isFinal: true, speechFinal: true, transcript: '' }),
    ]);
    expect(closedBefore.samples['turn.after_final_ms']).toBeUndefined();
  });

  it('sums the time the queue ran dry inside complete replies only', () => {
    // Turn 1: 2700 → 2800. Turn 2 was interrupted: no sample. Turn 3: a single chunk.
    expect(metrics.samples['turn.gap_ms']).toEqual([100, 0]);
  });

  it('measures barge-in clear, stop and leak', () => {
    expect(metrics.samples['bargein.clear_ms']).toEqual([40]);
    // The late 50 ms chunk played from 6100 to 6150: the caller heard the old reply until then.
    expect(metrics.samples['bargein.stop_ms']).toEqual([150]);
    expect(metrics.samples['bargein.leak_ms']).toEqual([50]);
  });

  it('classifies turns', () => {
    expect(metrics.turns.map((t) => t.kind)).toEqual(['reply', 'reply', 'barge-in']);
    expect(metrics.unansweredTurns).toBe(0);
  });

  it('counts speech that starts in a pause inside a reply (a silent chunk between audible ones, all queued) as a barge-in', () => {
    const silent = (t: number, playStart: number, ms: number): TimelineEvent => ({ kind: 'agent_media', t, bytes: ms * 8, playStart, playEnd: playStart + ms, audibleFrom: undefined, audibleTo: undefined });
    const reply: TimelineEvent[] = [
      { kind: 'start_sent', t: 0, streamSid: 'MZ1' },
      utterance('q', 1000, 2000),
      // The reply, all sent at once: 1 s of speech, a 100 ms pause, 2 s of speech.
      media(2500, 2500, 1000),
      silent(2500, 3500, 100),
      media(2500, 3600, 2000),
      // The caller starts in the pause; the agent clears 20 ms later, still in it.
      utterance('stop', 3520, 4000),
      { kind: 'clear', t: 3540, droppedMs: 2060 },
      media(4300, 4300, 200),
    ];
    const metrics = computeCallMetrics(reply);
    expect(metrics.turns.map((t) => t.kind)).toEqual(['reply', 'barge-in']);
    expect(metrics.samples['bargein.clear_ms']).toEqual([20]);
    /** The turn kinds when, after 1 s of speech, `quiet` plays and the caller speaks at 3700 ms, then `after` arrives. */
    const kindsAfterSilence = (quiet: TimelineEvent, after: TimelineEvent): string[] =>
      computeCallMetrics([{ kind: 'start_sent', t: 0, streamSid: 'MZ1' }, utterance('q', 1000, 2000), media(2500, 2500, 1000), quiet, utterance('next', 3700, 4000), after]).turns.map((t) => t.kind);
    // Silence queued after a reply's last audible chunk is not speech playing: speaking in it is a reply.
    expect(kindsAfterSilence(silent(2500, 3500, 1000), media(4300, 4300, 200))).toEqual(['reply', 'reply']);
    // Nor is a pause whose speech after it had not reached the caller yet.
    expect(kindsAfterSilence(silent(2500, 3500, 500), media(3900, 4000, 500))).toEqual(['reply', 'reply']);
  });

  it('counts speech over agent audio that is not cleared as talk-over, with no reply expected', () => {
    const talkOver = computeCallMetrics([
      { kind: 'start_sent', t: 0, streamSid: 'MZ1' },
      utterance('q', 1000, 2000),
      media(2500, 2500, 5000),
      utterance('uh-huh', 4000, 4400),
    ]);
    expect(talkOver.turns.map((t) => t.kind)).toEqual(['reply', 'talk-over']);
    expect(talkOver.samples['turn.response_ms']).toEqual([500]);
    expect(talkOver.samples['bargein.clear_ms']).toBeUndefined();
    expect(talkOver.unansweredTurns).toBe(0);
  });

  it('counts a turn with no audible reply before the next utterance as unanswered, never as a sample', () => {
    const silent = computeCallMetrics([
      { kind: 'start_sent', t: 0, streamSid: 'MZ1' },
      utterance('a', 1000, 2000),
      utterance('b', 5000, 6000),
      media(6300, 6300, 100),
    ]);
    expect(silent.unansweredTurns).toBe(1);
    expect(silent.samples['turn.response_ms']).toEqual([300]);
    expect(silent.greetingHeard).toBe(false);
  });
});

describe('stage metrics from the mock journals', () => {
  const journal = [
    entry(1500, 'deepgram.listen', 'sent', 'Results', { speechFinal: true, transcript: 'hello' }),
    entry(1510, 'openai.chat', 'received', 'request', { valid: true, lastUserText: 'hello' }),
    entry(1800, 'openai.chat', 'sent', 'first_token'),
    entry(1900, 'deepgram.speak.ws', 'received', 'Speak'),
    entry(1901, 'deepgram.speak.ws', 'received', 'Flush', { chars: 5, sequenceId: 0 }),
    entry(2100, 'deepgram.speak.ws', 'sent', 'audio'),
  ];

  /** The stages of the reply `journal` describes, window 1000–2105 ms. */
  const STAGES = {
    'stt.final_ms': [500],
    'agent.stt_to_llm_ms': [10],
    'llm.ttft_ms': [290],
    'agent.llm_to_tts_ms': [100],
    'tts.ttfb_ms': [199],
    'agent.tts_to_twilio_ms': [5],
  };

  it('splits a reply into its stages', () => {
    expect(computeStageMetrics([{ from: 1000, to: 2105 }], journal)).toEqual(STAGES);
  });

  it('starts the stages at an empty speech_final when an is_final before it carried the words', () => {
    const split = [
      entry(1200, 'deepgram.listen', 'sent', 'Results', { isFinal: true, speechFinal: false, transcript: 'hello' }),
      entry(1500, 'deepgram.listen', 'sent', 'Results', { isFinal: true, speechFinal: true, transcript: '' }),
      ...journal.slice(1),
    ];
    expect(computeStageMetrics([{ from: 1000, to: 2105 }], split)).toEqual(STAGES);
  });

  it('gives no sample for a stage whose entries are missing, rather than a guess', () => {
    const withoutTts = journal.filter((e) => e.service !== 'deepgram.speak.ws');
    const samples = computeStageMetrics([{ from: 1000, to: 2105 }], withoutTts);
    expect(samples['tts.ttfb_ms']).toBeUndefined();
    expect(samples['agent.tts_to_twilio_ms']).toBeUndefined();
    expect(samples['llm.ttft_ms']).toEqual([290]);
  });

  it('uses REST speak requests when the agent synthesises over REST', () => {
    const rest = [
      ...journal.slice(0, 3),
      entry(1850, 'deepgram.speak.rest', 'received', 'request'),
      entry(2150, 'deepgram.speak.rest', 'sent', 'first_byte'),
    ];
    const samples = computeStageMetrics([{ from: 1000, to: 2160 }], rest);
    expect(samples['agent.llm_to_tts_ms']).toEqual([50]);
    expect(samples['tts.ttfb_ms']).toEqual([300]);
  });

  it('splits a Realtime reply into speech_stopped, first audio delta and forwarding', () => {
    const realtime = [
      entry(1320, 'openai.realtime', 'sent', 'input_audio_buffer.speech_stopped', { audioEndMs: 5320 }),
      entry(1330, 'openai.realtime', 'sent', 'response.created'),
      entry(1750, 'openai.realtime', 'sent', 'audio', { bytes: 800 }),
    ];
    expect(computeStageMetrics([{ from: 1000, to: 1753 }], realtime)).toEqual({
      'realtime.speech_stopped_ms': [320],
      'realtime.first_audio_ms': [430],
      'agent.realtime_to_twilio_ms': [3],
    });
  });
});

describe('Realtime truncation error', () => {
  it('compares the truncate’s audio_end_ms with what the caller played of the interrupted reply before the clear', () => {
    // Turn 2's reply began playing at 5400; the clear came at 6040: 640 ms played. The agent said 700.
    const truncate = entry(6045, 'openai.realtime', 'received', 'conversation.item.truncate', { itemId: 'item_1', audioEndMs: 700, generatedMs: 3000 });
    const speechStopped = entry(6820, 'openai.realtime', 'sent', 'input_audio_buffer.speech_stopped');
    const metrics = computeCallMetrics(timeline, [truncate, speechStopped]);
    expect(metrics.samples['bargein.truncate_error_ms']).toEqual([60]);
    // Realtime's speech_stopped is the end-of-utterance signal for after_final.
    expect(metrics.samples['turn.after_final_ms']).toEqual([180]);
    // Short of what was played counts the same.
    const short = entry(6045, 'openai.realtime', 'received', 'conversation.item.truncate', { itemId: 'item_1', audioEndMs: 600, generatedMs: 3000 });
    expect(computeCallMetrics(timeline, [short]).samples['bargein.truncate_error_ms']).toEqual([40]);
  });

  it('gives no sample without a truncate (cascaded agents, or a barge-in the agent did not truncate)', () => {
    expect(computeCallMetrics(timeline).samples['bargein.truncate_error_ms']).toBeUndefined();
  });
});

describe('agent self-report error', () => {
  it('compares the agent’s final→first-media span with the measured one, pairing replies by first-media time', async () => {
    const { selfReportErrors } = await import('../../harness/metrics/self-report.ts');
    const measured = [
      { finalAt: 1000, firstMediaAt: 1700 },
      { finalAt: 5000, firstMediaAt: 5600 },
    ];
    // The agent saw the first final 30 ms late (its own transport) and sent media 2 ms before the caller got it.
    const reported = [
      { sttFinalAt: 1030, firstMediaAt: 1698 },
      { sttFinalAt: 5010, firstMediaAt: 5599 },
      { sttFinalAt: 9000, firstMediaAt: 9500 }, // a reply the caller never received: unpaired
    ];
    expect(selfReportErrors(measured, reported)).toEqual([32, 11]);
    expect(selfReportErrors(measured, [])).toEqual([]);
    // Another thread's clock may read the agent's send a few ms after our receipt: still that reply, within 10 ms; not beyond.
    expect(selfReportErrors(measured, [{ sttFinalAt: 1030, firstMediaAt: 1705 }])).toEqual([25]);
    expect(selfReportErrors(measured, [{ sttFinalAt: 1030, firstMediaAt: 1720 }])).toEqual([]);
  });

  it('feeds agent.self_report_error_ms from computeCallMetrics', () => {
    const metrics = computeCallMetrics(
      [{ kind: 'start_sent', t: 0, streamSid: 'MZ1' }, utterance('u1', 1000, 2000), media(2500, 2500, 100)],
      [entry(2300, 'deepgram.listen', 'sent', 'Results', { speechFinal: true, transcript: 'x' })],
      [{ sttFinalAt: 2310, firstMediaAt: 2499 }],
    );
    expect(metrics.samples['agent.self_report_error_ms']).toEqual([11]);
  });
});
