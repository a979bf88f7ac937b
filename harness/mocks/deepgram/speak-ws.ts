/**
 * Mock Deepgram speak over WebSocket (WS /v1/speak): `Speak` buffers text, `Flush` synthesises it
 * (first audio after the profile's TTFB, then 100 ms binary chunks paced faster than real time,
 * then `Flushed`), `Clear` drops text and pending audio, `Close` drains and closes 1000.
 * Limits as the live service enforces them: 2000 chars a Speak (1009 BIG-0001), 2400 chars a
 * minute (1008 DATA-0001), 20 Flush a minute (Warning).
 */
import { createHash } from 'node:crypto';
import type { MockSocket } from '../transport/socket.ts';
import alawmulaw from 'alawmulaw';
import { createPcmRender, DEFAULT_SYNTH, encodeMulaw, resample, SAMPLE_RATE } from '../../audio/index.ts';
import { DEEPGRAM_CLOSE, parseSpeakClientMessage } from '../../protocol/deepgram.ts';
import type { SocketArgs } from './socket-args.ts';
import { connectionJournal } from '../journal/journal.ts';
import { stripTextMarks } from '../attribution/text-mark.ts';
import { replayCallOf } from '../replay/source.ts';

/** Audio per binary frame, in ms of output. */
export const SPEAK_CHUNK_MS = 100;
export const DEFAULT_SPEAK_MODEL = 'aura-asteria-en';
/** Longest text one `Speak` may carry. */
export const SPEAK_MAX_TEXT_CHARS = 2000;
/** Text allowed into one socket per sliding window. */
export const SPEAK_CHAR_RATE = { chars: 2400, windowMs: 60_000 } as const;
/** Flushes processed per sliding window; further ones get a Warning and are not processed. */
export const SPEAK_FLUSH_RATE = { count: 20, windowMs: 60_000 } as const;
/** Warning codes (Deepgram does not document its codes; these are the mock's own). */
export const SPEAK_WARNING = {
  flushRate: 'FLUSH_RATE_LIMIT',
  badMessage: 'UNPARSABLE_CLIENT_MESSAGE',
} as const;
/** The Warning code of the interleave_control fault: a modelled frame, not a refusal. */
const INTERLEAVED_CODE = 'CALLBENCH_INTERLEAVED';

/** The control messages the mock sends (the speak protocol's server JSON). */
type SpeakControl =
  | { type: 'Metadata'; request_id: string; model_name: string; model_version: string; model_uuid: string }
  | { type: 'Flushed' | 'Cleared'; sequence_id: number }
  | { type: 'Warning'; description: string; code: string };

/** Version string reported in Metadata. */
const MODEL_VERSION = '2025-04-07.0';

export type SpeakEncoding = 'linear16' | 'mulaw' | 'alaw';

export interface SpeakParams {
  model: string;
  encoding: SpeakEncoding;
  sampleRate: number;
  /** Speaking-rate multiplier (0.7–1.5). */
  speed: number;
}

const ENCODINGS: readonly SpeakEncoding[] = ['linear16', 'mulaw', 'alaw'];
const RATES: Record<SpeakEncoding, readonly number[]> = {
  linear16: [8000, 16000, 24000, 32000, 48000],
  mulaw: [8000, 16000],
  alaw: [8000, 16000],
};
const DEFAULT_RATE: Record<SpeakEncoding, number> = { linear16: 24000, mulaw: 8000, alaw: 8000 };

function isEncoding(value: string): value is SpeakEncoding {
  return (ENCODINGS as readonly string[]).includes(value);
}

/** Parses the speak query; returns a Deepgram-style error message for values the service refuses. */
export function parseSpeakParams(params: URLSearchParams): { ok: true; value: SpeakParams } | { ok: false; error: string } {
  const encoding = params.get('encoding') ?? 'linear16';
  if (!isEncoding(encoding)) {
    return { ok: false, error: `Bad Request: encoding must be one of ${ENCODINGS.join('|')} for streaming TTS, got '${encoding}'.` };
  }
  const rateRaw = params.get('sample_rate');
  const sampleRate = rateRaw === null ? DEFAULT_RATE[encoding] : Number(rateRaw);
  if (!RATES[encoding].includes(sampleRate)) {
    return { ok: false, error: `Bad Request: sample_rate for ${encoding} must be one of ${RATES[encoding].join('|')}, got '${rateRaw}'.` };
  }
  const speedRaw = params.get('speed');
  const speed = speedRaw === null ? 1 : Number(speedRaw);
  if (!Number.isFinite(speed) || speed < 0.7 || speed > 1.5) {
    return { ok: false, error: `Bad Request: speed must be a number from 0.7 to 1.5, got '${speedRaw}'.` };
  }
  return { ok: true, value: { model: params.get('model') ?? DEFAULT_SPEAK_MODEL, encoding, sampleRate, speed } };
}

/** Error message for a speak query the service would refuse at the upgrade, or undefined. */
export function validateSpeakParams(params: URLSearchParams): string | undefined {
  const parsed = parseSpeakParams(params);
  return parsed.ok ? undefined : parsed.error;
}

/** Bytes per sample of the output encoding. */
export function bytesPerSample(encoding: SpeakEncoding): number {
  return encoding === 'linear16' ? 2 : 1;
}

function encodePcm(pcm: Int16Array, encoding: SpeakEncoding): Uint8Array {
  switch (encoding) {
    case 'mulaw':
      return encodeMulaw(pcm);
    case 'alaw':
      return alawmulaw.alaw.encode(pcm);
    case 'linear16': {
      const out = Buffer.alloc(pcm.length * 2);
      for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i] ?? 0, i * 2);
      return out;
    }
  }
}

/** Input samples (8 kHz) of context on each side of a block, so block-wise resampling joins cleanly. */
const RESAMPLE_PAD = 64;

/**
 * The speech for `text` in the requested format, rendered block by block on demand (resampling a
 * long text at once would block the event loop for seconds). All rates are multiples of 8 kHz.
 */
export interface SpeechRender {
  /** Total length of the audio in ms. */
  readonly durationMs: number;
  /** Number of SPEAK_CHUNK_MS chunks (the last may be shorter). */
  readonly chunks: number;
  /** Bytes of chunk `index`, in the requested encoding and rate. */
  chunk(index: number): Uint8Array;
}

export function renderSpeech(text: string, params: SpeakParams): SpeechRender {
  // Synthesised as the chunks are asked for, in order: a long reply is not made in one go.
  const synth = createPcmRender(text, { msPerChar: DEFAULT_SYNTH.msPerChar / params.speed });
  const pcm = synth.samples;
  const ratio = params.sampleRate / SAMPLE_RATE;
  const inPerChunk = (SAMPLE_RATE * SPEAK_CHUNK_MS) / 1000;
  return {
    durationMs: (pcm.length * 1000) / SAMPLE_RATE,
    chunks: Math.ceil(pcm.length / inPerChunk),
    chunk(index) {
      const from = index * inPerChunk;
      const to = Math.min(pcm.length, from + inPerChunk);
      const padFrom = Math.max(0, from - RESAMPLE_PAD);
      const padTo = Math.min(pcm.length, to + RESAMPLE_PAD);
      synth.renderTo(ratio === 1 ? to : padTo);
      if (ratio === 1) return encodePcm(pcm.subarray(from, to), params.encoding);
      const out = resample({ sampleRate: SAMPLE_RATE, samples: pcm.slice(padFrom, padTo) }, params.sampleRate).samples;
      const skip = (from - padFrom) * ratio;
      return encodePcm(out.subarray(skip, skip + (to - from) * ratio), params.encoding);
    },
  };
}

/** A stable UUID-shaped id for a model name (the live service reports a fixed uuid per model). */
export function modelUuid(model: string): string {
  const hex = createHash('sha256').update(model).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** One Flush being played out. */
interface Job {
  sequence: number;
  render: SpeechRender | undefined;
  /** Clock time of the first chunk (or of Flushed for an empty flush). */
  firstAt: number;
  sent: number;
}

export function handleSpeakSocket(ws: MockSocket, args: SocketArgs): void {
  const { ctx, connection, requestId } = args;
  const journal = connectionJournal(ctx.journal, 'deepgram.speak.ws', connection);
  /** The call, as far as it is known now (the first Speak text may tie it): faults look it up when they strike. */
  const call = (): string | undefined => ctx.journal.callOf(connection);
  const parsed = parseSpeakParams(args.params);
  if (!parsed.ok) {
    journal({ direction: 'event', kind: 'refused', data: { what: 'close', code: 1008, message: parsed.error } });
    ws.close(1008, parsed.error.slice(0, 120));
    return;
  }
  const params = parsed.value;
  /** Under `callbench replay`, the recorded socket this one stands for: each Flush's recorded delay to first audio. */
  const replayed = ctx.replay?.speakWs(replayCallOf(ctx.journal, ctx.calls, connection));
  /** μ-law speech carries this connection's source mark (attribution/source-book.ts); other encodings go out as synthesised. */
  const writer = params.encoding === 'mulaw' ? ctx.sources.writerFor('deepgram.speak.ws', connection) : undefined;
  const marked = (bytes: Uint8Array): Uint8Array => (writer === undefined ? bytes : writer.mark(bytes, 0));
  /** Interval between chunks once audio flows: chunk length divided by the profile's speed-up. */
  const interval = SPEAK_CHUNK_MS / Math.max(ctx.delays.profile.ttsSpeedup, 1e-6);
  let buffer = '';
  const jobs: Job[] = [];
  let flushSeq = 0;
  let clearSeq = 0;
  const flushTimes: number[] = [];
  const speakChars: Array<{ t: number; chars: number }> = [];
  let timer: (() => void) | undefined;
  let closing = false;
  let closed = false;

  /** Sends a control message and journals it. */
  const sendJson = (message: SpeakControl): void => {
    if (!ws.isOpen()) return;
    ws.send(JSON.stringify(message));
    switch (message.type) {
      case 'Metadata':
        journal({ direction: 'sent', kind: 'Metadata', data: { requestId: message.request_id, model: message.model_name } });
        return;
      case 'Flushed':
      case 'Cleared':
        journal({ direction: 'sent', kind: message.type, data: { sequenceId: message.sequence_id } });
        return;
      case 'Warning':
        journal({ direction: 'sent', kind: 'Warning', data: { code: message.code, description: message.description } });
        if (message.code !== INTERLEAVED_CODE) journal({ direction: 'event', kind: 'refused', data: { what: 'error-event', code: message.code, message: message.description } });
        return;
    }
  };
  const stopTimer = (): void => {
    timer?.();
    timer = undefined;
  };
  const closeWith = (code: number, reason?: string, refusal = false): void => {
    if (refusal) journal({ direction: 'event', kind: 'refused', data: { what: 'close', code, message: reason ?? '' } });
    stopTimer();
    jobs.length = 0;
    closed = true;
    ws.close(code, reason);
  };

  /** Clock time of the end of the last queued job (when its Flushed goes out). */
  const queueEnd = (): number => {
    const last = jobs[jobs.length - 1];
    if (last === undefined) return -Infinity;
    return last.firstAt + Math.max(0, (last.render?.chunks ?? 0) - 1) * interval;
  };

  /** Runs the head job's next step (a chunk, or Flushed after its last chunk) when it falls due. */
  const pump = (): void => {
    if (timer !== undefined || closed) return;
    const job = jobs[0];
    if (job === undefined) {
      if (closing) closeWith(1000);
      return;
    }
    const due = job.firstAt + job.sent * interval;
    timer = ctx.clock.at(due, () => {
      timer = undefined;
      const chunks = job.render?.chunks ?? 0;
      if (job.sent < chunks && job.render !== undefined) {
        const bytes = marked(job.render.chunk(job.sent));
        job.sent++;
        const owner = call();
        if (ws.isOpen()) {
          ws.send(bytes);
          journal({ direction: 'sent', kind: 'audio', data: { bytes: bytes.length, flush: job.sequence, late: false } });
          if (ctx.faults.of(owner, 'interleave_control').length > 0) {
            if (job.sent === 1) journal({ direction: 'event', kind: 'fault', data: { type: 'interleave_control', flush: job.sequence } });
            sendJson({ type: 'Warning', description: 'callbench fault: a control frame between audio frames', code: INTERLEAVED_CODE });
          }
        }
        const drop = job.sent === 1 ? ctx.faults.of(owner, 'close').find((f) => f.service === 'deepgram.speak' && f.afterFlushes === job.sequence + 1 && ctx.faults.strike(owner, f)) : undefined;
        if (drop !== undefined) {
          journal({ direction: 'event', kind: 'fault', data: { type: 'close', code: drop.code, flush: job.sequence } });
          closeWith(drop.code, drop.reason);
          return;
        }
      }
      if (job.sent >= chunks) {
        jobs.shift();
        sendJson({ type: 'Flushed', sequence_id: job.sequence });
      }
      pump();
    });
  };

  /** The late_audio fault: after a Clear, audio of the cleared speech still goes out before `Cleared`. */
  const sendLateAudio = (): void => {
    const late = ctx.faults.of(call(), 'late_audio').find((f) => f.service === 'deepgram.speak');
    const job = jobs[0];
    if (late === undefined || job?.render === undefined) return;
    const count = Math.min(job.render.chunks - job.sent, Math.ceil(late.ms / SPEAK_CHUNK_MS));
    for (let i = 0; i < count && ws.isOpen(); i++) {
      const bytes = marked(job.render.chunk(job.sent++));
      ws.send(bytes);
      journal({ direction: 'sent', kind: 'audio', data: { bytes: bytes.length, flush: job.sequence, late: true } });
    }
    journal({ direction: 'event', kind: 'fault', data: { type: 'late_audio', chunks: count } });
  };

  const enqueueFlush = (): number => {
    const now = ctx.clock.now();
    const text = buffer;
    buffer = '';
    const sequence = flushSeq++;
    const render = text.trim().length > 0 ? renderSpeech(text, params) : undefined;
    const ready = render === undefined ? now : now + (replayed?.flushes[sequence]?.firstByteMs ?? ctx.delays.sample('tts.first_byte_ms', call()));
    jobs.push({ sequence, render, firstAt: Math.max(ready, queueEnd()), sent: 0 });
    pump();
    return sequence;
  };

  const onText = (text: string): void => {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      message = undefined;
    }
    const parsedMessage = parseSpeakClientMessage(text);
    if (!parsedMessage.ok) {
      const type = (message as { type?: unknown } | undefined)?.type;
      journal({ direction: 'received', kind: 'invalid', data: { type: typeof type === 'string' ? type : undefined, error: parsedMessage.error } });
      sendJson({ type: 'Warning', description: `Could not process message: ${parsedMessage.error}`, code: SPEAK_WARNING.badMessage });
      return;
    }
    const value = parsedMessage.value;
    if (closing) {
      if (value.type === 'Speak') journal({ direction: 'received', kind: 'Speak', data: { chars: value.text.length, text: stripTextMarks(value.text).slice(0, 200), ignored: 'after Close' } });
      else if (value.type === 'Flush') journal({ direction: 'received', kind: 'Flush', data: { chars: 0, ignored: 'after Close' } });
      else journal({ direction: 'received', kind: value.type, data: { ignored: 'after Close' } });
      return;
    }
    const now = ctx.clock.now();
    switch (value.type) {
      case 'Speak': {
        // Marks tie the socket to its call; the speech is of the text without them.
        if (call() === undefined) {
          const tie = ctx.texts.tieSpeechText(value.text);
          if (tie.ok) ctx.journal.tie('deepgram.speak.ws', connection, { call: tie.call, how: 'text', detail: tie.detail });
        }
        const spoken = stripTextMarks(value.text);
        journal({ direction: 'received', kind: 'Speak', data: { chars: spoken.length, text: spoken.slice(0, 200) } });
        if (spoken.length > SPEAK_MAX_TEXT_CHARS) {
          closeWith(DEEPGRAM_CLOSE.textTooLong.code, DEEPGRAM_CLOSE.textTooLong.reason, true);
          return;
        }
        speakChars.push({ t: now, chars: spoken.length });
        while (speakChars.length > 0 && (speakChars[0]?.t ?? now) <= now - SPEAK_CHAR_RATE.windowMs) speakChars.shift();
        if (speakChars.reduce((sum, entry) => sum + entry.chars, 0) > SPEAK_CHAR_RATE.chars) {
          closeWith(DEEPGRAM_CLOSE.charRate.code, DEEPGRAM_CLOSE.charRate.reason, true);
          return;
        }
        buffer += spoken;
        return;
      }
      case 'Flush': {
        while (flushTimes.length > 0 && (flushTimes[0] ?? now) <= now - SPEAK_FLUSH_RATE.windowMs) flushTimes.shift();
        if (flushTimes.length >= SPEAK_FLUSH_RATE.count) {
          journal({ direction: 'received', kind: 'Flush', data: { chars: buffer.length, rejected: 'rate limit' } });
          sendJson({
            type: 'Warning',
            description: `Flush limit of ${SPEAK_FLUSH_RATE.count} per ${SPEAK_FLUSH_RATE.windowMs / 1000} seconds exceeded; this Flush was not processed. Wait for the window to pass.`,
            code: SPEAK_WARNING.flushRate,
          });
          return;
        }
        flushTimes.push(now);
        journal({ direction: 'received', kind: 'Flush', data: { chars: buffer.length, sequenceId: flushSeq } });
        enqueueFlush();
        return;
      }
      case 'Clear': {
        journal({ direction: 'received', kind: 'Clear', data: {} });
        sendLateAudio();
        const droppedChars = buffer.length;
        const droppedFlushes = jobs.map((job) => job.sequence);
        buffer = '';
        stopTimer();
        jobs.length = 0;
        sendJson({ type: 'Cleared', sequence_id: clearSeq++ });
        if (droppedChars > 0 || droppedFlushes.length > 0) journal({ direction: 'event', kind: 'cleared', data: { chars: droppedChars, flushes: droppedFlushes } });
        return;
      }
      case 'Close': {
        journal({ direction: 'received', kind: 'Close', data: {} });
        closing = true;
        if (buffer.trim().length > 0) enqueueFlush();
        pump();
        return;
      }
    }
  };

  ws.onMessage((data, isBinary) => {
    if (closed) return;
    const bytes = data;
    if (isBinary) {
      journal({ direction: 'received', kind: 'binary', data: { bytes: bytes.length } });
      return;
    }
    onText(bytes.toString('utf8'));
  });
  ws.onClose((code, reason) => {
    closed = true;
    stopTimer();
    jobs.length = 0;
    journal({ direction: 'event', kind: 'close', data: { code, reason } });
  });
  ws.onError((error) => journal({ direction: 'event', kind: 'error', data: { message: error.message } }));

  journal({ direction: 'event', kind: 'open', data: { model: params.model, encoding: params.encoding, sampleRate: params.sampleRate, speed: params.speed, container: args.params.get('container') } });
  sendJson({ type: 'Metadata', request_id: requestId, model_name: params.model, model_version: MODEL_VERSION, model_uuid: modelUuid(params.model) });
}
