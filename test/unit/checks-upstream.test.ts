/**
 * The upstream-protocol checks (harness/checks/upstream), on hand-built timelines and journals:
 * each passes the conforming case and fails the bug it names, with evidence.
 */
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../harness/caller/timeline.ts';
import type { CheckVerdict } from '../../harness/checks/check.ts';
import { upstreamChecks } from '../../harness/checks/upstream/index.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import type { JournalEntry } from '../../harness/mocks/journal/entries.ts';
import { journalEntry } from './helpers/journal.ts';
import { media, utterance } from './helpers/timeline.ts';

const START: TimelineEvent = { kind: 'start_sent', t: 0, streamSid: 'MZ1' };
const hangup = (t: number): TimelineEvent[] => [
  { kind: 'stop_sent', t },
  { kind: 'closed', t, by: 'caller', code: 1000 },
];
const clear = (t: number): TimelineEvent => ({ kind: 'clear', t, droppedMs: 1000 });

function verdict(id: string, events: TimelineEvent[], journal: JournalEntry[]): CheckVerdict {
  const found = upstreamChecks({ events, metrics: computeCallMetrics(events, journal), journal }, 0).find((v) => v.id === id);
  if (found === undefined) throw new Error(`no verdict for ${id}`);
  return found;
}

const chatReply = (t: number, connection: string): JournalEntry => journalEntry(t, 'openai.chat', 'event', 'reply', { chars: 40, speechMs: 2600, scripted: true }, { connection });
const done = (t: number, connection: string): JournalEntry => journalEntry(t, 'openai.chat', 'sent', 'done', { tokens: 10, finishReason: 'stop', stream: true }, { connection });
const abort = (t: number, connection: string): JournalEntry => journalEntry(t, 'openai.chat', 'event', 'abort', { phase: 'stream', tokensSent: 3 }, { connection });

describe('turn.one-reply', () => {
  const events = [START, utterance('hours', 1000, 2000), media(2500, 2500, 2000), ...hangup(6000)];
  it('passes one reply per utterance, and fails two (speech_final, then UtteranceEnd)', () => {
    expect(verdict('turn.one-reply', events, [chatReply(2300, 'chat-1')]).status).toBe('passed');
    expect(verdict('turn.one-reply', events, [chatReply(2300, 'chat-1'), chatReply(3300, 'chat-2')])).toMatchObject({
      status: 'failed',
      evidence: ["utterance 'hours' (caller done at 2.000 s) got 2 chat completions, produced at 2.300 s, 3.300 s"],
    });
    // A Realtime response on a new socket after the first dropped is a recovery, not a second reply.
    const onSocket = (t: number, connection: string): JournalEntry => journalEntry(t, 'openai.realtime', 'event', 'reply', { responseId: `r${t}`, chars: 40, speechMs: 2600 }, { connection });
    expect(verdict('turn.one-reply', events, [onSocket(2300, 'rt-1'), onSocket(3300, 'rt-2')]).status).toBe('passed');
    const rt = (t: number): JournalEntry => journalEntry(t, 'openai.realtime', 'event', 'reply', { responseId: `r${t}`, chars: 40, speechMs: 2600 }, { connection: 'rt-1' });
    expect(verdict('turn.one-reply', events, [rt(2300), rt(3300)])).toMatchObject({
      status: 'failed',
      evidence: ["utterance 'hours' (caller done at 2.000 s) got 2 Realtime responses, produced at 2.300 s, 3.300 s"],
    });
  });
  it('passes a second chat reply to words the first did not answer (a pause past the endpointing), and fails one to the same words', () => {
    const asked = (t: number, connection: string, lastUserText: string): JournalEntry =>
      journalEntry(t, 'openai.chat', 'received', 'request', { valid: true, model: 'gpt-4o-mini', stream: true, includeUsage: false, messages: 3, lastUserText }, { connection });
    const twoParts = [asked(2200, 'chat-1', 'Thank you, that is all.'), chatReply(2300, 'chat-1'), asked(3200, 'chat-2', 'Goodbye.'), chatReply(3300, 'chat-2')];
    expect(verdict('turn.one-reply', events, twoParts).status).toBe('passed');
    const again = [asked(2200, 'chat-1', 'Thank you, that is all.'), chatReply(2300, 'chat-1'), asked(3200, 'chat-2', 'thank you that is all'), chatReply(3300, 'chat-2')];
    expect(verdict('turn.one-reply', events, again)).toMatchObject({
      status: 'failed',
      evidence: ["utterance 'hours' (caller done at 2.000 s) got 2 chat completions, produced at 2.300 s, 3.300 s"],
    });
  });
});

describe('bargein.generation-stopped', () => {
  // A reply plays from 2.5 s; the caller barges in at 4 s; the agent clears at 4.1 s and answers at 6 s.
  const events = [START, utterance('book', 1000, 2000), media(2500, 2500, 6000), utterance('wait-stop', 4000, 5000), clear(4100), media(6000, 6000, 1000), ...hangup(8000)];
  it('passes an LLM stream aborted at the clear', () => {
    expect(verdict('bargein.generation-stopped', events, [chatReply(2200, 'chat-1'), abort(4150, 'chat-1'), chatReply(5500, 'chat-2')]).status).toBe('passed');
  });
  it('fails an LLM stream read to its end after the clear, and a TTS Flush of the interrupted reply', () => {
    const journal = [
      chatReply(2200, 'chat-1'),
      done(4600, 'chat-1'),
      journalEntry(4700, 'deepgram.speak.ws', 'received', 'Flush', { chars: 20, sequenceId: 3 }, { connection: 'speak-1' }),
      chatReply(5500, 'chat-2'),
    ];
    expect(verdict('bargein.generation-stopped', events, journal).evidence).toEqual([
      "clear at 4.100 s (barge-in 'wait-stop'): the agent kept reading the LLM stream chat-1 to its end (4.600 s) instead of aborting it",
      "clear at 4.100 s (barge-in 'wait-stop'): TTS Flush at 4.700 s on speak-1, before any reply to the barge-in: speech of the interrupted reply",
    ]);
  });
  it('fails a Realtime response left generating', () => {
    const journal = [
      journalEntry(2200, 'openai.realtime', 'sent', 'response.created', { responseId: 'resp_1' }, { connection: 'rt-1' }),
      journalEntry(4300, 'openai.realtime', 'sent', 'audio', { bytes: 800, ms: 100, itemId: 'item_1', responseId: 'resp_1' }, { connection: 'rt-1' }),
      journalEntry(6000, 'openai.realtime', 'sent', 'response.done', { responseId: 'resp_1', status: 'completed', reason: null }, { connection: 'rt-1' }),
    ];
    expect(verdict('bargein.generation-stopped', events, journal).evidence).toEqual([
      "clear at 4.100 s (barge-in 'wait-stop'): Realtime response resp_1 was not cancelled (it ended completed at 6.000 s); it generated 100 ms more audio",
    ]);
  });
  it('is skipped without a cleared barge-in', () => {
    expect(verdict('bargein.generation-stopped', [START, utterance('hours', 1000, 2000), ...hangup(3000)], [])).toMatchObject({ status: 'skipped' });
  });
});

describe('realtime.truncate-accurate', () => {
  // Two replies queued back to back: item_1 (1 s) then item_2; the caller barges in 1.5 s into playback.
  const events = [START, utterance('book', 1000, 2000), media(2100, 2100, 1000), media(2150, 3100, 3000), utterance('wait-stop', 3500, 4500), clear(3600), ...hangup(6000)];
  const audio = [
    journalEntry(2050, 'openai.realtime', 'sent', 'audio', { bytes: 8000, ms: 1000, itemId: 'item_1', responseId: 'r1' }, { connection: 'rt' }),
    journalEntry(2100, 'openai.realtime', 'sent', 'audio', { bytes: 24000, ms: 3000, itemId: 'item_2', responseId: 'r2' }, { connection: 'rt' }),
  ];
  const truncate = (itemId: string, audioEndMs: number): JournalEntry =>
    journalEntry(3620, 'openai.realtime', 'received', 'conversation.item.truncate', { itemId, contentIndex: 0, audioEndMs, generatedMs: 3000 }, { connection: 'rt' });
  it('passes a truncate at what the caller heard of the playing item', () => {
    expect(verdict('realtime.truncate-accurate', events, [...audio, truncate('item_2', 500)]).status).toBe('passed');
  });
  it('fails one counted from send time (the caller spent the first second hearing item_1), or of the wrong item', () => {
    expect(verdict('realtime.truncate-accurate', events, [...audio, truncate('item_2', 1500)]).evidence).toEqual([
      'conversation.item.truncate at 3.620 s of item_2 (audio_end_ms 1500): the caller had heard 500 ms of it (off by 1000 ms)',
    ]);
    expect(verdict('realtime.truncate-accurate', events, [...audio, truncate('item_1', 1000)]).evidence).toEqual([
      'conversation.item.truncate at 3.620 s of item_1 (audio_end_ms 1000): the caller was hearing item_2, 500 ms into it',
    ]);
  });
});

describe('Deepgram configuration', () => {
  const events = [START, utterance('hours', 1000, 2000), media(2500, 2500, 1000), ...hangup(5000)];
  const listenOpen = (declared: { encoding: string | null; sampleRate: string | null; channels: string | null }, connection = 'listen-1'): JournalEntry =>
    journalEntry(10, 'deepgram.listen', 'event', 'open', { model: 'nova-2', encoding: declared.encoding ?? 'linear16', sampleRate: Number(declared.sampleRate ?? 16000), endpointing: 300, declared }, { connection });
  it('deepgram.listen-config: μ-law at 8 kHz passes; a socket with no encoding fails; another format must be recognisable', () => {
    expect(verdict('deepgram.listen-config', events, [listenOpen({ encoding: 'mulaw', sampleRate: '8000', channels: '1' })]).status).toBe('passed');
    expect(verdict('deepgram.listen-config', events, [listenOpen({ encoding: null, sampleRate: null, channels: null })]).evidence).toEqual([
      "listen-1 was opened without encoding and sample_rate: Deepgram then takes linear16 at 16000 Hz and cannot decode Twilio's μ-law at 8000 Hz",
    ]);
    const linear = listenOpen({ encoding: 'linear16', sampleRate: '16000', channels: '1' });
    expect(verdict('deepgram.listen-config', events, [linear]).status).toBe('failed');
    const heard = journalEntry(2300, 'deepgram.listen', 'sent', 'Results', { isFinal: true, speechFinal: true, transcript: 'what are your hours', utterance: 'hours' }, { connection: 'listen-1' });
    expect(verdict('deepgram.listen-config', events, [linear, heard]).status).toBe('passed');
  });
  it('deepgram.keepalive: KeepAlives after the hang-up, and a close without CloseStream', () => {
    const open = listenOpen({ encoding: 'mulaw', sampleRate: '8000', channels: '1' });
    const keepAlive = (t: number): JournalEntry => journalEntry(t, 'deepgram.listen', 'received', 'KeepAlive', {}, { connection: 'listen-1' });
    const closed = journalEntry(15000, 'deepgram.listen', 'event', 'close', { code: 1000 }, { connection: 'listen-1' });
    expect(verdict('deepgram.keepalive', events, [open, keepAlive(3000), journalEntry(5100, 'deepgram.listen', 'received', 'CloseStream', { legacy: false }, { connection: 'listen-1' }), closed]).status).toBe('passed');
    expect(verdict('deepgram.keepalive', events, [open, keepAlive(3000), keepAlive(8000), keepAlive(13000), closed]).evidence).toEqual([
      'listen-1: 2 KeepAlive(s) after the hang-up at 5.000 s, the last at 13.000 s',
      'listen-1 was closed at 15.000 s without CloseStream',
    ]);
  });
  it('deepgram.speak-config: what Twilio plays passes; linear16 or a WAV container is named', () => {
    const speakOpen = (encoding: string, sampleRate: number, container: string | null): JournalEntry =>
      journalEntry(10, 'deepgram.speak.ws', 'event', 'open', { model: 'aura', encoding, sampleRate, speed: 1, container }, { connection: 'speak-1' });
    expect(verdict('deepgram.speak-config', events, [speakOpen('mulaw', 8000, 'none')]).status).toBe('passed');
    expect(verdict('deepgram.speak-config', events, [speakOpen('linear16', 24000, null)]).evidence).toEqual([
      'speak socket speak-1 asked for encoding=linear16&sample_rate=24000: Twilio plays headerless μ-law at 8000 Hz, so the agent must convert it',
    ]);
  });
});

describe('Realtime configuration', () => {
  const events = [START, utterance('hours', 1000, 2000), media(2500, 2500, 1000), ...hangup(5000)];
  const open = (query: string[] = []): JournalEntry => journalEntry(10, 'openai.realtime', 'event', 'open', { model: 'gpt-realtime', beta: false, query }, { connection: 'rt-1' });
  const updated = (inputFormat: string, outputFormat: string): JournalEntry =>
    journalEntry(30, 'openai.realtime', 'sent', 'session.updated', { sessionId: 's', model: 'gpt-realtime', inputFormat, outputFormat, voice: 'marin', turnDetection: 'server_vad' }, { connection: 'rt-1' });
  it('realtime.session-config: pcmu both ways passes; a session never updated, or a voice only in the URL, fails', () => {
    expect(verdict('realtime.session-config', events, [open(), updated('audio/pcmu', 'audio/pcmu')]).status).toBe('passed');
    expect(verdict('realtime.session-config', events, [open()]).evidence).toEqual(['rt-1: the session was never updated, so it stays audio/pcm at 24 kHz (Twilio sends and plays audio/pcmu)']);
    expect(verdict('realtime.session-config', events, [open(['voice']), updated('audio/pcmu', 'audio/pcmu')]).evidence).toEqual([
      'rt-1: voice given only in the URL query, which the service ignores; the session speaks with marin',
    ]);
  });
  it('realtime.event-names: a beta event name is named', () => {
    const unknown = journalEntry(500, 'openai.realtime', 'received', 'unknown', { type: 'response.audio.delta' }, { connection: 'rt-1' });
    expect(verdict('realtime.event-names', events, [open(), unknown]).evidence).toEqual(["at 0.500 s: 'response.audio.delta' is not a Realtime GA client event"]);
  });
});
