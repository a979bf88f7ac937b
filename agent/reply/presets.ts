/**
 * Named reply designs from the seed analysis: `seed-current` is the slow agent it describes
 * (accumulate the whole LLM reply, one REST TTS request, wait for the whole body, poll a queue
 * every 10 ms); `seed-fixed` is its recommended fix (sentences over the TTS WebSocket, audio
 * forwarded as it arrives).
 */
import type { ReplyOptions } from './reply-options.ts';

export type ReplyPresetName = 'seed-current' | 'seed-fixed';

export const REPLY_PRESETS: { readonly [K in ReplyPresetName]: Readonly<ReplyOptions> } = {
  'seed-current': { text: 'full', tts: 'rest', restBody: 'buffer', playout: 'poll' },
  // restBody does not apply to WebSocket TTS; 'stream' is the default it would have.
  'seed-fixed': { text: 'sentence', tts: 'ws', restBody: 'stream', playout: 'direct' },
};

export const REPLY_PRESET_NAMES = Object.keys(REPLY_PRESETS) as ReplyPresetName[];

/** A preset's options with explicit knobs laid over them (explicit knobs win). */
export function replyOptionsOf(preset: ReplyPresetName | undefined, knobs: Partial<ReplyOptions> = {}): Partial<ReplyOptions> {
  const defined = Object.fromEntries(Object.entries(knobs).filter(([, value]) => value !== undefined)) as Partial<ReplyOptions>;
  return preset === undefined ? defined : { ...REPLY_PRESETS[preset], ...defined };
}
