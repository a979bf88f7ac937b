/**
 * The mock's speech recogniser, on the audio timebase (ms of audio received), free of sockets and
 * wall time. It follows Deepgram's documented behaviour: SpeechStarted on onset, interim results
 * about every second, a final with speech_final after `endpointing` ms of silence, long speech
 * cut into is_final segments, UtteranceEnd after `utterance_end_ms` without a new word.
 * What was said comes from the conversation script: the heard energy envelope is matched
 * against the registered utterances; unregistered sound yields empty transcripts.
 */
import type { VadWindow } from '../../audio/vad.ts';
import { envelopeDb, type ConversationScript, type RegisteredUtterance } from '../script.ts';
import type { UtteranceIdentifier } from '../attribution/audio-tie.ts';
import type { ListenParams } from './listen-params.ts';

export interface TimedWord {
  word: string;
  punctuated: string;
  startMs: number;
  endMs: number;
}

export type RecognizerEvent =
  | { type: 'speech_started'; atMs: number }
  | { type: 'result'; isFinal: boolean; speechFinal: boolean; fromFinalize: boolean; startMs: number; endMs: number; words: TimedWord[] }
  | { type: 'utterance_end'; lastWordEndMs: number };

export interface Recognizer {
  push(windows: readonly VadWindow[]): RecognizerEvent[];
  /** Finalises whatever is pending (the Finalize and CloseStream messages). */
  finalize(): RecognizerEvent[];
  /** The utterance being heard, if one has been recognised. */
  readonly current: RegisteredUtterance | undefined;
}

/**
 * Interim results cadence, from the docs ("typically sent every second"). The first comes after
 * 800 ms of speech, so a short answer ("No.", "Uh-huh.") gets its final before any interim: the
 * early final that catches agents which only barge in on interim transcripts.
 */
export const INTERIM_FIRST_MS = 800;
export const INTERIM_EVERY_MS = 1000;
/** Continuous speech is cut into is_final segments of at most this length. */
export const MAX_SEGMENT_MS = 5000;
/** How often an unrecognised utterance is matched again, in windows. */
const MATCH_EVERY = 5;

/** Word timings for an utterance heard from `onsetMs`, on the stream's audio timebase. */
export function wordTimings(utterance: RegisteredUtterance, onsetMs: number): TimedWord[] {
  return utterance.words.map((word) => ({
    word: word.text.toLowerCase().replace(/[^\p{L}\p{N}']/gu, ''),
    punctuated: word.text,
    startMs: onsetMs + word.startMs,
    endMs: onsetMs + word.endMs,
  }));
}

/** A pause this long ends an utterance even when it still has words the recogniser has not heard. */
export const CONTINUATION_MS = 1500;

/** Identifies speech by its energy envelope alone, among every registered utterance (tests, benchmarks). */
export function byEnvelope(script: ConversationScript): UtteranceIdentifier {
  return (envelope) => script.match(envelope);
}

export function createRecognizer(params: ListenParams, identify: UtteranceIdentifier): Recognizer {
  /** The stretch of speech in progress: from its onset until endpointing ends it. */
  let active: { onsetMs: number; envelope: number[]; sinceMatch: number } | undefined;
  /**
   * The registered utterance being heard and how far into its words the results have got. It
   * outlives a segment: after a pause inside an utterance ("Yes, … please.") the next segment
   * continues it instead of being recognised afresh.
   */
  let context: { utterance: RegisteredUtterance; words: TimedWord[]; next: number } | undefined;
  /**
   * The context a long pause ended, kept in case the speech after it is identified as the same
   * utterance (the audio mark names it): a split utterance is still that utterance.
   */
  let paused: typeof context;
  let lastVoicedEndMs = 0;
  /** End of the last final result: the next result starts here. */
  let cursorMs = 0;
  let lastInterimMs = -Infinity;
  let interimWords = 0;
  let pendingUtteranceEnd: { atMs: number; lastWordEndMs: number } | undefined;
  let positionMs = 0;

  const pending = (): TimedWord[] => (context === undefined ? [] : context.words.slice(context.next));

  function finalResult(words: TimedWord[], speechFinal: boolean, fromFinalize: boolean): RecognizerEvent {
    const event: RecognizerEvent = { type: 'result', isFinal: true, speechFinal, fromFinalize, startMs: cursorMs, endMs: positionMs, words };
    cursorMs = positionMs;
    if (context !== undefined) context.next += words.length;
    interimWords = 0;
    const last = words[words.length - 1];
    if (last !== undefined && params.utteranceEndMs !== undefined) {
      pendingUtteranceEnd = { atMs: last.endMs + params.utteranceEndMs, lastWordEndMs: last.endMs };
    }
    return event;
  }

  function onWindow(window: VadWindow, out: RecognizerEvent[]): void {
    positionMs = window.endMs;
    if (window.voiced) {
      if (active === undefined) {
        active = { onsetMs: window.startMs, envelope: [], sinceMatch: MATCH_EVERY };
        const continues = context !== undefined && context.next < context.words.length && window.startMs - lastVoicedEndMs < CONTINUATION_MS;
        if (!continues) {
          paused = context !== undefined && context.next < context.words.length ? context : undefined;
          context = undefined;
        }
        interimWords = 0;
        lastInterimMs = window.startMs - INTERIM_EVERY_MS + INTERIM_FIRST_MS;
        pendingUtteranceEnd = undefined;
        if (params.vadEvents) out.push({ type: 'speech_started', atMs: window.startMs });
      }
      lastVoicedEndMs = window.endMs;
    }
    if (active === undefined) {
      if (pendingUtteranceEnd !== undefined && positionMs >= pendingUtteranceEnd.atMs) {
        out.push({ type: 'utterance_end', lastWordEndMs: pendingUtteranceEnd.lastWordEndMs });
        pendingUtteranceEnd = undefined;
      }
      return;
    }

    active.envelope.push(envelopeDb(window.db));
    if (context === undefined && ++active.sinceMatch >= MATCH_EVERY) {
      active.sinceMatch = 0;
      const match = identify(active.envelope);
      if (match !== undefined && match === paused?.utterance) context = paused;
      else if (match !== undefined) context = { utterance: match, words: wordTimings(match, active.onsetMs), next: 0 };
      if (match !== undefined) paused = undefined;
    }

    const silenceMs = positionMs - lastVoicedEndMs;
    if (params.endpointingMs !== undefined && silenceMs >= Math.max(params.endpointingMs, 10)) {
      // Everything heard so far is final; words after the pause wait for the speech to resume.
      out.push(finalResult(pending().filter((word) => word.startMs < lastVoicedEndMs), true, false));
      active = undefined;
      return;
    }
    if (positionMs - cursorMs >= MAX_SEGMENT_MS) {
      out.push(finalResult(pending().filter((word) => word.endMs <= positionMs), false, false));
      return;
    }
    if (params.interimResults && positionMs - lastInterimMs >= INTERIM_EVERY_MS) {
      const heard = pending().filter((word) => word.startMs < positionMs);
      if (heard.length > 0 && heard.length !== interimWords) {
        lastInterimMs = positionMs;
        interimWords = heard.length;
        out.push({ type: 'result', isFinal: false, speechFinal: false, fromFinalize: false, startMs: cursorMs, endMs: positionMs, words: heard });
      }
    }
  }

  return {
    get current() {
      return context?.utterance;
    },
    push(windows) {
      const out: RecognizerEvent[] = [];
      for (const window of windows) onWindow(window, out);
      return out;
    },
    finalize() {
      if (active === undefined || positionMs <= cursorMs) return [];
      return [finalResult(pending().filter((word) => word.startMs < positionMs), false, true)];
    },
  };
}
