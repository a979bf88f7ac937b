/**
 * One GA Realtime WebSocket session: `session.created` first, then client events in, server
 * events out. Audio in runs through server VAD on the audio timebase; turns and
 * `response.create` start scripted responses; truncation is checked against the audio sent.
 * Everything is journalled under `openai.realtime`; every timer runs on the run's clock and is
 * cancelled when the socket closes.
 */
import type { MockSocket } from '../../transport/socket.ts';
import type { MockContext } from '../../context.ts';
import type { RegisteredUtterance } from '../../script.ts';
import { DEFAULT_REPLY } from '../chat.ts';
import { createConversation, wireItem, type ConversationItem, type ItemContent } from './conversation.ts';
import { realtimeErrors, type RealtimeErrorBody } from './errors.ts';
import { realtimeId } from './ids.ts';
import { receivedEntry, sentEntry } from './journal-facts.ts';
import { connectionJournal, type ConnectionJournal } from '../../journal/journal.ts';
import { createAudioAttribution, type AudioAttribution } from '../../attribution/audio-tie.ts';
import type { MarkEncoding } from '../../../audio/call-mark.ts';
import { DEFAULT_SYNTH, speechDurationMs } from '../../../audio/index.ts';
import { startResponse, type ActiveResponse, type ServerEvent } from './response.ts';
import { applySessionUpdate, bytesPerMs, defaultSession, sampleRateOf, vadParams, type RealtimeSession } from './session.ts';
import { checkTruncate } from './truncate.ts';
import { createTurnDetector, decodeInput, type TurnDetector, type TurnEvent } from './turns.ts';
import { createRealtimeReplay } from '../../replay/realtime.ts';

export interface RealtimeSocketArgs {
  ctx: MockContext;
  /** Journal id of this connection (already tied to its call when the agent sent the header). */
  connection: string;
  /** The `model` query parameter. */
  model: string;
  /** The other query parameters of the upgrade (the service ignores them: a `voice` there is silently lost). */
  query: string[];
}

/** The shortest buffer `input_audio_buffer.commit` accepts. */
export const MIN_COMMIT_MS = 100;

type Journal = ConnectionJournal<'openai.realtime'>;

export function realtimeJournal(args: Pick<RealtimeSocketArgs, 'ctx' | 'connection'>): Journal {
  return connectionJournal(args.ctx.journal, 'openai.realtime', args.connection);
}

/**
 * Sends `event` with a fresh event_id, and journals it, while the socket is open; an `error` event
 * is also journalled as a refusal, with the mock's own message, for the run to report.
 */
export function createSender(ws: MockSocket, journal: Journal, outputBytesPerMs: () => number): (event: ServerEvent) => void {
  return (event) => {
    if (!ws.isOpen()) return;
    const { type, ...rest } = event;
    const full = { type, event_id: realtimeId('event'), ...rest };
    ws.send(JSON.stringify(full));
    const entry = sentEntry(full, outputBytesPerMs());
    journal(entry);
    if (entry.kind === 'error' && 'code' in entry.data) journal({ direction: 'event', kind: 'refused', data: { what: 'error-event', code: entry.data.code, message: entry.data.message } });
  };
}

/** The audio-mark encoding of a session input format (A-law keeps no μ-law bits). */
function markFormat(format: { type: string }): { encoding: MarkEncoding | undefined; sampleRate: number } {
  if (format.type === 'audio/pcmu') return { encoding: 'mulaw', sampleRate: 8000 };
  if (format.type === 'audio/pcm') return { encoding: 'linear16', sampleRate: 24000 };
  return { encoding: undefined, sampleRate: 8000 };
}

/**
 * The line a response's instructions ask to be said word for word (`Say exactly: "…"`), as a model
 * would follow them; agents greet this way.
 */
export function verbatimLine(instructions: string): string | undefined {
  const line = /\bsay exactly:?\s*"([^"]+)"/i.exec(instructions)?.[1]?.trim();
  return line === undefined || line === '' ? undefined : line;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function handleRealtimeSocket(ws: MockSocket, args: RealtimeSocketArgs): void {
  const { ctx } = args;
  const journal = realtimeJournal(args);
  /** The call, as far as it is known now (the audio mark ties it): faults and replies look it up when needed. */
  const call = (): string | undefined => ctx.journal.callOf(args.connection);
  const timers = new Set<() => void>();
  let session: RealtimeSession = defaultSession(realtimeId('sess'), args.model, Date.now());
  const send = createSender(ws, journal, () => bytesPerMs(session.audio.output.format));
  const conversation = createConversation(realtimeId('conv'));
  let active: ActiveResponse | undefined;
  let audioSent = false;
  /** Responses started on this connection (the close fault counts them). */
  let responseCount = 0;
  /** The user item that the speech in progress will become (speech_started names it). */
  let pendingUserItem: string | undefined;
  /** Audio already appended in earlier input formats: the session timeline continues across a format change. */
  let offsetMs = 0;
  let closed = false;

  const vadSettings = (s: RealtimeSession): ReturnType<typeof vadParams> | undefined => {
    const td = s.audio.input.turn_detection;
    return td === null ? undefined : vadParams(td);
  };
  /** Its μ-law output carries this connection's source mark (attribution/source-book.ts). */
  const sourceWriter = ctx.sources.writerFor('openai.realtime', args.connection);
  const attribution: AudioAttribution = createAudioAttribution(ctx, 'openai.realtime', args.connection, markFormat(session.audio.input.format));
  let detector: TurnDetector = createTurnDetector(sampleRateOf(session.audio.input.format), attribution.identify, vadSettings(session));
  /** Under `callbench replay`, the recorded server VAD events of this connection take the detector's place (../../replay/realtime.ts). */
  const replay = createRealtimeReplay(ctx, args.connection, (event) => {
    if (!closed) onTurn(event, 0);
  });

  const at = (time: number, fn: () => void): (() => void) => {
    const cancel = ctx.clock.at(time, () => {
      timers.delete(cancel);
      if (!closed) fn();
    });
    timers.add(cancel);
    return () => {
      cancel();
      timers.delete(cancel);
    };
  };

  const fail = (error: Omit<RealtimeErrorBody, 'event_id'>, clientEventId: unknown): void => {
    send({ type: 'error', error: { ...error, event_id: typeof clientEventId === 'string' ? clientEventId : null } });
  };

  function respond(triggeredAt: number, overrides: Record<string, unknown> = {}): void {
    const instructions = typeof overrides['instructions'] === 'string' ? overrides['instructions'] : undefined;
    const lastUser = conversation.lastUserText();
    const verbatim = instructions === undefined ? undefined : verbatimLine(instructions);
    const owner = call();
    // Under `callbench replay`, the n-th response says what the recorded n-th said, first audio after its recorded delay.
    const replayed = replay?.nextResponse();
    const text =
      replayed?.text ?? verbatim ?? ctx.script.replyFor(lastUser, owner) ?? (instructions === undefined ? undefined : ctx.script.replyFor(instructions, owner)) ?? DEFAULT_REPLY;
    const modalities = overrides['output_modalities'];
    const effective: RealtimeSession =
      Array.isArray(modalities) && (modalities[0] === 'audio' || modalities[0] === 'text') ? { ...session, output_modalities: [modalities[0]] } : session;
    responseCount += 1;
    const nth = responseCount;
    let audioSeen = false;
    /**
     * The close fault: the socket closes right after the response's first audio delta. Decided at
     * that delta, when the caller's audio has tied the connection even if the response (a greeting)
     * started before any audio arrived.
     */
    const sendWithFault = (event: ServerEvent): void => {
      send(event);
      if (audioSeen || event.type !== 'response.output_audio.delta') return;
      audioSeen = true;
      const owner = call();
      const drop = ctx.faults.of(owner, 'close').find((f) => f.service === 'openai.realtime' && f.afterResponses === nth && ctx.faults.strike(owner, f));
      if (drop === undefined) return;
      journal({ direction: 'event', kind: 'fault', data: { type: 'close', code: drop.code, response: nth } });
      ws.close(drop.code, drop.reason);
    };
    active = startResponse(
      {
        ctx,
        conversation,
        send: sendWithFault,
        at,
        newId: (kind) => realtimeId(kind),
        markAudio: (bytes) => (effective.audio.output.format.type === 'audio/pcmu' ? sourceWriter.mark(bytes, 0) : bytes),
        onEnd(response) {
          if ((response.item?.audioMs ?? 0) > 0) audioSent = true;
          if (active === response) active = undefined;
        },
      },
      { text, session: effective, triggeredAt, metadata: overrides['metadata'] ?? null, call: call(), firstAudioMs: replayed?.firstAudioMs },
    );
    // What the caller should hear if the agent plays the whole response.
    if (effective.output_modalities[0] !== 'text') {
      const speechMs = speechDurationMs(text, { msPerChar: DEFAULT_SYNTH.msPerChar / effective.audio.output.speed });
      journal({ direction: 'event', kind: 'reply', data: { responseId: active.id, chars: text.length, speechMs } });
    }
  }

  function commitUserAudio(itemId: string, utterance: RegisteredUtterance | undefined): void {
    const item: ConversationItem = { id: itemId, role: 'user', status: 'completed', content: [{ type: 'input_audio', transcript: utterance?.transcript ?? null }], audioMs: 0 };
    const { previousItemId } = conversation.add(item);
    send({ type: 'input_audio_buffer.committed', previous_item_id: previousItemId, item_id: itemId });
    send({ type: 'conversation.item.added', previous_item_id: previousItemId, item: wireItem(item) });
    send({ type: 'conversation.item.done', previous_item_id: previousItemId, item: wireItem(item) });
    if (session.audio.input.transcription !== null && utterance !== undefined) {
      send({ type: 'conversation.item.input_audio_transcription.completed', item_id: itemId, content_index: 0, transcript: utterance.transcript, usage: { type: 'duration', seconds: Math.ceil(utterance.voicedMs / 1000) } });
    }
  }

  /** When the last VAD event went out: later ones never overtake it. */
  let lastTurnAt = Number.NEGATIVE_INFINITY;

  /**
   * Server VAD's events leave after the same processing lag as the Deepgram mock's STT events
   * (`stt.result_lag_ms`; no figure for OpenAI's is published), in the order they happened.
   */
  function deliverTurn(event: TurnEvent): void {
    const offset = offsetMs;
    lastTurnAt = Math.max(ctx.clock.now() + ctx.delays.sample('stt.result_lag_ms', call()), lastTurnAt);
    at(lastTurnAt, () => onTurn(event, offset));
  }

  function onTurn(event: TurnEvent, offset: number): void {
    if (event.type === 'speech_started') {
      pendingUserItem = realtimeId('item');
      send({ type: 'input_audio_buffer.speech_started', audio_start_ms: Math.round(offset + event.audioStartMs), item_id: pendingUserItem });
      const td = session.audio.input.turn_detection;
      if (active !== undefined && td?.interrupt_response === true) active.cancel('turn_detected');
      return;
    }
    const itemId = pendingUserItem ?? realtimeId('item');
    pendingUserItem = undefined;
    send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: Math.round(offset + event.audioEndMs), item_id: itemId });
    commitUserAudio(itemId, event.utterance);
    const td = session.audio.input.turn_detection;
    if (td?.create_response !== true) return;
    if (active !== undefined) {
      journal({ direction: 'event', kind: 'response_skipped', data: { reason: 'active_response', responseId: active.id } });
      return;
    }
    respond(ctx.clock.now());
  }

  function onSessionUpdate(message: Record<string, unknown>): void {
    const result = applySessionUpdate(session, message['session'], audioSent);
    if (!result.ok) {
      fail(result.error, message['event_id']);
      return;
    }
    const previous = session;
    session = result.value;
    if (previous.audio.input.format.type !== session.audio.input.format.type) {
      offsetMs += detector.positionMs;
      const format = markFormat(session.audio.input.format);
      attribution.setFormat(format.encoding, format.sampleRate);
      detector = createTurnDetector(sampleRateOf(session.audio.input.format), attribution.identify, vadSettings(session));
      pendingUserItem = undefined;
    } else {
      detector.configure(vadSettings(session));
    }
    send({ type: 'session.updated', session: structuredClone(session) });
  }

  function onAppend(message: Record<string, unknown>): void {
    const audio = message['audio'];
    if (typeof audio !== 'string') {
      fail(realtimeErrors.missingParam('audio'), message['event_id']);
      return;
    }
    const bytes = Buffer.from(audio, 'base64');
    attribution.push(bytes);
    const events = detector.push(decodeInput(bytes, session.audio.input.format));
    if (replay !== undefined) replay.audio(bytes.length / bytesPerMs(session.audio.input.format));
    else for (const event of events) deliverTurn(event);
  }

  function onItemCreate(message: Record<string, unknown>): void {
    const item = message['item'];
    if (!isRecord(item)) {
      fail(realtimeErrors.missingParam('item'), message['event_id']);
      return;
    }
    const role = item['role'];
    if (item['type'] !== 'message' || (role !== 'user' && role !== 'assistant' && role !== 'system')) {
      fail(realtimeErrors.invalidValue('item.type', "The mock supports message items (role 'user', 'assistant' or 'system') only."), message['event_id']);
      return;
    }
    const parts = Array.isArray(item['content']) ? item['content'] : [];
    const content: ItemContent[] = parts.filter(isRecord).map((part) => {
      const text = typeof part['text'] === 'string' ? part['text'] : typeof part['transcript'] === 'string' ? part['transcript'] : '';
      return role === 'assistant' ? { type: 'output_text', text } : { type: 'input_text', text };
    });
    const id = typeof item['id'] === 'string' ? item['id'] : realtimeId('item');
    if (conversation.get(id) !== undefined) {
      fail(realtimeErrors.invalidValue('item.id', `Item with id '${id}' already exists.`), message['event_id']);
      return;
    }
    const created: ConversationItem = { id, role, status: 'completed', content, audioMs: 0 };
    const { previousItemId } = conversation.add(created);
    send({ type: 'conversation.item.added', previous_item_id: previousItemId, item: wireItem(created) });
    send({ type: 'conversation.item.done', previous_item_id: previousItemId, item: wireItem(created) });
  }

  function onTruncate(message: Record<string, unknown>): void {
    const item = typeof message['item_id'] === 'string' ? conversation.get(message['item_id']) : undefined;
    const check = checkTruncate(item, message);
    if (!check.ok) {
      fail(check.error, message['event_id']);
      return;
    }
    if (item !== undefined) {
      // "Truncating audio will delete the server-side text transcript."
      item.content = item.content.map((c) => (c.type === 'output_audio' ? { type: 'output_audio', transcript: '' } : c));
      item.audioMs = check.audioEndMs;
    }
    send({ type: 'conversation.item.truncated', item_id: message['item_id'], content_index: 0, audio_end_ms: check.audioEndMs });
  }

  function onMessage(raw: string): void {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch (error) {
      journal({ direction: 'received', kind: 'invalid', data: { error: 'json' } });
      fail(realtimeErrors.invalidJson(error instanceof Error ? error.message : String(error)), null);
      return;
    }
    if (!isRecord(message) || typeof message['type'] !== 'string') {
      journal({ direction: 'received', kind: 'invalid', data: { error: 'type' } });
      fail(realtimeErrors.missingType(), isRecord(message) ? message['event_id'] : null);
      return;
    }
    const type = message['type'];
    journal(receivedEntry(type, message, (id) => (typeof id === 'string' ? conversation.get(id)?.audioMs : undefined), active?.id));
    const eventId = message['event_id'];
    switch (type) {
      case 'session.update':
        onSessionUpdate(message);
        return;
      case 'input_audio_buffer.append':
        onAppend(message);
        return;
      case 'input_audio_buffer.commit': {
        const buffered = detector.bufferedMs;
        if (buffered < MIN_COMMIT_MS) {
          fail(realtimeErrors.commitTooSmall(buffered), eventId);
          return;
        }
        const { utterance } = detector.commit();
        const itemId = pendingUserItem ?? realtimeId('item');
        pendingUserItem = undefined;
        commitUserAudio(itemId, utterance);
        return;
      }
      case 'input_audio_buffer.clear':
        detector.clear();
        pendingUserItem = undefined;
        send({ type: 'input_audio_buffer.cleared' });
        return;
      case 'conversation.item.create':
        onItemCreate(message);
        return;
      case 'conversation.item.truncate':
        onTruncate(message);
        return;
      case 'conversation.item.retrieve':
      case 'conversation.item.delete': {
        const id = message['item_id'];
        const item = typeof id === 'string' ? conversation.get(id) : undefined;
        if (item === undefined) {
          fail(typeof id === 'string' ? realtimeErrors.unknownItem(id) : realtimeErrors.missingParam('item_id'), eventId);
          return;
        }
        if (type === 'conversation.item.retrieve') send({ type: 'conversation.item.retrieved', item: wireItem(item) });
        else {
          conversation.delete(item.id);
          send({ type: 'conversation.item.deleted', item_id: item.id });
        }
        return;
      }
      case 'response.create': {
        if (active !== undefined) {
          fail(realtimeErrors.activeResponse(active.id), eventId);
          return;
        }
        respond(ctx.clock.now(), isRecord(message['response']) ? message['response'] : {});
        return;
      }
      case 'response.cancel': {
        const wanted = message['response_id'];
        if (active === undefined || (typeof wanted === 'string' && wanted !== active.id)) {
          fail(realtimeErrors.cancelNotActive(), eventId);
          return;
        }
        const late = ctx.faults.of(call(), 'late_audio').find((f) => f.service === 'openai.realtime');
        const sent = active.cancel('client_cancelled', late?.ms ?? 0);
        if (late !== undefined) journal({ direction: 'event', kind: 'fault', data: { type: 'late_audio', deltas: sent } });
        return;
      }
      default:
        fail(realtimeErrors.unknownType(type), eventId);
    }
  }

  journal({ direction: 'event', kind: 'open', data: { model: args.model, beta: false, query: args.query } });
  send({ type: 'session.created', session: structuredClone(session) });

  ws.onMessage((data, isBinary) => {
    if (isBinary) {
      journal({ direction: 'received', kind: 'invalid', data: { error: 'binary' } });
      fail(realtimeErrors.invalidJson('binary frames are not supported'), null);
      return;
    }
    onMessage(data.toString('utf8'));
  });
  ws.onClose((code) => {
    closed = true;
    replay?.cancel();
    for (const cancel of timers) cancel();
    timers.clear();
    journal({ direction: 'event', kind: 'close', data: { code, activeResponse: active?.id ?? null } });
  });
  ws.onError((error) => journal({ direction: 'event', kind: 'error', data: { message: error.message } }));
}

