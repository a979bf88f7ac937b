/**
 * Builds a call's speech path from its reply options: the playout (direct, or the 10 ms poll
 * queue) and the TTS side (the WebSocket channel, or one REST request per unit).
 */
import type { DeepgramClient } from '@deepgram/sdk';
import type { CallLogger } from '../logger.ts';
import type { ResolvedAgentOptions } from '../options.ts';
import { createRestSpeech } from '../reply/rest-speech.ts';
import { createSpeechChannel, type SpeechChannel } from '../reply/speech-channel.ts';
import type { Speech } from '../reply/speech.ts';
import { createRestSpeaker } from '../upstream/speak-rest.ts';
import type { SpeakControl } from '../upstream/speak-link.ts';
import { createDirectOut, type AudioOut } from './audio-out.ts';
import type { PlaybackTracker } from './playback-tracker.ts';
import { createPollPlayout } from './poll-playout.ts';
import type { TwilioOut } from './twilio-out.ts';

export interface CallSpeech {
  speech: Speech;
  /** The WebSocket channel, which the speak socket's frames go to; undefined with REST TTS. */
  ws: SpeechChannel | undefined;
  out: AudioOut;
}

export interface CallSpeechDeps {
  options: ResolvedAgentOptions;
  deepgram: DeepgramClient;
  /** The speak socket's controls (used with WebSocket TTS only). */
  tts: SpeakControl;
  twilio: TwilioOut;
  playback: PlaybackTracker;
  log: CallLogger;
}

export function createCallSpeech(deps: CallSpeechDeps): CallSpeech {
  const { options, log } = deps;
  const { clock, reply, tuning } = options;
  const direct = createDirectOut({ twilio: deps.twilio, playback: deps.playback, log });
  const out = reply.playout === 'poll' ? createPollPlayout({ clock, out: direct }) : direct;
  if (reply.tts === 'rest') {
    const speech = createRestSpeech({
      clock,
      request: createRestSpeaker(deps.deepgram, options.ttsModel),
      out,
      log,
      body: reply.restBody,
      idleTimeoutMs: tuning.ttsRestIdleTimeoutMs,
    });
    return { speech, ws: undefined, out };
  }
  const ws = createSpeechChannel({ clock, tts: deps.tts, out, log, clearTimeoutMs: tuning.ttsClearTimeoutMs });
  return { speech: ws, ws, out };
}
