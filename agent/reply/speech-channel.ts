/**
 * The TTS WebSocket side of a call (`tts=ws`): text segments in, audio and marks out (to Twilio
 * directly or through the poll queue, see call/audio-out.ts).
 *
 * - Each segment is sent as `Speak` (a token verbatim; whole units a space apart when several wait
 *   behind one Flush); a segment that ends a unit of speech is followed by `Flush`, and an empty
 *   one is a bare Flush.
 *   At most one Flush is in flight: later units wait for the previous `Flushed` and then go out
 *   together. Synthesis runs far faster than playback, so this costs no audio gap, and it keeps a
 *   chatty reply inside Deepgram's 20-Flush-a-minute limit.
 * - Binary frames go out at once. On `Flushed`, a mark named `<turn>-<n>` follows the unit's audio.
 * - `cancel()` sends `Clear` and discards every audio frame until `Cleared` arrives (frames already
 *   in flight on the wire belong to the interrupted speech). If `Cleared` never comes, discarding
 *   stops after `ttsClearTimeoutMs`.
 * - `reset()` (the socket dropped and a new one is opening) speaks again every unit that had not
 *   finished: the one cut off is heard again from its start, the rest as they were, so the caller
 *   never waits in silence for the end of a reply the old socket took with it.
 */
import type { Clock } from '../../harness/clock.ts';
import type { SpeakServerMessage } from '../../harness/protocol/index.ts';
import type { AudioOut } from '../call/audio-out.ts';
import type { CallLogger } from '../logger.ts';
import type { SpeakControl } from '../upstream/speak-link.ts';
import type { Speech } from './speech.ts';
import { createSegmentCounter } from './segment-counter.ts';

export interface SpeechChannelDeps {
  clock: Clock;
  tts: SpeakControl;
  out: AudioOut;
  log: CallLogger;
  clearTimeoutMs: number;
}

/** `cancel()` sends TTS `Clear` and discards late audio until `Cleared`. */
export interface SpeechChannel extends Speech {
  /** A binary frame from TTS. */
  audio(audio: Uint8Array): void;
  /** A control frame from TTS. */
  control(message: SpeakServerMessage): void;
  /** The TTS socket was replaced: whatever was in flight on the old one is gone. */
  reset(): void;
}

interface FlushEntry {
  turn: number;
  index: number;
  cancelled: boolean;
  /** The text the Flush synthesises, to speak again if the socket drops before its `Flushed`. */
  text: string;
}

export function createSpeechChannel(deps: SpeechChannelDeps): SpeechChannel {
  const { clock, tts, out, log } = deps;
  const inFlight: FlushEntry[] = [];
  /** Turn of text sent with Speak and not yet covered by a Flush. */
  let unflushedTurn: number | null = null;
  /** The last text sent and not yet flushed was a whole unit (a following unit needs a space). */
  let unflushedEndsUnit = false;
  /** Text sent with Speak and not yet covered by a Flush. */
  let unflushedText = '';
  let flushWanted = false;
  let clearsPending = 0;
  let cancelClearTimer: () => void = () => {};
  let lastAudioTurn: number | null = null;
  let firstByteTurn = -1;
  let audioSinceMark = false;
  let disposed = false;

  const nextIndex = createSegmentCounter();

  const pumpFlush = (): void => {
    if (!flushWanted || unflushedTurn === null || inFlight.length > 0) return;
    tts.flush();
    inFlight.push({ turn: unflushedTurn, index: nextIndex(unflushedTurn), cancelled: false, text: unflushedText });
    unflushedTurn = null;
    unflushedEndsUnit = false;
    unflushedText = '';
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

  const channel: SpeechChannel = {
    say(turn, segment) {
      if (disposed) return;
      if (segment.text !== '') {
        // Units queued behind one Flush are joined by the service as sent: keep their words apart.
        const text = unflushedTurn !== null && unflushedEndsUnit && segment.flush ? ` ${segment.text}` : segment.text;
        tts.speak(text);
        unflushedText += text;
        unflushedTurn = turn;
        unflushedEndsUnit = segment.flush;
      }
      if (segment.flush && unflushedTurn !== null) flushWanted = true;
      pumpFlush();
    },
    cancel() {
      if (disposed) return;
      for (const entry of inFlight) entry.cancelled = true;
      unflushedTurn = null;
      unflushedEndsUnit = false;
      unflushedText = '';
      flushWanted = false;
      tts.clear();
      out.drop();
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
      }
      out.media(turn ?? 0, audio);
      lastAudioTurn = turn;
      audioSinceMark = true;
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
            out.mark(`${entry.turn}-${entry.index}`);
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
        out.mark(`${lastAudioTurn}-${nextIndex(lastAudioTurn)}`);
      }
      audioSinceMark = false;
      // What the old socket had not finished: every unit not yet Flushed, then the text after them.
      const unfinished = inFlight.filter((entry) => !entry.cancelled).map((entry) => ({ turn: entry.turn, text: entry.text.trim(), flush: true }));
      if (unflushedTurn !== null && unflushedText.trim() !== '') unfinished.push({ turn: unflushedTurn, text: unflushedText.trim(), flush: flushWanted });
      inFlight.length = 0;
      unflushedTurn = null;
      unflushedEndsUnit = false;
      unflushedText = '';
      flushWanted = false;
      clearsPending = 0;
      cancelClearTimer();
      if (disposed || unfinished.length === 0) return;
      log.warn('speak.resumed', `the speak socket dropped with ${unfinished.length} unit(s) of speech unfinished; speaking them again on the new socket`);
      for (const unit of unfinished) channel.say(unit.turn, { text: unit.text, flush: unit.flush });
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
  return channel;
}
