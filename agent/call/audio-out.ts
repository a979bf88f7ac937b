/**
 * Where a call's TTS audio and marks go on their way to Twilio. `playout=direct` forwards each
 * chunk at once (this file); `playout=poll` queues them for a 10 ms polling loop (poll-playout.ts).
 * Either way the call's playback tracker learns of each send, and the first media of each turn is
 * reported (`twilio.first_media`).
 */
import type { CallLogger } from '../logger.ts';
import type { PlaybackTracker } from './playback-tracker.ts';
import type { TwilioOut } from './twilio-out.ts';

export interface AudioOut {
  /** Raw mu-law 8 kHz audio of `turn` (0 is the greeting). */
  media(turn: number, audio: Uint8Array): void;
  /** A mark that follows the audio sent before it. */
  mark(name: string): void;
  /** Drops whatever has not reached Twilio yet (barge-in). */
  drop(): void;
  /** Audio or marks wait to be sent. */
  readonly pending: boolean;
  /** Stops for good: nothing more is sent, every timer is cancelled. */
  dispose(): void;
}

export interface DirectOutDeps {
  twilio: TwilioOut;
  playback: PlaybackTracker;
  log: CallLogger;
}

export function createDirectOut(deps: DirectOutDeps): AudioOut {
  const { twilio, playback, log } = deps;
  let firstMediaTurn = -1;
  let disposed = false;
  return {
    media(turn, audio) {
      if (disposed || audio.byteLength === 0) return;
      twilio.media(audio);
      playback.audioSent();
      if (turn > firstMediaTurn) {
        firstMediaTurn = turn;
        log.emit({ type: 'twilio.first_media', turn });
      }
    },
    mark(name) {
      if (disposed) return;
      twilio.mark(name);
      playback.markSent(name);
    },
    drop() {},
    pending: false,
    dispose() {
      disposed = true;
    },
  };
}
