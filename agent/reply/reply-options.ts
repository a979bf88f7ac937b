/**
 * The knobs of the cascaded reply pipeline (LLM text → TTS → Twilio). Each value names one design
 * the harness compares; the seed analysis's slow agent is `full` + `rest` + `buffer` + `poll`.
 * Every combination runs; `restBody` matters only with `tts: 'rest'`, and `text: 'token'` with REST
 * TTS sends one request per sentence (a request per token would be absurd).
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

export const TEXT_MODES: readonly TextMode[] = ['token', 'sentence', 'full'];
export const TTS_TRANSPORTS: readonly TtsTransport[] = ['ws', 'rest'];
export const REST_BODY_MODES: readonly RestBodyMode[] = ['stream', 'buffer'];
export const PLAYOUT_MODES: readonly PlayoutMode[] = ['direct', 'poll'];

/** The allowed values of each knob. */
export const REPLY_CHOICES: { readonly [K in keyof ReplyOptions]: readonly ReplyOptions[K][] } = {
  text: TEXT_MODES,
  tts: TTS_TRANSPORTS,
  restBody: REST_BODY_MODES,
  playout: PLAYOUT_MODES,
};

export const DEFAULT_REPLY_OPTIONS: Readonly<ReplyOptions> = {
  text: 'sentence',
  tts: 'ws',
  restBody: 'stream',
  playout: 'direct',
};

/** A reason the options cannot run (a value outside its knob's choices), or undefined when they can. */
export function invalidReplyOption(options: ReplyOptions): string | undefined {
  for (const key of Object.keys(REPLY_CHOICES) as Array<keyof ReplyOptions>) {
    const allowed: readonly string[] = REPLY_CHOICES[key];
    if (!allowed.includes(options[key])) return `reply.${key} must be one of ${allowed.join(', ')}, got '${String(options[key])}'`;
  }
  return undefined;
}
