/**
 * Mock Deepgram streaming listen (WS /v1/listen): decodes the audio it receives, runs the
 * recogniser on the audio timebase, and sends each result after the profile's processing lag.
 */
import { createHash } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import { createStreamingVad, decodeRaw } from '../../audio/index.ts';
import { rawDataToBuffer } from '../../net/raw-data.ts';
import { DEEPGRAM_CLOSE, parseListenControl } from '../../protocol/deepgram.ts';
import { buildResults } from './listen-messages.ts';
import { parseListenParams } from './listen-params.ts';
import { createRecognizer, type RecognizerEvent } from './recognizer.ts';
import type { SocketArgs } from './socket-args.ts';

/** Deepgram closes a stream that has received nothing for this long (NET-0001). */
export const IDLE_TIMEOUT_MS = 10_000;

/** Returns an error message for query parameters the mock refuses, or undefined. */
export function validateListenParams(params: URLSearchParams): string | undefined {
  const parsed = parseListenParams(params);
  return parsed.ok ? undefined : parsed.error;
}

export function handleListenSocket(ws: WebSocket, args: SocketArgs): void {
  const { ctx, connection, call, requestId } = args;
  const parsed = parseListenParams(args.params);
  if (!parsed.ok) {
    ws.close(1008, parsed.error.slice(0, 120));
    return;
  }
  const params = parsed.value;
  const vad = createStreamingVad(params.sampleRate, { windowMs: 10 });
  const recognizer = createRecognizer(params, ctx.script);
  const sha = createHash('sha256');
  const timers = new Set<() => void>();
  let lastSendAt = 0;
  let closing = false;
  let idleCancel: (() => void) | undefined;
  const journal = (direction: 'received' | 'sent' | 'event', kind: string, data?: Record<string, unknown>): void => {
    ctx.journal.record({ service: 'deepgram.listen', connection, call, direction, kind, ...(data === undefined ? {} : { data }) });
  };
  journal('event', 'open', { model: params.model, encoding: params.encoding, sample_rate: params.sampleRate, endpointing: params.endpointingMs ?? false });

  /** Sends `message` no earlier than `delayMs` from now and never before an earlier message. */
  const sendLater = (delayMs: number, message: Record<string, unknown>, kind: string, data: Record<string, unknown>): void => {
    const at = Math.max(lastSendAt, ctx.clock.now() + delayMs);
    lastSendAt = at;
    const cancel = ctx.clock.at(at, () => {
      timers.delete(cancel);
      if (ws.readyState !== ws.OPEN) return;
      ws.send(JSON.stringify(message));
      journal('sent', kind, data);
    });
    timers.add(cancel);
  };

  const emit = (event: RecognizerEvent): void => {
    switch (event.type) {
      case 'speech_started':
        sendLater(ctx.delays.sample('stt.result_lag_ms'), { type: 'SpeechStarted', channel: [0, 1], timestamp: Math.round(event.atMs) / 1000 }, 'SpeechStarted', { atMs: event.atMs });
        return;
      case 'utterance_end':
        sendLater(ctx.delays.sample('stt.result_lag_ms'), { type: 'UtteranceEnd', channel: [0, 1], last_word_end: Math.round(event.lastWordEndMs) / 1000 }, 'UtteranceEnd', { lastWordEndMs: event.lastWordEndMs });
        return;
      case 'result': {
        const message = buildResults({ requestId, ...event, punctuate: params.punctuate });
        const lag = ctx.delays.sample('stt.result_lag_ms') + (event.speechFinal ? ctx.delays.sample('stt.endpointing_ms') : 0);
        sendLater(lag, message, 'Results', {
          is_final: event.isFinal,
          speech_final: event.speechFinal,
          from_finalize: event.fromFinalize,
          transcript: message.channel.alternatives[0]?.transcript ?? '',
          audioEndMs: event.endMs,
          utterance: recognizer.current?.id,
        });
        return;
      }
    }
  };

  const armIdle = (): void => {
    idleCancel?.();
    idleCancel = ctx.clock.at(ctx.clock.now() + IDLE_TIMEOUT_MS, () => {
      journal('event', 'idle-timeout');
      ws.close(DEEPGRAM_CLOSE.idle.code, DEEPGRAM_CLOSE.idle.reason);
    });
  };
  armIdle();

  const closeStream = (): void => {
    closing = true;
    for (const event of recognizer.finalize()) emit(event);
    const position = vad.positionMs;
    sendLater(0, {
      type: 'Metadata',
      transaction_key: 'deprecated',
      request_id: requestId,
      sha256: sha.copy().digest('hex'),
      created: new Date().toISOString(),
      duration: Math.round(position) / 1000,
      channels: 1,
    }, 'Metadata', { durationMs: position });
    const cancel = ctx.clock.at(lastSendAt, () => ws.close(1000));
    timers.add(cancel);
  };

  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (closing) return;
    armIdle();
    if (isBinary) {
      const bytes = rawDataToBuffer(data);
      if (bytes.length === 0) {
        journal('received', 'CloseStream', { legacy: true });
        closeStream();
        return;
      }
      sha.update(bytes);
      for (const event of recognizer.push(vad.push(decodeRaw(bytes, params.encoding)))) emit(event);
      const drop = ctx.faults.of(call, 'close').find(
        (f) => f.service === 'deepgram.listen' && f.afterAudioMs !== undefined && vad.positionMs >= f.afterAudioMs && ctx.faults.strike(call, f),
      );
      if (drop !== undefined) {
        closing = true;
        journal('event', 'fault', { type: 'close', code: drop.code, audioMs: vad.positionMs });
        ws.close(drop.code, drop.reason);
      }
      return;
    }
    const control = parseListenControl(rawDataToBuffer(data).toString('utf8'));
    if (!control.ok) {
      journal('received', 'invalid', { error: control.error });
      return;
    }
    journal('received', control.value.type);
    switch (control.value.type) {
      case 'KeepAlive':
        return;
      case 'Finalize':
        for (const event of recognizer.finalize()) emit(event);
        return;
      case 'CloseStream':
        closeStream();
        return;
    }
  });

  ws.on('close', (code: number) => {
    idleCancel?.();
    for (const cancel of timers) cancel();
    timers.clear();
    journal('event', 'close', { code });
  });
  ws.on('error', (error: Error) => journal('event', 'error', { message: error.message }));
}
