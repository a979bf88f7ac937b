/**
 * One Realtime response: the scripted reply spoken as speech-like audio in the session's output
 * format. `response.created` goes out at once; the output item, its content part and the first
 * `response.output_audio.delta` after the profile's `realtime.first_audio_ms`; then ~100 ms audio
 * chunks (with the transcript deltas they cover) paced at `ttsSpeedup`× real time; then the
 * `.done` events in the documented order. A cancel stops the audio at once and closes the
 * response as `cancelled`.
 */
import { renderSpeech, SPEAK_CHUNK_MS, type SpeakParams } from '../../deepgram/speak-ws.ts';
import type { MockContext } from '../../context.ts';
import { tokenize } from '../tokens.ts';
import { wireItem, type Conversation, type ConversationItem } from './conversation.ts';
import { bytesPerMs, type AudioFormat, type RealtimeSession } from './session.ts';

export type ServerEvent = { type: string } & Record<string, unknown>;
export type CancelReason = 'client_cancelled' | 'turn_detected';

export interface ResponseDeps {
  ctx: MockContext;
  conversation: Conversation;
  /** Sends a server event (the connection adds event_id and journals it). */
  send(event: ServerEvent): void;
  /** Runs `fn` at clock time `at`; the connection cancels every pending timer on close. */
  at(at: number, fn: () => void): () => void;
  /** Called once when the response has ended (completed or cancelled). */
  onEnd(response: ActiveResponse): void;
  newId(kind: 'resp' | 'item'): string;
  /** Marks the audio of a delta before it is sent (the connection's source mark on μ-law output). */
  markAudio(bytes: Uint8Array): Uint8Array;
}

export interface ResponseOptions {
  /** What the model says. */
  text: string;
  session: RealtimeSession;
  /** When the response was triggered (speech_stopped or response.create): first audio is due at this + first_audio_ms. */
  triggeredAt: number;
  metadata: unknown;
  /** The call the connection is tied to, if any: its first-audio delay comes from the call's own stream (profiles.ts keyCall). */
  call?: string | undefined;
  /** The delay to first audio after the trigger, when a replay gives it (the recorded one); else the profile's. */
  firstAudioMs?: number | undefined;
}

export interface ActiveResponse {
  readonly id: string;
  /** The assistant item, once generation has started. */
  readonly item: ConversationItem | undefined;
  /**
   * Ends the response as cancelled. `lateAudioMs` (the late_audio fault) first sends that much more
   * of its audio, as deltas in flight when a cancel arrives would; only once audio has begun.
   * Returns the number of late deltas sent.
   */
  cancel(reason: CancelReason, lateAudioMs?: number): number;
}

function speakParams(format: AudioFormat, speed: number): SpeakParams {
  switch (format.type) {
    case 'audio/pcm':
      return { model: 'realtime', encoding: 'linear16', sampleRate: 24000, speed };
    case 'audio/pcmu':
      return { model: 'realtime', encoding: 'mulaw', sampleRate: 8000, speed };
    case 'audio/pcma':
      return { model: 'realtime', encoding: 'alaw', sampleRate: 8000, speed };
  }
}

/** Rough token counts for usage: text by pieces, audio at 20 tokens a second of output. */
const AUDIO_TOKENS_PER_S = 20;

export function startResponse(deps: ResponseDeps, options: ResponseOptions): ActiveResponse {
  const { ctx, send, conversation } = deps;
  const { session, text } = options;
  const id = deps.newId('resp');
  const audioOut = session.output_modalities[0] !== 'text';
  const format = session.audio.output.format;
  const render = audioOut ? renderSpeech(text, speakParams(format, session.audio.output.speed)) : undefined;
  const tokens = tokenize(text);
  /** Steps of output: audio chunks, or text tokens in text mode. */
  const steps = render?.chunks ?? tokens.length;
  const interval = SPEAK_CHUNK_MS / Math.max(ctx.delays.profile.ttsSpeedup, 1e-6);
  const firstAt = options.triggeredAt + (options.firstAudioMs ?? ctx.delays.sample('realtime.first_audio_ms', options.call));
  let item: ConversationItem | undefined;
  let previousItemId: string | null = null;
  let step = 0;
  let tokensSent = 0;
  let transcriptSent = '';
  let timer: (() => void) | undefined;
  let ended = false;

  const base = (): Record<string, unknown> => ({
    object: 'realtime.response',
    id,
    conversation_id: conversation.id,
    output_modalities: [...session.output_modalities],
    max_output_tokens: session.max_output_tokens,
    audio: { output: { format: { ...format }, voice: session.audio.output.voice } },
    metadata: options.metadata ?? null,
  });
  const ids = (): Record<string, unknown> => ({ response_id: id, item_id: item?.id, output_index: 0, content_index: 0 });
  const part = (): Record<string, unknown> => (audioOut ? { type: 'audio', transcript: transcriptSent } : { type: 'text', text: transcriptSent });
  const usage = (): Record<string, unknown> => {
    const textTokens = tokenize(transcriptSent).length;
    const audioTokens = Math.ceil(((item?.audioMs ?? 0) / 1000) * AUDIO_TOKENS_PER_S);
    const input = 100 + tokenize(conversation.lastUserText()).length;
    return {
      total_tokens: input + textTokens + audioTokens,
      input_tokens: input,
      output_tokens: textTokens + audioTokens,
      input_token_details: { text_tokens: input, audio_tokens: 0, image_tokens: 0, cached_tokens: 0, cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 } },
      output_token_details: { text_tokens: textTokens, audio_tokens: audioTokens },
    };
  };

  function beginItem(): void {
    item = { id: deps.newId('item'), role: 'assistant', status: 'in_progress', content: [], audioMs: 0 };
    previousItemId = conversation.add(item).previousItemId;
    send({ type: 'response.output_item.added', response_id: id, output_index: 0, item: wireItem(item) });
    send({ type: 'conversation.item.added', previous_item_id: previousItemId, item: wireItem(item) });
    item.content = [audioOut ? { type: 'output_audio', transcript: '' } : { type: 'output_text', text: '' }];
    send({ type: 'response.content_part.added', ...ids(), part: part() });
  }

  /** Transcript pieces up to the fraction `upTo` of the reply (by characters). */
  function transcriptUpTo(upTo: number): string {
    let out = '';
    while (tokensSent < tokens.length && (transcriptSent.length + out.length) / Math.max(1, text.length) < upTo) out += tokens[tokensSent++] ?? '';
    return out;
  }

  function setContent(status: ConversationItem['status']): void {
    if (item === undefined) return;
    item.status = status;
    item.content = [audioOut ? { type: 'output_audio', transcript: transcriptSent } : { type: 'output_text', text: transcriptSent }];
  }

  function sendStep(): void {
    if (item === undefined) beginItem();
    if (render !== undefined) {
      const bytes = deps.markAudio(render.chunk(step));
      if (item !== undefined) item.audioMs += bytes.length / bytesPerMs(format);
      send({ type: 'response.output_audio.delta', ...ids(), delta: Buffer.from(bytes).toString('base64') });
      const piece = step === steps - 1 ? tokens.slice(tokensSent).join('') : transcriptUpTo((step + 1) / steps);
      if (step === steps - 1) tokensSent = tokens.length;
      if (piece !== '') {
        transcriptSent += piece;
        send({ type: 'response.output_audio_transcript.delta', ...ids(), delta: piece });
      }
    } else {
      const piece = tokens[step] ?? '';
      tokensSent = step + 1;
      transcriptSent += piece;
      send({ type: 'response.output_text.delta', ...ids(), delta: piece });
    }
    setContent('in_progress');
    step++;
  }

  function closeItem(status: 'completed' | 'incomplete'): void {
    if (item === undefined) return;
    if (audioOut) {
      send({ type: 'response.output_audio.done', ...ids() });
      send({ type: 'response.output_audio_transcript.done', ...ids(), transcript: transcriptSent });
    } else {
      send({ type: 'response.output_text.done', ...ids(), text: transcriptSent });
    }
    send({ type: 'response.content_part.done', ...ids(), part: part() });
    setContent(status);
    send({ type: 'response.output_item.done', response_id: id, output_index: 0, item: wireItem(item) });
    send({ type: 'conversation.item.done', previous_item_id: previousItemId, item: wireItem(item) });
  }

  function end(status: 'completed' | 'cancelled', reason?: CancelReason): void {
    if (ended) return;
    ended = true;
    timer?.();
    timer = undefined;
    closeItem(status === 'completed' ? 'completed' : 'incomplete');
    send({
      type: 'response.done',
      response: {
        ...base(),
        status,
        status_details: reason === undefined ? null : { type: 'cancelled', reason },
        output: item === undefined ? [] : [wireItem(item)],
        usage: usage(),
      },
    });
    send({
      type: 'rate_limits.updated',
      rate_limits: [
        { name: 'requests', limit: 5000, remaining: 4999, reset_seconds: 0.012 },
        { name: 'tokens', limit: 400000, remaining: 399000, reset_seconds: 0.15 },
      ],
    });
    deps.onEnd(active);
  }

  /** Sends every step that has fallen due, then arms the timer for the next. */
  function pump(): void {
    timer = undefined;
    const now = ctx.clock.now();
    while (!ended && step < steps && firstAt + step * interval <= now) sendStep();
    if (ended) return;
    if (step >= steps) {
      if (item === undefined) beginItem();
      end('completed');
      return;
    }
    timer = deps.at(firstAt + step * interval, pump);
  }

  const active: ActiveResponse = {
    id,
    get item() {
      return item;
    },
    cancel(reason, lateAudioMs = 0) {
      if (ended) return 0;
      let late = 0;
      if (lateAudioMs > 0 && render !== undefined && step > 0) {
        late = Math.min(steps - step, Math.ceil(lateAudioMs / SPEAK_CHUNK_MS));
        for (let i = 0; i < late; i++) sendStep();
      }
      end('cancelled', reason);
      return late;
    },
  };

  send({ type: 'response.created', response: { ...base(), status: 'in_progress', status_details: null, output: [], usage: null } });
  timer = deps.at(firstAt, pump);
  return active;
}
