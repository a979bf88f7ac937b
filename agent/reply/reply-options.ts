/**
 * The knobs of the cascaded reply pipeline (LLM text → TTS → Twilio). Each value names one design
 * the harness compares; the seed analysis's slow agent is `full` + `rest` + `buffer` + `poll`.
 */

/** How LLM text is cut before it goes to TTS: every token, whole sentences, or the whole reply. */
export type TextMode = 'token' | 'sentence' | 'full';
/** How TTS is reached: the streaming WebSocket or one REST request per segment. */
export type TtsTransport = 'ws' | 'rest';
/** With REST TTS: forward the body as it streams in, or only once it has fully arrived. */
export type RestBodyMode = 'stream' | 'buffer';
/** How TTS audio reaches Twilio: forwarded as it arrives, or through a queue polled every 10 ms. */
export type PlayoutMode = 'direct' | 'poll';

export interface ReplyOptions {
  text: TextMode;
  tts: TtsTransport;
  restBody: RestBodyMode;
  playout: PlayoutMode;
}

export const DEFAULT_REPLY_OPTIONS: Readonly<ReplyOptions> = {
  text: 'sentence',
  tts: 'ws',
  restBody: 'stream',
  playout: 'direct',
};

/** The combinations this build implements; the others are planned and refused up front. */
const IMPLEMENTED: { readonly [K in keyof ReplyOptions]: readonly ReplyOptions[K][] } = {
  text: ['sentence'],
  tts: ['ws'],
  restBody: ['stream', 'buffer'],
  playout: ['direct'],
};

/** A reason the options cannot run yet, or undefined when they can. */
export function unsupportedReplyOption(options: ReplyOptions): string | undefined {
  const keys = ['text', 'tts', 'playout'] as const;
  for (const key of keys) {
    const allowed: readonly string[] = IMPLEMENTED[key];
    if (!allowed.includes(options[key])) {
      return `reply.${key}: '${options[key]}' is not implemented yet (implemented: ${allowed.join(', ')})`;
    }
  }
  return undefined;
}
