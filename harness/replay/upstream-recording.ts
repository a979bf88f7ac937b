/**
 * A capture's upstream.jsonl read as the mocks replay it (harness/mocks/replay/source.ts): per
 * connection, in the order the agent opened them,
 * - listen: every message the service sent, anchored at the audio the agent had sent by then (and
 *   the delay after the frame that got it there), or at the Finalize / CloseStream it answered;
 * - chat: the status, and each SSE event's offset from the request (or the whole body);
 * - speak: each Flush's delay to its first audio, counted from when synthesis could start (the
 *   Flush, or the end of the audio queued ahead of it, which a replay queues again);
 * - REST speak: the delay to the first body byte;
 * - Realtime: server VAD events anchored on the appended audio, with the turn's transcription, and
 *   each response's transcript and delay to first audio after what triggered it.
 * It also reads what the replay's profile needs (how fast the service made speech) and the faults
 * the service showed (audio after a Clear or a cancel, a socket closed on the agent), for the
 * replay scenario to arm again.
 */
import { stripTextMarks } from '../mocks/attribution/text-mark.ts';
import type { Fault } from '../mocks/faults.ts';
import type { Anchor, RecordedChat, RecordedListen, RecordedMessage, RecordedRealtime, RecordedSpeakWs, UpstreamRecording } from '../mocks/replay/source.ts';
import type { UpstreamLine } from '../record/capture-format.ts';

type Line = UpstreamLine;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Bytes per ms of audio in `encoding` at `rate` (Deepgram's query names). */
function bytesPerMsOf(encoding: string | null, rate: string | null, defaults: { encoding: string; rate: number }): number {
  const enc = encoding ?? defaults.encoding;
  const sampleRate = Number(rate ?? defaults.rate);
  const width = enc === 'linear16' ? 2 : enc === 'linear32' || enc === 'float32' ? 4 : 1;
  return (width * (Number.isFinite(sampleRate) && sampleRate > 0 ? sampleRate : defaults.rate)) / 1000;
}

function queryOf(url: string): URLSearchParams {
  try {
    return new URL(url, 'http://x').searchParams;
  } catch {
    return new URLSearchParams();
  }
}

/** Realtime formats: bytes per ms of a session format object (GA `{type}`, beta strings). */
function realtimeBytesPerMs(format: unknown): number | undefined {
  const type = isRecord(format) ? format['type'] : format;
  if (type === 'audio/pcm' || type === 'pcm16') return 48;
  if (type === 'audio/pcmu' || type === 'audio/pcma' || type === 'g711_ulaw' || type === 'g711_alaw') return 8;
  return undefined;
}

/** The lines of each connection, in the order the connections were opened. */
function connections(lines: readonly Line[]): Array<{ open: Extract<Line, { kind: 'ws_open' | 'http_request' }>; lines: Line[] }> {
  const byConn = new Map<string, { open: Extract<Line, { kind: 'ws_open' | 'http_request' }>; lines: Line[] }>();
  for (const line of lines) {
    if (line.kind === 'ws_open' || line.kind === 'http_request') byConn.set(line.conn, { open: line, lines: [] });
    byConn.get(line.conn)?.lines.push(line);
  }
  return [...byConn.values()];
}

// --- listen ------------------------------------------------------------------------------------

function listenRecording(open: Extract<Line, { kind: 'ws_open' }>, lines: readonly Line[]): { recording: RecordedListen; fault: Fault | undefined } {
  const query = queryOf(open.url);
  const bytesPerMs = bytesPerMsOf(query.get('encoding'), query.get('sample_rate'), { encoding: 'linear16', rate: 16000 });
  let position = 0;
  let lastAudioAt = open.t;
  /** What the agent sent last that a message can answer: audio, or a control message. */
  const state: { last: 'audio' | { type: string; index: number; at: number } } = { last: 'audio' };
  const counts = new Map<string, number>();
  const messages: RecordedMessage[] = [];
  let agentClosed = false;
  let fault: Fault | undefined;
  const control = (type: string, at: number): void => {
    const index = counts.get(type) ?? 0;
    counts.set(type, index + 1);
    state.last = { type, index, at };
  };
  for (const line of lines) {
    if (line.kind === 'binary' && line.from === 'agent') {
      if (line.bytes === 0) control('CloseStream', line.t);
      else {
        position += line.bytes / bytesPerMs;
        lastAudioAt = line.t;
        state.last = 'audio';
      }
    } else if (line.kind === 'text' && line.from === 'agent') {
      const type = parse(line.text)?.['type'];
      if (type === 'Finalize' || type === 'CloseStream') control(type, line.t);
    } else if (line.kind === 'text' && line.from === 'upstream') {
      const type = String(parse(line.text)?.['type'] ?? 'unknown');
      const last = state.last;
      const anchor: Anchor = last === 'audio' ? { kind: 'audio', audioMs: position, afterMs: Math.max(0, line.t - lastAudioAt) } : { kind: 'control', type: last.type, index: last.index, afterMs: Math.max(0, line.t - last.at) };
      messages.push({ text: line.text, type, anchor, callMs: line.t });
    } else if (line.kind === 'ws_close') {
      if (line.from === 'agent') agentClosed = true;
      else if (!agentClosed && line.code !== 1000 && fault === undefined) fault = { type: 'close', service: 'deepgram.listen', code: line.code, reason: line.reason.slice(0, 120) || 'callbench replay: the recorded service closed here', afterAudioMs: Math.floor(position) };
    }
  }
  return { recording: { bytesPerMs, messages }, fault };
}

// --- chat --------------------------------------------------------------------------------------

function lastUserText(body: string | undefined): string {
  const request = body === undefined ? undefined : parse(body);
  const messages = Array.isArray(request?.['messages']) ? request['messages'] : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message: unknown = messages[i];
    if (!isRecord(message) || message['role'] !== 'user') continue;
    const content = message['content'];
    if (typeof content === 'string') return stripTextMarks(content);
    if (Array.isArray(content)) return stripTextMarks(content.map((part: unknown) => (isRecord(part) && typeof part['text'] === 'string' ? part['text'] : '')).join(' '));
  }
  return '';
}

function chatRecording(open: Extract<Line, { kind: 'http_request' }>, lines: readonly Line[]): RecordedChat {
  let status = 0;
  let contentType: string | undefined;
  let pending = '';
  let body = '';
  const events: Array<{ atMs: number; data: string }> = [];
  let abortedByAgent = false;
  for (const line of lines) {
    if (line.kind === 'http_response') {
      status = line.status;
      contentType = line.headers['content-type'];
    } else if (line.kind === 'http_chunk') {
      const text = line.text ?? '';
      body += text;
      if (!/event-stream/.test(contentType ?? '')) continue;
      pending += text;
      // An SSE event ends at a blank line; it was there once the chunk that ended it arrived.
      for (let end = pending.search(/\r?\n\r?\n/); end >= 0; end = pending.search(/\r?\n\r?\n/)) {
        const event = pending.slice(0, end);
        pending = pending.slice(end).replace(/^\r?\n\r?\n/, '');
        const data = event
          .split(/\r?\n/)
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).replace(/^ /, ''))
          .join('\n');
        if (data !== '') events.push({ atMs: Math.max(0, line.t - open.t), data });
      }
    } else if (line.kind === 'http_abort' && line.from === 'agent') {
      abortedByAgent = true;
    }
  }
  const streamed = /event-stream/.test(contentType ?? '');
  return { lastUserText: lastUserText(open.body), status, contentType, body: streamed ? undefined : body, events, abortedByAgent };
}

// --- speak -------------------------------------------------------------------------------------

/** How fast speech came: ms of audio after the first chunk of a reply, over the ms from its first chunk to its last. */
interface Pace {
  audioMs: number;
  spanMs: number;
}

interface SpeakFacts {
  recording: RecordedSpeakWs;
  /** Per job: ms of audio after its first chunk, and the wall time from its first chunk to its last. */
  pace: Pace[];
  /** ms of audio sent after a Clear, before its Cleared. */
  lateMs: number;
  fault: Fault | undefined;
}

function speakRecording(open: Extract<Line, { kind: 'ws_open' }>, lines: readonly Line[]): SpeakFacts {
  const query = queryOf(open.url);
  const bytesPerMs = bytesPerMsOf(query.get('encoding'), query.get('sample_rate'), { encoding: 'linear16', rate: 24000 });
  /** Jobs not yet Flushed, oldest first. */
  const jobs: Array<{ index: number; at: number; first: number | undefined; lastAudio: number | undefined; laterMs: number }> = [];
  const flushes: Array<{ firstByteMs: number | undefined }> = [];
  const pace: Pace[] = [];
  let previousEnd = -Infinity;
  let lateMs = 0;
  let clearedAt: number | undefined;
  let agentClosed = false;
  let fault: Fault | undefined;
  const paced = (job: (typeof jobs)[number] | undefined): void => {
    if (job?.first !== undefined && job.lastAudio !== undefined && job.laterMs > 0) pace.push({ audioMs: job.laterMs, spanMs: job.lastAudio - job.first });
  };
  for (const line of lines) {
    if (line.kind === 'text' && line.from === 'agent') {
      const type = parse(line.text)?.['type'];
      if (type === 'Flush') {
        jobs.push({ index: flushes.length, at: line.t, first: undefined, lastAudio: undefined, laterMs: 0 });
        flushes.push({ firstByteMs: undefined });
      } else if (type === 'Clear') clearedAt = line.t;
    } else if (line.kind === 'binary' && line.from === 'upstream') {
      const ms = line.bytes / bytesPerMs;
      if (clearedAt !== undefined) {
        lateMs += ms;
        continue;
      }
      const job = jobs[0];
      if (job === undefined) continue;
      if (job.first === undefined) {
        job.first = line.t;
        const entry = flushes[job.index];
        // Synthesis starts at the Flush, or once the audio queued ahead of it has gone out.
        if (entry !== undefined) entry.firstByteMs = Math.max(0, line.t - Math.max(job.at, previousEnd));
      } else {
        job.laterMs += ms;
      }
      job.lastAudio = line.t;
    } else if (line.kind === 'text' && line.from === 'upstream') {
      const message = parse(line.text);
      if (message?.['type'] === 'Flushed') {
        const job = jobs.shift();
        paced(job);
        previousEnd = job?.lastAudio ?? line.t;
      } else if (message?.['type'] === 'Cleared') {
        paced(jobs[0]);
        jobs.length = 0;
        clearedAt = undefined;
        previousEnd = line.t;
      }
    } else if (line.kind === 'ws_close') {
      if (line.from === 'agent') agentClosed = true;
      else if (!agentClosed && line.code !== 1000 && fault === undefined && flushes.length > 0) {
        fault = { type: 'close', service: 'deepgram.speak', code: line.code, reason: line.reason.slice(0, 120) || 'callbench replay: the recorded service closed here', afterFlushes: Math.max(1, flushes.length) };
      }
    }
  }
  return { recording: { flushes }, pace, lateMs, fault };
}

// --- Realtime ----------------------------------------------------------------------------------

interface RealtimeFacts {
  recording: RecordedRealtime;
  pace: Pace[];
  lateMs: number;
  fault: Fault | undefined;
}

function realtimeRecording(lines: readonly Line[]): RealtimeFacts {
  let inputBytesPerMs = 48;
  let outputBytesPerMs = 48;
  let position = 0;
  let lastAppendAt: number | undefined;
  let lastTrigger: number | undefined;
  const turns: Array<RecordedRealtime['turns'][number]> = [];
  const transcripts = new Map<string, string>();
  const stoppedItems: Array<{ index: number; item: string }> = [];
  const responses = new Map<string, { text: string; done: string | undefined; trigger: number | undefined; firstAudio: number | undefined; lastAudio: number | undefined; laterMs: number }>();
  const order: string[] = [];
  let cancelledAt: number | undefined;
  let lateMs = 0;
  let agentClosed = false;
  let fault: Fault | undefined;
  for (const line of lines) {
    if (line.kind === 'text' && line.from === 'agent') {
      const event = parse(line.text);
      const type = event?.['type'];
      if (type === 'session.update') {
        const session = isRecord(event?.['session']) ? event['session'] : {};
        const audio = isRecord(session['audio']) ? session['audio'] : {};
        const input = isRecord(audio['input']) ? audio['input'] : {};
        const output = isRecord(audio['output']) ? audio['output'] : {};
        inputBytesPerMs = realtimeBytesPerMs(input['format'] ?? session['input_audio_format']) ?? inputBytesPerMs;
        outputBytesPerMs = realtimeBytesPerMs(output['format'] ?? session['output_audio_format']) ?? outputBytesPerMs;
      } else if (type === 'input_audio_buffer.append') {
        position += (line.audioBytes ?? 0) / inputBytesPerMs;
        lastAppendAt = line.t;
      } else if (type === 'response.create') {
        lastTrigger = line.t;
      } else if (type === 'response.cancel') {
        cancelledAt = line.t;
      }
      continue;
    }
    if (line.kind === 'ws_close') {
      if (line.from === 'agent') agentClosed = true;
      else if (!agentClosed && line.code !== 1000 && fault === undefined && order.length > 0) {
        fault = { type: 'close', service: 'openai.realtime', code: line.code, reason: line.reason.slice(0, 120) || 'callbench replay: the recorded service closed here', afterResponses: order.length };
      }
      continue;
    }
    if (line.kind !== 'text' || line.from !== 'upstream') continue;
    const event = parse(line.text);
    const type = String(event?.['type'] ?? '');
    const anchor = { kind: 'audio' as const, audioMs: position, afterMs: Math.max(0, line.t - (lastAppendAt ?? line.t)) };
    if (type === 'input_audio_buffer.speech_started') {
      turns.push({ type: 'speech_started', anchor, audioMs: Number(event?.['audio_start_ms'] ?? 0), transcript: undefined, callMs: line.t });
    } else if (type === 'input_audio_buffer.speech_stopped') {
      stoppedItems.push({ index: turns.length, item: String(event?.['item_id'] ?? '') });
      turns.push({ type: 'speech_stopped', anchor, audioMs: Number(event?.['audio_end_ms'] ?? 0), transcript: undefined, callMs: line.t });
      lastTrigger = line.t;
    } else if (type === 'conversation.item.input_audio_transcription.completed') {
      transcripts.set(String(event?.['item_id'] ?? ''), stripTextMarks(String(event?.['transcript'] ?? '')));
    } else if (type === 'response.created') {
      const response = isRecord(event?.['response']) ? event['response'] : {};
      const id = String(response['id'] ?? '');
      order.push(id);
      responses.set(id, { text: '', done: undefined, trigger: lastTrigger, firstAudio: undefined, lastAudio: undefined, laterMs: 0 });
    } else if (/^response\.(output_)?audio\.delta$/.test(type)) {
      const id = String(event?.['response_id'] ?? '');
      const response = responses.get(id);
      const ms = (line.audioBytes ?? 0) / outputBytesPerMs;
      if (response === undefined) continue;
      if (cancelledAt !== undefined) lateMs += ms;
      if (response.firstAudio === undefined) response.firstAudio = line.t;
      else response.laterMs += ms;
      response.lastAudio = line.t;
    } else if (/^response\.(output_audio_transcript|output_text|audio_transcript|text)\.delta$/.test(type)) {
      const response = responses.get(String(event?.['response_id'] ?? ''));
      if (response !== undefined) response.text += stripTextMarks(String(event?.['delta'] ?? ''));
    } else if (/^response\.(output_audio_transcript|audio_transcript)\.done$/.test(type)) {
      const response = responses.get(String(event?.['response_id'] ?? ''));
      if (response !== undefined && typeof event?.['transcript'] === 'string') response.done = stripTextMarks(event['transcript']);
    } else if (type === 'response.done') {
      cancelledAt = undefined;
    }
  }
  for (const { index, item } of stoppedItems) {
    const turn = turns[index];
    if (turn !== undefined) turns[index] = { ...turn, transcript: transcripts.get(item) };
  }
  const pace: Pace[] = [];
  for (const r of responses.values()) if (r.firstAudio !== undefined && r.lastAudio !== undefined && r.laterMs > 0) pace.push({ audioMs: r.laterMs, spanMs: r.lastAudio - r.firstAudio });
  return {
    recording: {
      bytesPerMs: inputBytesPerMs,
      turns,
      responses: order.map((id) => {
        const r = responses.get(id);
        const text = r?.done ?? r?.text ?? '';
        return { text, firstAudioMs: r?.firstAudio === undefined || r.trigger === undefined ? undefined : Math.max(0, r.firstAudio - r.trigger) };
      }),
    },
    pace,
    lateMs,
    fault,
  };
}

// --- the whole ---------------------------------------------------------------------------------

export interface UpstreamFacts {
  recording: UpstreamRecording;
  /** How many times faster than real time the services made speech (over the whole recording), if it shows. */
  ttsSpeedup: number | undefined;
  /** Faults the recorded services showed, to arm in the replay. */
  faults: Fault[];
}

/** Faster than this is faster than anything can tell apart (the instant profile's pace). */
const MAX_SPEEDUP = 1000;

/** Audio made over the time it took, across every reply that had more than one chunk. */
function speedupOf(pace: readonly Pace[]): number | undefined {
  const audio = pace.reduce((sum, p) => sum + p.audioMs, 0);
  const span = pace.reduce((sum, p) => sum + p.spanMs, 0);
  if (audio <= 0) return undefined;
  return span <= audio / MAX_SPEEDUP ? MAX_SPEEDUP : audio / span;
}

export function upstreamFacts(lines: readonly UpstreamLine[]): UpstreamFacts {
  const recording: { listen: RecordedListen[]; chat: RecordedChat[]; speakWs: RecordedSpeakWs[]; speakRest: Array<{ firstByteMs: number | undefined }>; realtime: RecordedRealtime[] } = {
    listen: [],
    chat: [],
    speakWs: [],
    speakRest: [],
    realtime: [],
  };
  const pace: Pace[] = [];
  const faults: Fault[] = [];
  let speakLate = 0;
  let realtimeLate = 0;
  for (const { open, lines: conn } of connections(lines)) {
    if (open.kind === 'ws_open' && open.service === 'deepgram.listen') {
      const { recording: listen, fault } = listenRecording(open, conn);
      recording.listen.push(listen);
      if (fault !== undefined) faults.push(fault);
    } else if (open.kind === 'ws_open' && open.service === 'deepgram.speak.ws') {
      const facts = speakRecording(open, conn);
      recording.speakWs.push(facts.recording);
      pace.push(...facts.pace);
      speakLate = Math.max(speakLate, facts.lateMs);
      if (facts.fault !== undefined) faults.push(facts.fault);
    } else if (open.kind === 'ws_open' && open.service === 'openai.realtime') {
      const facts = realtimeRecording(conn);
      recording.realtime.push(facts.recording);
      pace.push(...facts.pace);
      realtimeLate = Math.max(realtimeLate, facts.lateMs);
      if (facts.fault !== undefined) faults.push(facts.fault);
    } else if (open.kind === 'http_request' && open.service === 'openai.chat') {
      recording.chat.push(chatRecording(open, conn));
    } else if (open.kind === 'http_request' && open.service === 'deepgram.speak.rest') {
      const first = conn.find((l) => l.kind === 'http_chunk');
      recording.speakRest.push({ firstByteMs: first === undefined ? undefined : Math.max(0, first.t - open.t) });
    }
  }
  // Audio a service still sent after a Clear or a cancel is the late_audio fault, replayed as such.
  if (speakLate >= 1) faults.push({ type: 'late_audio', service: 'deepgram.speak', ms: Math.round(speakLate) });
  if (realtimeLate >= 1) faults.push({ type: 'late_audio', service: 'openai.realtime', ms: Math.round(realtimeLate) });
  return { recording, ttsSpeedup: speedupOf(pace), faults };
}
