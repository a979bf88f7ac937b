/**
 * Server VAD on the audio timebase (ms of audio appended, never wall time), as the Realtime API
 * describes it: speech starts on the first voiced 10 ms window (`audio_start_ms` moved back by
 * `prefix_padding_ms`), stops after `silence_duration_ms` of silence (`audio_end_ms` includes that
 * silence), and the buffer is then committed. What was said is recognised by matching the heard
 * energy envelope against the conversation script, as the Deepgram mock's recogniser does — or,
 * when the caller's audio mark survived, by the utterance it names (../../attribution/audio-tie.ts).
 */
import { createStreamingVad, decodeRaw, DEFAULT_VAD } from '../../../audio/index.ts';
import { envelopeDb, type RegisteredUtterance } from '../../script.ts';
import type { UtteranceIdentifier } from '../../attribution/audio-tie.ts';
import type { AudioFormat } from './session.ts';

export interface VadSettings {
  /** 0–1; 0.5 is the energy VAD's default level (-40 dBFS), each 0.1 moves it by 8 dB. */
  threshold: number;
  prefixPaddingMs: number;
  silenceDurationMs: number;
}

export type TurnEvent =
  | { type: 'speech_started'; audioStartMs: number }
  | { type: 'speech_stopped'; audioEndMs: number; utterance: RegisteredUtterance | undefined; bufferedMs: number };

export interface TurnDetector {
  /** Feeds decoded samples; returns the VAD events they complete (none while VAD is off). */
  push(samples: Int16Array): TurnEvent[];
  /** Turns server VAD on (with these settings) or off. */
  configure(settings: VadSettings | undefined): void;
  /** Takes the uncommitted buffer (a manual commit): its length and the utterance it matches. */
  commit(): { bufferedMs: number; utterance: RegisteredUtterance | undefined };
  /** Drops the uncommitted buffer and any speech in progress. */
  clear(): void;
  /** Ms of audio appended so far in the session. */
  readonly positionMs: number;
  /** Ms of audio in the uncommitted buffer. */
  readonly bufferedMs: number;
  readonly speaking: boolean;
}

/** The threshold (0–1) as a window level in dBFS. */
export function thresholdDb(threshold: number): number {
  return DEFAULT_VAD.thresholdDb + (threshold - 0.5) * 80;
}

/** Decodes appended bytes in the session input format to 16-bit samples. */
export function decodeInput(bytes: Buffer, format: AudioFormat): Int16Array {
  return decodeRaw(bytes, format.type === 'audio/pcmu' ? 'mulaw' : format.type === 'audio/pcma' ? 'alaw' : 'linear16');
}

/** How often an unrecognised stretch of speech is matched again, in windows (as the Deepgram recogniser). */
const MATCH_EVERY = 5;
const WINDOW_MS = 10;

export function createTurnDetector(sampleRate: number, identify: UtteranceIdentifier, initial: VadSettings | undefined): TurnDetector {
  const vad = createStreamingVad(sampleRate, { windowMs: WINDOW_MS });
  let settings = initial;
  let bufferStartMs = 0;
  /** Window levels of the uncommitted buffer, for matching on a manual commit. */
  let bufferLevels: number[] = [];
  let speech: { envelope: number[]; sinceMatch: number; utterance: RegisteredUtterance | undefined } | undefined;
  let lastVoicedEndMs = 0;

  const match = (envelope: readonly number[]): RegisteredUtterance | undefined => identify(envelope);

  function resetBuffer(at: number): void {
    bufferStartMs = at;
    bufferLevels = [];
  }

  return {
    get positionMs() {
      return vad.positionMs;
    },
    get bufferedMs() {
      return vad.positionMs - bufferStartMs;
    },
    get speaking() {
      return speech !== undefined;
    },
    configure(next) {
      settings = next;
      if (next === undefined) speech = undefined;
    },
    push(samples) {
      const out: TurnEvent[] = [];
      for (const window of vad.push(samples)) {
        const level = envelopeDb(window.db);
        bufferLevels.push(level);
        if (settings === undefined) continue;
        const voiced = window.db >= thresholdDb(settings.threshold);
        if (voiced) {
          if (speech === undefined) {
            speech = { envelope: [], sinceMatch: MATCH_EVERY, utterance: undefined };
            out.push({ type: 'speech_started', audioStartMs: Math.max(0, window.startMs - settings.prefixPaddingMs) });
          }
          lastVoicedEndMs = window.endMs;
        }
        if (speech === undefined) continue;
        speech.envelope.push(level);
        if (speech.utterance === undefined && ++speech.sinceMatch >= MATCH_EVERY) {
          speech.sinceMatch = 0;
          speech.utterance = match(speech.envelope);
        }
        if (window.endMs - lastVoicedEndMs >= Math.max(settings.silenceDurationMs, WINDOW_MS)) {
          const utterance = speech.utterance ?? match(speech.envelope);
          out.push({ type: 'speech_stopped', audioEndMs: window.endMs, utterance, bufferedMs: window.endMs - bufferStartMs });
          speech = undefined;
          resetBuffer(window.endMs);
        }
      }
      return out;
    },
    commit() {
      const bufferedMs = vad.positionMs - bufferStartMs;
      let utterance = speech?.utterance;
      if (utterance === undefined) {
        const onset = bufferLevels.findIndex((db) => db >= thresholdDb(settings?.threshold ?? 0.5));
        if (onset >= 0) utterance = match(bufferLevels.slice(onset));
      }
      speech = undefined;
      resetBuffer(vad.positionMs);
      return { bufferedMs, utterance };
    },
    clear() {
      speech = undefined;
      resetBuffer(vad.positionMs);
    },
  };
}
