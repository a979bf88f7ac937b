/**
 * One hand-built call for the report tests: a reply the caller barges in on, a `clear`, a chunk
 * of the interrupted reply leaking after it, the agent's answer, and the journal of a cascaded
 * agent. Times on the run's clock: `start` is sent at ORIGIN.
 *
 *   1100–3100  reply queued: 20 chunks of 100 ms (arrived 1100 … 1290)
 *   1600–2400  the caller's voiced speech ("wait, stop")
 *   1800       clear: the reply is heard 1100–1800, 1800–3100 is cut
 *   1900       a 100 ms chunk of the old reply arrives anyway (a leak), heard 1900–2000
 *   2500 …     STT final, chat request, first token, TTS; answer heard 3000–3200
 */
import type { AudioChunk, CallAudio } from '../../../harness/caller/audio-capture.ts';
import type { TimelineEvent } from '../../../harness/caller/timeline.ts';
import { verdictOf, passed, skipped } from '../../../harness/checks/check.ts';
import type { JournalEntry } from '../../../harness/mocks/journal/entries.ts';
import type { CallRecord } from '../../../harness/runner/events.ts';
import { outcomeHistograms } from '../../../harness/gate/evaluate.ts';
import { parseThresholdFlag } from '../../../harness/gate/thresholds.ts';
import { renderHtmlReport } from '../../../harness/report/html-report.ts';
import { summarize } from '../../../harness/report/summary.ts';
import { evaluateTargets } from '../../../harness/report/targets.ts';
import { callRecord } from './run-events.ts';
import { journalEntry } from './journal.ts';
import { runOutcome } from './run-outcome.ts';

export const ORIGIN = 1000;

function chunk(t: number, playStart: number, ms: number): TimelineEvent {
  return { kind: 'agent_media', t, bytes: ms * 8, playStart, playEnd: playStart + ms, audibleFrom: playStart, audibleTo: playStart + ms };
}

export function bargeInTimeline(): TimelineEvent[] {
  const reply = Array.from({ length: 20 }, (_, i) => chunk(1100 + i * 10, 1100 + i * 100, 100));
  return [
    { kind: 'webhook', t: 950, sentAt: 940, status: 200, durationMs: 10 },
    { kind: 'socket_open', t: 990 },
    { kind: 'start_sent', t: ORIGIN, streamSid: 'MZ1' },
    ...reply,
    { kind: 'agent_mark', t: 1105, name: 'reply-1' },
    { kind: 'mark_echo', t: 1200, name: 'reply-1', cleared: false },
    { kind: 'clear', t: 1800, droppedMs: 1300 },
    { kind: 'mark_echo', t: 1801, name: 'reply-2', cleared: true },
    chunk(1900, 1900, 100),
    { kind: 'utterance', t: 1400, id: 'wait-stop', text: 'Wait, stop <& "now">', firstVoicedAt: 1600, lastVoicedAt: 2400, endAt: 2700 },
    chunk(3000, 3000, 100),
    chunk(3010, 3100, 100),
    { kind: 'stop_sent', t: 3500 },
    { kind: 'closed', t: 3510, by: 'caller', code: 1000 },
  ];
}

export function bargeInJournal(): JournalEntry[] {
  return [
    journalEntry(1700, 'deepgram.listen', 'sent', 'Results', { isFinal: false, speechFinal: false, fromFinalize: false, transcript: 'wait', audioEndMs: 700, utterance: 'wait-stop', marked: false }),
    journalEntry(2500, 'deepgram.listen', 'sent', 'Results', { isFinal: true, speechFinal: true, fromFinalize: false, transcript: 'wait, stop now', audioEndMs: 1400, utterance: 'wait-stop', marked: false }),
    journalEntry(2520, 'openai.chat', 'received', 'request', { valid: true, model: 'gpt-4o-mini', stream: true, includeUsage: false, messages: 3, lastUserText: 'wait, stop now' }),
    journalEntry(2800, 'openai.chat', 'sent', 'first_token', { text: 'Sure', scripted: true }),
    journalEntry(2810, 'deepgram.speak.ws', 'received', 'Speak', { chars: 5, text: 'Sure.' }),
    journalEntry(2811, 'deepgram.speak.ws', 'received', 'Flush', { chars: 5, sequenceId: 1 }),
    journalEntry(2900, 'deepgram.speak.ws', 'sent', 'audio', { bytes: 1600, flush: 1, late: false }),
  ];
}

/** 8 kHz mu-law of one constant byte (0x80 decodes loud, 0xff is silence). */
function mulaw(ms: number, byte: number): Uint8Array {
  return new Uint8Array(ms * 8).fill(byte);
}

/**
 * The call's audio as the capture keeps it: caller frames of 20 ms from ORIGIN to 3500 (loud
 * while voiced), and one payload per agent_media event, each of a distinct level so a test can
 * tell which one it hears.
 */
export function bargeInAudio(timeline: readonly TimelineEvent[]): CallAudio {
  const sent: AudioChunk[] = [];
  for (let at = ORIGIN; at < 3500; at += 20) sent.push({ at, mulaw: mulaw(20, at >= 1600 && at < 2400 ? 0x10 : 0xff) });
  const received = timeline.flatMap((e, i) => (e.kind === 'agent_media' ? [{ at: e.t, mulaw: mulaw(e.bytes / 8, 0x20 + (i % 64)) }] : []));
  return { sent, received };
}

export function bargeInRecord(extra: Partial<Omit<CallRecord, 'state'>> = {}): CallRecord {
  const timeline = bargeInTimeline();
  return callRecord({
    scenario: 'barge-in-mid-sentence',
    callSid: 'CA-barge',
    startedAt: 900,
    endedAt: 3510,
    timeline,
    journal: bargeInJournal(),
    samples: { 'bargein.clear_ms': [200], 'bargein.leak_ms': [100], 'turn.response_ms': [600] },
    turns: ['barge-in'],
    verdicts: [passed('twilio.protocol'), verdictOf('bargein.no-leak', ['clear at 0.800 s: 100 ms of the interrupted reply arrived after it at 0.900 s <leak> & "more"']), skipped('realtime.truncate-accepted', 'the call has no Realtime connection')],
    ...extra,
  });
}

/** A report.html of two scenarios, a target, a failed threshold and the barge-in call above (with its call.wav). */
export function sampleReportHtml(): string {
  const outcome = runOutcome([
    { name: 'barge-in-mid-sentence', values: { 'turn.response_ms': [600, 700, 820], 'bargein.clear_ms': [200], 'llm.ttft_ms': [250, 310], 'tts.ttfb_ms': [180] } },
    { name: 'greeting', values: { 'turn.response_ms': [500], 'greeting.first_audio_ms': [240] } },
  ]);
  const summary = summarize(outcome, '1.0.0', { resamples: 10 });
  const target = parseThresholdFlag('bargein.clear_ms: p(50)<=200');
  if (!target.ok) throw new Error('bad target');
  const targets = evaluateTargets([target.value], summary, outcomeHistograms(outcome));
  const record = bargeInRecord();
  return renderHtmlReport({
    outcome,
    summary,
    gate: [{ metric: 'turn.response_ms', expression: 'p(95)<800', observed: 820, ok: false, samples: 4, underSampled: true }],
    targets,
    collection: { info: undefined, calls: [{ n: 1, record, lateVerdicts: [] }], omittedCalls: 2, intervals: [] },
    describe: (m) => `what ${m} measures`,
    withAudio: new Set([1]),
  });
}
