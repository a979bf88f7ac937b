/**
 * Mock Deepgram streaming listen (WS /v1/listen): decodes the audio it receives, runs the
 * recogniser on the audio timebase, and sends each result after the profile's processing lag.
 */
import { createHash } from 'node:crypto';
import type { MockSocket } from '../transport/socket.ts';
import { createStreamingVad, decodeRaw } from '../../audio/index.ts';
import { DEEPGRAM_CLOSE, parseListenControl } from '../../protocol/deepgram.ts';
import { buildResults } from './listen-messages.ts';
import { parseListenParams } from './listen-params.ts';
import { createRecognizer, type RecognizerEvent } from './recognizer.ts';
import type { SocketArgs } from './socket-args.ts';
import { createAudioAttribution } from '../attribution/audio-tie.ts';
import { connectionJournal } from '../journal/journal.ts';
import { createListenReplay } from '../replay/listen.ts';

/** Deepgram closes a stream that has received nothing for this long (NET-0001). */
export const IDLE_TIMEOUT_MS = 10_000;

/** Returns an error message for query parameters the mock refuses, or undefined. */
export function validateListenParams(params: URLSearchParams): string | undefined {
  const parsed = parseListenParams(params);
  return parsed.ok ? undefined : parsed.error;
}

export function handleListenSocket(ws: MockSocket, args: SocketArgs): void {
  const { ctx, connection, requestId } = args;
  const journal = connectionJournal(ctx.journal, 'deepgram.listen', connection);
  const parsed = parseListenParams(args.params);
  if (!parsed.ok) {
    journal({ direction: 'event', kind: 'refused', data: { what: 'close', code: 1008, message: parsed.error } });
    ws.close(1008, parsed.error.slice(0, 120));
    return;
  }
  const params = parsed.value;
  const vad = createStreamingVad(params.sampleRate, { windowMs: 10 });
  const markEncoding = params.encoding === 'mulaw' ? 'mulaw' : params.encoding === 'linear16' ? 'linear16' : undefined;
  const attribution = createAudioAttribution(ctx, 'deepgram.listen', connection, { encoding: markEncoding, sampleRate: params.sampleRate });
  const recognizer = createRecognizer(params, attribution.identify);
  /** The call, as far as it is known now: faults and marks are decided when they are needed. */
  const call = (): string | undefined => ctx.journal.callOf(connection);
  const sha = createHash('sha256');
  const timers = new Set<() => void>();
  let lastSendAt = 0;
  let closing = false;
  let idleCancel: (() => void) | undefined;
  const declared = { encoding: args.params.get('encoding'), sampleRate: args.params.get('sample_rate'), channels: args.params.get('channels') };
  journal({ direction: 'event', kind: 'open', data: { model: params.model, encoding: params.encoding, sampleRate: params.sampleRate, endpointing: params.endpointingMs ?? false, declared } });

  /** Sends `message` no earlier than `delayMs` from now and never before an earlier message; `record` journals it. */
  const sendLater = (delayMs: number, message: () => Record<string, unknown>, record: () => void): void => {
    const at = Math.max(lastSendAt, ctx.clock.now() + delayMs);
    lastSendAt = at;
    const cancel = ctx.clock.at(at, () => {
      timers.delete(cancel);
      if (!ws.isOpen()) return;
      ws.send(JSON.stringify(message()));
      record();
    });
    timers.add(cancel);
  };

  /**
   * A final transcript another live call may also be saying gets the call's invisible text mark, so
   * the chat request the agent makes of it can still be tied to this call (attribution/text-mark.ts).
   */
  const sayFinal = (transcript: string, utterance: string | undefined): { text: string; marked: boolean } => {
    const owner = call();
    if (owner === undefined) return { text: transcript, marked: false };
    const byOthers = (c: string): boolean => c !== owner && ctx.calls.isLive(c);
    const shared = ctx.script.transcriptSharedWith(transcript, owner, ctx.calls.isLive) || (utterance !== undefined && [...ctx.script.callsOfUtterance(utterance)].some(byOthers));
    return ctx.texts.transcript(owner, transcript, shared);
  };

  /** Under `callbench replay`, the recorded messages of this connection take the recogniser's place (../replay/listen.ts). */
  const replay = createListenReplay({ ctx, ws, connection, requestId, journal, sayFinal: (transcript) => sayFinal(transcript, undefined) });

  const emit = (event: RecognizerEvent): void => {
    switch (event.type) {
      case 'speech_started':
        sendLater(
          ctx.delays.sample('stt.result_lag_ms', call()),
          () => ({ type: 'SpeechStarted', channel: [0, 1], timestamp: Math.round(event.atMs) / 1000 }),
          () => journal({ direction: 'sent', kind: 'SpeechStarted', data: { atMs: event.atMs } }),
        );
        return;
      case 'utterance_end':
        sendLater(
          ctx.delays.sample('stt.result_lag_ms', call()),
          () => ({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: Math.round(event.lastWordEndMs) / 1000 }),
          () => journal({ direction: 'sent', kind: 'UtteranceEnd', data: { lastWordEndMs: event.lastWordEndMs } }),
        );
        return;
      case 'result': {
        const message = buildResults({ requestId, ...event, punctuate: params.punctuate });
        const alternative = message.channel.alternatives[0];
        const transcript = alternative?.transcript ?? '';
        const utterance = recognizer.current?.id;
        const lag = ctx.delays.sample('stt.result_lag_ms', call()) + (event.speechFinal ? ctx.delays.sample('stt.endpointing_ms', call()) : 0);
        let marked = false;
        sendLater(
          lag,
          () => {
            if (!event.isFinal || alternative === undefined) return message;
            const said = sayFinal(transcript, utterance);
            marked = said.marked;
            return { ...message, channel: { alternatives: [{ ...alternative, transcript: said.text }] } };
          },
          () =>
            journal({
              direction: 'sent',
              kind: 'Results',
              data: { isFinal: event.isFinal, speechFinal: event.speechFinal, fromFinalize: event.fromFinalize, transcript, audioEndMs: event.endMs, utterance, marked },
            }),
        );
        return;
      }
    }
  };

  const armIdle = (): void => {
    idleCancel?.();
    idleCancel = ctx.clock.at(ctx.clock.now() + IDLE_TIMEOUT_MS, () => {
      journal({ direction: 'event', kind: 'idle-timeout', data: {} });
      journal({ direction: 'event', kind: 'refused', data: { what: 'close', code: DEEPGRAM_CLOSE.idle.code, message: DEEPGRAM_CLOSE.idle.reason } });
      ws.close(DEEPGRAM_CLOSE.idle.code, DEEPGRAM_CLOSE.idle.reason);
    });
  };
  armIdle();

  const closeStream = (): void => {
    closing = true;
    if (replay !== undefined) replay.control('CloseStream');
    else for (const event of recognizer.finalize()) emit(event);
    const position = vad.positionMs;
    const metadata = {
      type: 'Metadata',
      transaction_key: 'deprecated',
      request_id: requestId,
      sha256: sha.copy().digest('hex'),
      created: new Date().toISOString(),
      duration: Math.round(position) / 1000,
      channels: 1,
    };
    sendLater(0, () => metadata, () => journal({ direction: 'sent', kind: 'Metadata', data: { durationMs: position } }));
    const cancel = ctx.clock.at(lastSendAt, () => ws.close(1000));
    timers.add(cancel);
  };

  ws.onMessage((data, isBinary) => {
    if (closing) return;
    armIdle();
    if (isBinary) {
      const bytes = data;
      if (bytes.length === 0) {
        journal({ direction: 'received', kind: 'CloseStream', data: { legacy: true } });
        closeStream();
        return;
      }
      sha.update(bytes);
      attribution.push(bytes);
      const windows = vad.push(decodeRaw(bytes, params.encoding));
      if (replay !== undefined) replay.audio(bytes.length);
      else for (const event of recognizer.push(windows)) emit(event);
      const owner = call();
      const drop = ctx.faults.of(owner, 'close').find(
        (f) => f.service === 'deepgram.listen' && f.afterAudioMs !== undefined && vad.positionMs >= f.afterAudioMs && ctx.faults.strike(owner, f),
      );
      if (drop !== undefined) {
        closing = true;
        journal({ direction: 'event', kind: 'fault', data: { type: 'close', code: drop.code, audioMs: vad.positionMs } });
        ws.close(drop.code, drop.reason);
      }
      return;
    }
    const control = parseListenControl(data.toString('utf8'));
    if (!control.ok) {
      // Deepgram answers a text frame it cannot read rather than ignoring it: 1008, as for data it cannot decode.
      journal({ direction: 'received', kind: 'invalid', data: { error: control.error } });
      const reason = `DATA-0000: the text frame is not a control message (${control.error})`.slice(0, 120);
      journal({ direction: 'event', kind: 'refused', data: { what: 'close', code: 1008, message: reason } });
      closing = true;
      ws.close(1008, reason);
      return;
    }
    switch (control.value.type) {
      case 'KeepAlive':
        journal({ direction: 'received', kind: 'KeepAlive', data: {} });
        return;
      case 'Configure':
        journal({ direction: 'received', kind: 'Configure', data: {} });
        return;
      case 'Finalize':
        journal({ direction: 'received', kind: 'Finalize', data: {} });
        if (replay !== undefined) replay.control('Finalize');
        else for (const event of recognizer.finalize()) emit(event);
        return;
      case 'CloseStream':
        journal({ direction: 'received', kind: 'CloseStream', data: { legacy: false } });
        closeStream();
        return;
    }
  });

  ws.onClose((code) => {
    idleCancel?.();
    replay?.cancel();
    for (const cancel of timers) cancel();
    timers.clear();
    journal({ direction: 'event', kind: 'close', data: { code } });
  });
  ws.onError((error) => journal({ direction: 'event', kind: 'error', data: { message: error.message } }));
}
