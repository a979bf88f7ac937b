/**
 * The moments of a call's mock journal worth a mark on its timeline (call-timeline-svg.ts): what
 * speech-to-text told the agent (interim and final results, SpeechStarted, UtteranceEnd; Realtime's
 * VAD), what the agent asked of the LLM and when its first token and end came (chat completions,
 * Realtime responses, truncate, cancel), and what it sent to TTS and when audio came back. Read
 * through the journal's typed queries (harness/mocks/journal/queries.ts). Pure.
 */
import type { JournalEntry } from '../mocks/journal/entries.ts';
import { entriesOfKind, isFault, isRefusal, describeRefusal } from '../mocks/journal/queries.ts';

export type MomentLane = 'stt' | 'llm' | 'tts';

export interface JournalMoment {
  t: number;
  lane: MomentLane;
  /** A CSS class naming what it is (stt-final, stt-interim, llm-first-token, …): the report styles and tests find marks by it. */
  kind: string;
  /** Short text drawn beside the mark (may be empty). */
  label: string;
  /** The full text, as the mark's tooltip. */
  detail: string;
  /** Drawn taller and labelled: the moments the stage metrics run between. */
  major: boolean;
}

const quote = (text: string, max = 48): string => `“${text.length > max ? `${text.slice(0, max - 1)}…` : text}”`;

export function journalMoments(entries: readonly JournalEntry[]): JournalMoment[] {
  const out: JournalMoment[] = [];
  const add = (m: JournalMoment): void => void out.push(m);

  // Speech to text (Deepgram listen) and the Realtime server VAD.
  for (const e of entriesOfKind(entries, 'deepgram.listen', 'Results')) {
    const d = e.data;
    if (d.isFinal) add({ t: e.t, lane: 'stt', kind: 'stt-final', label: d.speechFinal ? quote(d.transcript) : '', detail: `STT final${d.speechFinal ? ' (speech_final)' : ''}${d.fromFinalize ? ' after Finalize' : ''}: ${quote(d.transcript, 200)}`, major: d.speechFinal });
    else add({ t: e.t, lane: 'stt', kind: 'stt-interim', label: '', detail: `STT interim: ${quote(d.transcript, 200)}`, major: false });
  }
  for (const e of entriesOfKind(entries, 'deepgram.listen', 'SpeechStarted')) add({ t: e.t, lane: 'stt', kind: 'stt-speech-started', label: 'SpeechStarted', detail: 'Deepgram SpeechStarted', major: false });
  for (const e of entriesOfKind(entries, 'deepgram.listen', 'UtteranceEnd')) add({ t: e.t, lane: 'stt', kind: 'stt-utterance-end', label: 'UtteranceEnd', detail: 'Deepgram UtteranceEnd', major: true });
  for (const e of entriesOfKind(entries, 'openai.realtime', 'input_audio_buffer.speech_started')) add({ t: e.t, lane: 'stt', kind: 'stt-speech-started', label: 'speech_started', detail: 'Realtime input_audio_buffer.speech_started', major: false });
  for (const e of entriesOfKind(entries, 'openai.realtime', 'input_audio_buffer.speech_stopped')) add({ t: e.t, lane: 'stt', kind: 'stt-final', label: 'speech_stopped', detail: 'Realtime input_audio_buffer.speech_stopped', major: true });

  // The LLM: chat completions.
  for (const e of entriesOfKind(entries, 'openai.chat', 'request')) {
    add({ t: e.t, lane: 'llm', kind: 'llm-request', label: 'request', detail: e.data.valid ? `chat request: ${quote(e.data.lastUserText, 200)}` : 'chat request the mock could not parse', major: true });
  }
  for (const e of entriesOfKind(entries, 'openai.chat', 'first_token')) add({ t: e.t, lane: 'llm', kind: 'llm-first-token', label: 'first token', detail: `first token: ${quote(e.data.text, 200)}`, major: true });
  for (const e of entriesOfKind(entries, 'openai.chat', 'done')) add({ t: e.t, lane: 'llm', kind: 'llm-done', label: '', detail: `chat done: ${e.data.tokens} tokens, ${e.data.finishReason}`, major: false });
  for (const e of entriesOfKind(entries, 'openai.chat', 'abort')) add({ t: e.t, lane: 'llm', kind: 'llm-abort', label: 'abort', detail: `chat aborted by the agent (${e.data.phase})`, major: false });

  // The LLM: Realtime responses (its audio is the "TTS" lane's).
  for (const e of entriesOfKind(entries, 'openai.realtime', 'response.created')) add({ t: e.t, lane: 'llm', kind: 'llm-request', label: 'response', detail: `response.created ${e.data.responseId}`, major: true });
  for (const e of entriesOfKind(entries, 'openai.realtime', 'response.done')) add({ t: e.t, lane: 'llm', kind: 'llm-done', label: '', detail: `response.done ${e.data.responseId}: ${e.data.status}${e.data.reason === null ? '' : ` (${e.data.reason})`}`, major: false });
  for (const e of entriesOfKind(entries, 'openai.realtime', 'response.cancel')) add({ t: e.t, lane: 'llm', kind: 'llm-abort', label: 'cancel', detail: 'response.cancel from the agent', major: false });
  for (const e of entriesOfKind(entries, 'openai.realtime', 'conversation.item.truncate')) {
    add({ t: e.t, lane: 'llm', kind: 'llm-truncate', label: 'truncate', detail: `conversation.item.truncate audio_end_ms=${String(e.data.audioEndMs)} (generated ${e.data.generatedMs ?? '?'} ms)`, major: false });
  }
  const firstAudioOf = new Set<string>();
  for (const e of entriesOfKind(entries, 'openai.realtime', 'audio')) {
    if (firstAudioOf.has(e.data.responseId)) continue;
    firstAudioOf.add(e.data.responseId);
    add({ t: e.t, lane: 'tts', kind: 'tts-first-audio', label: 'first audio', detail: `first response.output_audio.delta of ${e.data.responseId}`, major: true });
  }

  // TTS: Deepgram speak over its WebSocket, and REST.
  for (const e of entriesOfKind(entries, 'deepgram.speak.ws', 'Speak')) {
    if (e.data.ignored === undefined) add({ t: e.t, lane: 'tts', kind: 'tts-text', label: '', detail: `Speak: ${quote(e.data.text, 200)}`, major: false });
  }
  for (const e of entriesOfKind(entries, 'deepgram.speak.ws', 'Flush')) {
    if (e.data.sequenceId !== undefined) add({ t: e.t, lane: 'tts', kind: 'tts-request', label: 'Flush', detail: `Flush ${e.data.sequenceId} (${e.data.chars} chars)`, major: true });
  }
  const firstOfFlush = new Set<number>();
  for (const e of entriesOfKind(entries, 'deepgram.speak.ws', 'audio')) {
    if (firstOfFlush.has(e.data.flush)) continue;
    firstOfFlush.add(e.data.flush);
    add({ t: e.t, lane: 'tts', kind: 'tts-first-audio', label: 'audio', detail: `first audio of flush ${e.data.flush}${e.data.late ? ' (late: after a Clear)' : ''}`, major: true });
  }
  for (const e of entriesOfKind(entries, 'deepgram.speak.ws', 'Clear')) add({ t: e.t, lane: 'tts', kind: 'tts-clear', label: 'Clear', detail: 'Clear from the agent', major: false });
  for (const e of entriesOfKind(entries, 'deepgram.speak.rest', 'request')) add({ t: e.t, lane: 'tts', kind: 'tts-request', label: 'REST', detail: `speak request: ${quote(e.data.text, 200)}`, major: true });
  for (const e of entriesOfKind(entries, 'deepgram.speak.rest', 'first_byte')) add({ t: e.t, lane: 'tts', kind: 'tts-first-audio', label: 'audio', detail: 'first body byte', major: true });
  for (const e of entriesOfKind(entries, 'deepgram.speak.rest', 'abort')) add({ t: e.t, lane: 'tts', kind: 'tts-clear', label: 'abort', detail: `request aborted after ${e.data.bytes} of ${e.data.of} bytes`, major: false });

  // What the mocks refused or injected: always worth seeing.
  for (const e of entries) {
    if (isRefusal(e)) add({ t: e.t, lane: e.service.startsWith('deepgram.listen') ? 'stt' : e.service.startsWith('deepgram') ? 'tts' : 'llm', kind: 'refusal', label: 'refused', detail: describeRefusal(e.service, e.data), major: true });
    else if (isFault(e)) add({ t: e.t, lane: e.service === 'deepgram.listen' ? 'stt' : e.service.startsWith('deepgram') ? 'tts' : 'llm', kind: 'fault', label: 'fault', detail: `${e.service} fault injected: ${JSON.stringify(e.data)}`, major: true });
  }
  return out.sort((a, b) => a.t - b.t);
}
