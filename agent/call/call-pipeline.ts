/**
 * What stands behind the Twilio side of a call: the cascaded pipeline (Deepgram STT → OpenAI chat
 * → Deepgram TTS) or OpenAI Realtime. The call session owns the Twilio socket, its parsing and the
 * call's life; a pipeline owns the upstream connections and decides what the agent says and when.
 */
import type { CallLogger } from '../logger.ts';
import type { ResolvedAgentOptions } from '../options.ts';
import type { PlaybackTracker } from './playback-tracker.ts';
import type { TwilioOut } from './twilio-out.ts';

export interface CallPipeline {
  /** Opens the upstreams and starts the greeting once they are ready; rejects when they cannot be opened. */
  start(): Promise<void>;
  /** One inbound media frame's audio from Twilio: mu-law 8 kHz, decoded, never empty. */
  callerAudio(audio: Buffer): void;
  /** Twilio echoed a mark that the playback tracker knew (`played`), or one sent before a clear (`stale`). */
  markEchoed(name: string, echo: 'played' | 'stale'): void;
  /** Replies started so far (the greeting is not one). */
  readonly turns: number;
  /** Stops at once: nothing more goes to Twilio, replies in progress are cancelled. */
  stop(): void;
  /** Closes every upstream connection (bounded). */
  close(): Promise<void>;
}

export interface CallPipelineDeps {
  options: ResolvedAgentOptions;
  log: CallLogger;
  callSid: string;
  twilio: TwilioOut;
  playback: PlaybackTracker;
  /** An upstream is gone for good: the session hangs up. */
  fail(reason: string): void;
}
