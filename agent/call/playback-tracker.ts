/**
 * What Twilio is still playing, from the marks the agent sent and Twilio echoed.
 *
 * The agent is speaking while any mark is outstanding or audio has been sent that no mark follows
 * yet. Mark names are unique per call, so echoes are matched exactly. After a `clear`, Twilio echoes
 * every pending mark at once; those marks are forgotten when the clear is sent, and their late
 * echoes are recognised as stale instead of being counted against the next reply.
 */

export type MarkEcho = 'played' | 'stale' | 'unknown';

export interface PlaybackTracker {
  /** Agent audio went to Twilio. */
  audioSent(): void;
  /** A mark went to Twilio after the audio it closes. */
  markSent(name: string): void;
  /** Twilio echoed a mark. */
  markEchoed(name: string): MarkEcho;
  /** A `clear` went to Twilio: nothing is playing any more. */
  cleared(): void;
  isSpeaking(): boolean;
  /** Marks sent and not yet echoed, oldest first. */
  outstanding(): string[];
}

export function createPlaybackTracker(): PlaybackTracker {
  const pending = new Set<string>();
  const stale = new Set<string>();
  let unmarkedAudio = false;

  return {
    audioSent() {
      unmarkedAudio = true;
    },
    markSent(name) {
      pending.add(name);
      unmarkedAudio = false;
    },
    markEchoed(name) {
      if (pending.delete(name)) return 'played';
      if (stale.delete(name)) return 'stale';
      return 'unknown';
    },
    cleared() {
      for (const name of pending) stale.add(name);
      pending.clear();
      unmarkedAudio = false;
    },
    isSpeaking() {
      return pending.size > 0 || unmarkedAudio;
    },
    outstanding() {
      return [...pending];
    },
  };
}
