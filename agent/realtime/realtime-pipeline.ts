/**
 * Realtime mode for one call: OpenAI Realtime (GA) hears the caller and answers in speech.
 *
 * - The session is set to G.711 μ-law both ways (Twilio's format, so audio passes through as it
 *   is), server VAD with `create_response` on and `interrupt_response` off: the agent itself
 *   decides a barge-in and cancels the response, so cancelling does not depend on a server
 *   setting and is the same whether or not audio has reached the caller yet.
 * - Caller audio waits until `session.updated` confirms the formats (5 s of it at most), then
 *   goes out as `input_audio_buffer.append`, re-encoded from the decoded bytes (so a payload
 *   Twilio's side mangled never reaches the service as it came), never empty.
 * - The greeting is a `response.create` tagged with turn 0 in its metadata, sent once the session
 *   is ready (hence only after Twilio's `start`).
 * - Output audio goes to Twilio with a mark after every ~200 ms of it; the echoes say how much of
 *   each item the caller has heard (heard-audio.ts).
 * - Barge-in (`speech_started` while audio plays): Twilio `clear`, then
 *   `conversation.item.truncate` of the playing item at the audio heard (never more than was
 *   generated; if the service says its item is shorter, once more at its length), and
 *   `response.cancel` of any response in progress. Output of an interrupted response that
 *   arrives later is dropped and counted.
 * - A dropped socket is reopened within the call's budget with the session set up again (the
 *   service's conversation is lost with it); when the budget is spent the call fails.
 */
import type { RealtimeClientEvent } from 'openai/resources/realtime/realtime';
import {
  assertNever,
  type RealtimeKnownEvent,
  type RealtimeServerEvent,
} from '../../harness/protocol/index.ts';
import { createDirectOut } from '../call/audio-out.ts';
import type { CallPipeline, CallPipelineDeps } from '../call/call-pipeline.ts';
import { describeError } from '../logger.ts';
import { LinkClosedError, type LinkDrop } from '../upstream/link-lifecycle.ts';
import { createRealtimeLink, type RealtimeLink } from '../upstream/realtime-link.ts';
import { createReopenBudget } from '../upstream/reopen-budget.ts';
import { createHeardAudio } from './heard-audio.ts';

/** A mark goes to Twilio after at least this much audio since the previous one. */
export const MARK_EVERY_MS = 200;
/** G.711 at 8 kHz: 8 bytes a millisecond. */
const BYTES_PER_MS = 8;
/** The metadata key that ties a client-created response to its turn. */
const TURN_KEY = 'callbench_turn';

type Event<T extends RealtimeKnownEvent['type']> = Extract<RealtimeKnownEvent, { type: T }>;

interface ResponseState {
  id: string;
  turn: number;
  itemId: string | undefined;
  /** Ms of audio sent to Twilio. */
  audioMs: number;
  sinceMarkMs: number;
  /** Interrupted: everything it still sends is dropped. */
  silenced: boolean;
  cancelSent: boolean;
  droppedDeltas: number;
}

/** Instructions that make the model say one line verbatim. */
export function sayExactly(systemPrompt: string, line: string): string {
  return `${systemPrompt}\n\nSay exactly: "${line.replace(/"/g, "'")}"`;
}

export function createRealtimePipeline(deps: CallPipelineDeps): CallPipeline {
  const { options, log, twilio, playback, fail } = deps;
  const { clock, tuning, realtime } = options;
  const out = createDirectOut({ twilio, playback, log });
  const heard = createHeardAudio();
  const budget = createReopenBudget(clock, tuning.upstreamMaxReconnects);
  const responses = new Map<string, ResponseState>();
  /** Truncates sent, by event_id, so an error about one can be matched to it. */
  const truncates = new Map<string, { itemId: string; turn: number; retried: boolean }>();
  let link: RealtimeLink | undefined;
  let ready = false;
  let stopped = false;
  let pending: string[] = [];
  let pendingBytes = 0;
  let turnCount = 0;
  let greeted = false;
  let markSeq = 0;
  let eventSeq = 0;
  /** The response whose audio went to Twilio last: the one playing, if anything is. */
  let playing: ResponseState | undefined;
  /** Turns that already asked for the fallback line once. */
  const fallbackTurns = new Set<number>();
  /**
   * The turn whose reply the dropped socket took with it mid-speech: once the new session is set up
   * the agent says so (the new session has no memory of the reply), rather than leave dead air.
   */
  let cutOffTurn: number | undefined;
  let readyWaiter: { resolve(): void; reject(error: Error): void } | undefined;

  const nextEventId = (kind: string): string => `cb_${kind}_${++eventSeq}`;
  /** The event_id of the session.update in flight: an error naming it means the session cannot be set up. */
  let sessionUpdateId: string | undefined;

  function send(event: RealtimeClientEvent): void {
    if (!stopped) link?.send(event);
  }

  function sessionUpdate(): RealtimeClientEvent {
    sessionUpdateId = nextEventId('session');
    return {
      type: 'session.update',
      event_id: sessionUpdateId,
      session: {
        type: 'realtime',
        model: realtime.model,
        output_modalities: ['audio'],
        instructions: options.systemPrompt,
        audio: {
          input: {
            format: { type: 'audio/pcmu' },
            turn_detection: {
              type: 'server_vad',
              silence_duration_ms: realtime.silenceDurationMs,
              create_response: true,
              interrupt_response: false,
            },
          },
          output: { format: { type: 'audio/pcmu' }, voice: realtime.voice },
        },
      },
    };
  }

  function createLink(): RealtimeLink {
    const created = createRealtimeLink({
      apiKey: options.openaiApiKey,
      baseUrl: options.openaiRealtimeBaseUrl,
      ca: options.openaiCa,
      model: realtime.model,
      callSid: deps.callSid,
      callHeader: options.callHeader,
      clock,
      tuning,
      log,
      onEvent: (event) => {
        if (link === created) onEvent(event);
      },
      onDrop: (drop) => {
        if (link === created) onDrop(drop);
      },
    });
    link = created;
    ready = false;
    created.send(sessionUpdate());
    return created;
  }

  /** Opens a socket, reopening within the budget; a refusal no retry can fix fails at once. */
  async function openWithRetry(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (stopped) throw new Error('realtime: the call ended');
      const started = clock.now();
      try {
        await createLink().open();
        if (!stopped) log.emit({ type: 'upstream.open', upstream: 'realtime', connectMs: clock.now() - started, attempt });
        return;
      } catch (error) {
        if (stopped) throw error;
        if (error instanceof LinkClosedError && error.refusedStatus !== undefined) {
          throw new Error(`realtime: the service refused the connection (HTTP ${error.refusedStatus}); not retrying: ${describeError(error)}`);
        }
        if (budget.left <= 0) throw new Error(`realtime: ${describeError(error)}`);
        log.warn('upstream.dropped', `realtime: ${describeError(error)}; retrying`);
      }
      await budget.take();
    }
  }

  function onDrop(drop: LinkDrop): void {
    if (stopped) return;
    ready = false;
    // Whatever the old session was generating is gone with it, and its items cannot be truncated.
    const speaking = [...responses.values()].find((r) => r.audioMs > 0 && !r.silenced);
    if (speaking !== undefined) cutOffTurn = speaking.turn;
    responses.clear();
    playing = undefined;
    if (budget.left <= 0) {
      fail(`realtime closed unexpectedly (code ${drop.code}: ${drop.reason}) and may not be reopened again`);
      return;
    }
    log.warn('upstream.dropped', `realtime closed unexpectedly (code ${drop.code}: ${drop.reason}); reopening with a new session`);
    void budget
      .take()
      .then(() => openWithRetry())
      .catch((error: unknown) => {
        if (!stopped) fail(describeError(error));
      });
  }

  function onEvent(event: RealtimeServerEvent): void {
    if (stopped) return;
    switch (event.type) {
      case 'session.updated':
        onSessionUpdated(event);
        return;
      case 'input_audio_buffer.speech_started':
        onSpeechStarted();
        return;
      case 'input_audio_buffer.speech_stopped':
        turnCount += 1;
        log.emit({ type: 'realtime.speech_stopped', turn: turnCount, audioEndMs: event.audio_end_ms });
        return;
      case 'response.created':
        onResponseCreated(event);
        return;
      case 'response.output_item.added': {
        const response = responses.get(event.response_id);
        if (response !== undefined && event.item.type === 'message') response.itemId = event.item.id;
        return;
      }
      case 'response.output_audio.delta':
        onAudioDelta(event);
        return;
      case 'response.output_audio.done': {
        const response = responses.get(event.response_id);
        if (response !== undefined && !response.silenced && response.sinceMarkMs > 0) sendMark(response);
        return;
      }
      case 'response.done':
        onResponseDone(event);
        return;
      case 'error':
        onError(event);
        return;
      case 'session.created':
      case 'conversation.item.truncated':
      case 'response.output_audio_transcript.done':
      case 'conversation.item.input_audio_transcription.completed':
      case 'other':
        return;
      default:
        assertNever(event);
    }
  }

  function onSessionUpdated(event: Event<'session.updated'>): void {
    const { input, output } = event.session.audio;
    if (input.format.type !== 'audio/pcmu' || output.format.type !== 'audio/pcmu') {
      const reason = `realtime: the session kept ${input.format.type} in / ${output.format.type} out; Twilio needs audio/pcmu both ways`;
      readyWaiter?.reject(new Error(reason));
      readyWaiter = undefined;
      fail(reason);
      return;
    }
    const wasReady = ready;
    ready = true;
    log.emit({ type: 'realtime.session', model: realtime.model, voice: output.voice ?? null, inputFormat: input.format.type, outputFormat: output.format.type });
    if (!wasReady) {
      const queued = pending;
      pending = [];
      pendingBytes = 0;
      for (const audio of queued) send({ type: 'input_audio_buffer.append', audio });
    }
    readyWaiter?.resolve();
    readyWaiter = undefined;
    if (!greeted) {
      greeted = true;
      if (options.greeting !== '') sayLine(0, options.greeting);
    } else if (!wasReady && cutOffTurn !== undefined && options.fallbackReply !== '') {
      log.warn('realtime.resumed', `the Realtime socket dropped while turn ${cutOffTurn} was being spoken; saying the fallback line on the new session`);
      sayLine(cutOffTurn, options.fallbackReply);
    }
    if (!wasReady) cutOffTurn = undefined;
  }

  /** Asks the model to speak `line` verbatim as the response of `turn`. */
  function sayLine(turn: number, line: string): void {
    send({
      type: 'response.create',
      event_id: nextEventId('say'),
      response: { instructions: sayExactly(options.systemPrompt, line), metadata: { [TURN_KEY]: String(turn) } },
    });
  }

  function onResponseCreated(event: Event<'response.created'>): void {
    const tagged = (event.response['metadata'] as Record<string, unknown> | null | undefined)?.[TURN_KEY];
    const turn = typeof tagged === 'string' && /^\d+$/.test(tagged) ? Number(tagged) : turnCount;
    responses.set(event.response.id, { id: event.response.id, turn, itemId: undefined, audioMs: 0, sinceMarkMs: 0, silenced: false, cancelSent: false, droppedDeltas: 0 });
    log.emit({ type: 'realtime.response', turn, responseId: event.response.id });
  }

  function onAudioDelta(event: Event<'response.output_audio.delta'>): void {
    const response = responses.get(event.response_id);
    if (response === undefined) return;
    if (response.silenced) {
      response.droppedDeltas += 1;
      return;
    }
    const audio = Buffer.from(event.delta, 'base64');
    if (audio.byteLength === 0) return;
    const ms = audio.byteLength / BYTES_PER_MS;
    if (response.audioMs === 0) log.emit({ type: 'realtime.first_audio', turn: response.turn, responseId: response.id });
    response.itemId ??= event.item_id;
    out.media(response.turn, audio);
    heard.audioSent(event.item_id, ms, clock.now());
    response.audioMs += ms;
    response.sinceMarkMs += ms;
    playing = response;
    if (response.sinceMarkMs >= MARK_EVERY_MS) sendMark(response);
  }

  function sendMark(response: ResponseState): void {
    if (response.itemId === undefined) return;
    const name = `rt${response.turn}.${++markSeq}`;
    heard.markSent(name, response.itemId);
    out.mark(name);
    response.sinceMarkMs = 0;
  }

  function onResponseDone(event: Event<'response.done'>): void {
    const { id, status } = event.response;
    const response = responses.get(id);
    if (response === undefined) return;
    responses.delete(id);
    const reason = event.response.status_details?.reason ?? null;
    log.emit({ type: 'realtime.done', turn: response.turn, responseId: id, status, reason, audioMs: response.audioMs, droppedDeltas: response.droppedDeltas });
    if (status !== 'failed') return;
    log.error('realtime.failed', `response ${id} of turn ${response.turn} failed: ${JSON.stringify(event.response.status_details?.error ?? null)}`);
    // Never dead air: a reply that failed before saying anything is replaced by the fallback line, once.
    if (response.audioMs === 0 && response.turn > 0 && !fallbackTurns.has(response.turn) && options.fallbackReply !== '') {
      fallbackTurns.add(response.turn);
      sayLine(response.turn, options.fallbackReply);
    }
  }

  function onSpeechStarted(): void {
    const now = clock.now();
    if (playback.isSpeaking()) {
      const interrupted = playing;
      const itemId = interrupted?.itemId;
      const audioEndMs = itemId === undefined ? undefined : heard.heardMs(itemId, now);
      twilio.clear();
      playback.cleared();
      heard.cleared();
      if (interrupted !== undefined && itemId !== undefined && audioEndMs !== undefined) {
        interrupted.silenced = true;
        truncate(interrupted.turn, itemId, audioEndMs, false);
      }
      log.emit({ type: 'bargein', turn: interrupted?.turn ?? turnCount, trigger: 'speech_started' });
    }
    // The caller is talking: nothing being prepared is wanted any more.
    for (const response of responses.values()) {
      if (response.cancelSent) continue;
      response.silenced = true;
      response.cancelSent = true;
      send({ type: 'response.cancel', event_id: nextEventId('cancel'), response_id: response.id });
    }
  }

  function truncate(turn: number, itemId: string, audioEndMs: number, retried: boolean): void {
    const eventId = nextEventId('truncate');
    truncates.set(eventId, { itemId, turn, retried });
    send({ type: 'conversation.item.truncate', event_id: eventId, item_id: itemId, content_index: 0, audio_end_ms: audioEndMs });
    log.emit({ type: 'realtime.truncate', turn, itemId, audioEndMs, sentMs: heard.sentMs(itemId) });
  }

  function onError(event: Event<'error'>): void {
    const { code, message } = event.error;
    const eventId = event.error.event_id ?? undefined;
    // The response ended on its own while our cancel was on its way: nothing to do.
    if (code === 'response_cancel_not_active') return;
    if (eventId !== undefined && eventId === sessionUpdateId && !ready) {
      // A voice, model or setting the service refuses: no retry will fix it, and no session means dead air.
      const reason = `realtime: the service refused the session settings: ${code ?? event.error.type}: ${message}`;
      readyWaiter?.reject(new Error(reason));
      readyWaiter = undefined;
      fail(reason);
      return;
    }
    const truncated = eventId === undefined ? undefined : truncates.get(eventId);
    const shorter = /Audio content of (\d+)ms is already shorter than/.exec(message);
    if (truncated !== undefined && !truncated.retried && shorter?.[1] !== undefined) {
      // The service counts an item's audio a little shorter than its bytes say: truncate at its length.
      truncate(truncated.turn, truncated.itemId, Number(shorter[1]), true);
      return;
    }
    log.warn('realtime.error', `OpenAI Realtime error ${code ?? event.error.type}: ${message}`);
  }

  return {
    async start() {
      const sessionReady = new Promise<void>((resolve, reject) => {
        readyWaiter = { resolve, reject };
      });
      // Settled before it is awaited when the call ends while connecting: not an unhandled rejection.
      sessionReady.catch(() => undefined);
      await openWithRetry();
      const cancel = clock.at(clock.now() + tuning.upstreamConnectTimeoutMs, () => {
        readyWaiter?.reject(new Error(`realtime: no session.updated within ${tuning.upstreamConnectTimeoutMs} ms of opening`));
        readyWaiter = undefined;
      });
      try {
        await sessionReady;
      } finally {
        cancel();
      }
    },
    callerAudio(audio) {
      // An empty append is an error at the service; the session already drops empty frames.
      if (stopped || audio.byteLength === 0) return;
      const payload = audio.toString('base64');
      if (ready) {
        send({ type: 'input_audio_buffer.append', audio: payload });
        return;
      }
      pending.push(payload);
      pendingBytes += (payload.length * 3) / 4;
      while (pendingBytes > tuning.pendingAudioLimitBytes && pending.length > 0) pendingBytes -= ((pending.shift()?.length ?? 0) * 3) / 4;
    },
    markEchoed(name, echo) {
      if (echo === 'played') heard.markEchoed(name, clock.now());
    },
    get turns() {
      return turnCount;
    },
    stop() {
      stopped = true;
      pending = [];
      readyWaiter?.reject(new Error('realtime: the call ended'));
      readyWaiter = undefined;
      out.dispose();
    },
    async close() {
      try {
        await link?.close();
      } catch (error) {
        log.error('internal', `closing the realtime socket failed: ${describeError(error)}`);
      }
    },
  };
}
