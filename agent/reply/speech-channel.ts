/**
 * The TTS WebSocket side of a call (`tts=ws`, `playout=direct`): text segments in, Twilio audio and
 * marks out.
 *
 * - Each segment is sent as `Speak`; a segment that ends a unit of speech is followed by `Flush`.
 *   At most one Flush is in flight: later units wait for the previous `Flushed` and then go out
 *   together. Synthesis runs far faster than playback, so this costs no audio gap, and it keeps a
 *   chatty reply inside Deepgram's 20-Flush-a-minute limit.
 * - Binary frames go to Twilio at once, as `media`. On `Flushed`, a mark named `<turn>-<n>` follows
 *   the unit's audio.
 * - `cancel()` sends `Clear` and discards every audio frame until `Cleared` arrives (frames already
 *   in flight on the wire belong to the interrupted speech). If `Cleared` never comes, discarding
 *   stops after `ttsClearTimeoutMs`.
 */
import type { Clock } from '../../harness/clock.ts';
import type { SpeakServerMessage } from '../../harness/protocol/index.ts';
import type { PlaybackTracker } from '../call/playback-tracker.ts';
import type { TwilioOut } from '../call/twilio-out.ts';
import type { CallLogger } from '../logger.ts';
import type { SpeakControl } from '../upstream/speak-link.ts';
import type { TextSegment } from './text-segmenter.ts';

export interface SpeechChannelDeps {
  clock: Clock;
  tts: SpeakControl;
  twilio: TwilioOut;
  playback: PlaybackTracker;
  log: CallLogger;
  clearTimeoutMs: number;
}

export interface SpeechChannel {
  /** Queues a segment of `turn` for synthesis. */
  say(turn: number, segment: TextSegment): void;
  /** Drops everything queued or being synthesised (TTS `Clear`) and its late audio. */
  cancel(): void;
  /** A binary frame from TTS. */
  audio(audio: Uint8Array): void;
  /** A control frame from TTS. */
  control(message: SpeakServerMessage): void;
  /** The TTS socket was replaced: whatever was in flight on the old one is gone. */
  reset(): void;
  dispose(): void;
  /** Text is waiting for synthesis or being synthesised. */
  readonly busy: boolean;
  /** The turn whose audio went to Twilio last, or null before any. */
  readonly lastAudioTurn: number | null;
}

interface FlushEntry {
  turn: number;
  index: number;
  cancelled: boolean;
}

export function createSpeechChannel(deps: SpeechChannelDeps): SpeechChannel {
  const { clock, tts, twilio, playback, log } = deps;
  const inFlight: FlushEntry[] = [];
  /** Turn of text sent with Speak and not yet covered by a Flush. */
  let unflushedTurn: number | null = null;
  let flushWanted = false;
  let indexTurn = -1;
  let index = 0;
  let clearsPending = 0;
  let cancelClearTimer: () => void = () => {};
  let lastAudioTurn: number | null = null;
  let firstByteTurn = -1;
  let audioSinceMark = false;
  let disposed = false;

  const nextIndex = (turn: number): number => {
    if (turn !== indexTurn) {
      indexTurn = turn;
      index = 0;
    }
    index += 1;
    return index;
  };

  const pumpFlush = (): void => {
    if (!flushWanted || unflushedTurn === null || inFlight.length > 0) return;
    tts.flush();
    inFlight.push({ turn: unflushedTurn, index: nextIndex(unflushedTurn), cancelled: false });
    unflushedTurn = null;
    flushWanted = false;
  };

  const dropCancelled = (): void => {
    for (let i = inFlight.length - 1; i >= 0; i -= 1) {
      if (inFlight[i]?.cancelled === true) inFlight.splice(i, 1);
    }
  };

  const clearsDone = (): void => {
    clearsPending = 0;
    cancelClearTimer();
    dropCancelled();
    pumpFlush();
  };

  return {
    say(turn, segment) {
      if (disposed || segment.text === '') return;
      // Texts queued behind one Flush are joined by the service as sent: keep the words apart.
      tts.speak(unflushedTurn === null ? segment.text : ` ${segment.text}`);
      unflushedTurn = turn;
      if (segment.flush) flushWanted = true;
      pumpFlush();
    },
    cancel() {
      if (disposed) return;
      for (const entry of inFlight) entry.cancelled = true;
      unflushedTurn = null;
      flushWanted = false;
      tts.clear();
      audioSinceMark = false;
      clearsPending += 1;
      cancelClearTimer();
      cancelClearTimer = clock.at(clock.now() + deps.clearTimeoutMs, () => {
        log.warn('speak.clear_timeout', `no Cleared within ${deps.clearTimeoutMs} ms of Clear; forwarding TTS audio again`);
        clearsDone();
      });
    },
    audio(audio) {
      if (disposed || clearsPending > 0) return;
      const head = inFlight[0];
      if (head?.cancelled === true) return;
      const turn = head?.turn ?? unflushedTurn ?? lastAudioTurn;
      if (turn !== null && turn > firstByteTurn) {
        firstByteTurn = turn;
        log.emit({ type: 'tts.first_byte', turn });
        twilio.media(audio);
        log.emit({ type: 'twilio.first_media', turn });
      } else {
        twilio.media(audio);
      }
      lastAudioTurn = turn;
      audioSinceMark = true;
      playback.audioSent();
    },
    control(message) {
      if (disposed) return;
      switch (message.type) {
        case 'Metadata':
          return;
        case 'Flushed': {
          const entry = inFlight.shift();
          if (entry === undefined) {
            log.warn('speak.unexpected_flushed', `Flushed (sequence_id ${message.sequence_id}) with no Flush outstanding`);
            return;
          }
          if (!entry.cancelled && clearsPending === 0) {
            const name = `${entry.turn}-${entry.index}`;
            twilio.mark(name);
            playback.markSent(name);
            audioSinceMark = false;
          }
          pumpFlush();
          return;
        }
        case 'Cleared':
          clearsPending = Math.max(0, clearsPending - 1);
          if (clearsPending === 0) clearsDone();
          return;
        case 'Warning':
          log.warn('speak.warning', `Deepgram speak warning ${message.code}: ${message.description}`);
          return;
      }
    },
    reset() {
      // Audio already sent is still playing; close it with a mark so playback accounting can end.
      if (audioSinceMark && lastAudioTurn !== null) {
        const name = `${lastAudioTurn}-${nextIndex(lastAudioTurn)}`;
        twilio.mark(name);
        playback.markSent(name);
      }
      audioSinceMark = false;
      inFlight.length = 0;
      unflushedTurn = null;
      flushWanted = false;
      clearsPending = 0;
      cancelClearTimer();
    },
    dispose() {
      disposed = true;
      cancelClearTimer();
    },
    get busy() {
      return unflushedTurn !== null || inFlight.some((entry) => !entry.cancelled);
    },
    get lastAudioTurn() {
      return lastAudioTurn;
    },
  };
}
