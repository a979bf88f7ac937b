/**
 * What the mocks know of the conversation they serve. The caller registers each utterance
 * (its audio as sent, its transcript, and the reply the mock LLM should give) before sending it;
 * the mock STT recognises speech by matching what it hears against the registered audio, so any
 * agent works and concurrent calls need no coordination.
 */
import { decodeMulaw, findVoicedSpans, SAMPLE_RATE } from '../audio/index.ts';

export interface UtteranceRegistration {
  /** Stable id (the fixture name). */
  id: string;
  transcript: string;
  /** The utterance as 8 kHz mu-law, exactly as the caller will send it. */
  audio: Uint8Array;
  /** What the mock LLM answers when this transcript is the last user message. */
  reply?: string;
}

export interface RegisteredUtterance {
  id: string;
  transcript: string;
  reply: string | undefined;
  /** Energy envelope of the voiced audio: dB per 10 ms window from the first voiced sample. */
  envelope: Float64Array;
  /** Length of the voiced part in ms. */
  voicedMs: number;
}

export interface ConversationScript {
  register(utterance: UtteranceRegistration): RegisteredUtterance;
  /** The registered utterance whose voiced audio best matches `envelope` (a prefix is enough), if any matches well. */
  match(envelope: ArrayLike<number>): RegisteredUtterance | undefined;
  /** The scripted reply for the user's text, if one was registered. */
  replyFor(userText: string): string | undefined;
  /** Every reply registered, for diagnostics. */
  utterances(): readonly RegisteredUtterance[];
}

export const ENVELOPE_WINDOW_MS = 10;
const FLOOR_DB = -60;

/** A window level (dBFS) as the envelope stores it: floored at -60. */
export function envelopeDb(db: number): number {
  return Math.max(FLOOR_DB, db);
}

/** Energy envelope (dB per 10 ms window, floored at -60) of 16-bit PCM at 8 kHz. */
export function energyEnvelope(pcm: Int16Array): Float64Array {
  const win = (ENVELOPE_WINDOW_MS * SAMPLE_RATE) / 1000;
  const out = new Float64Array(Math.floor(pcm.length / win));
  for (let w = 0; w < out.length; w++) {
    let sum = 0;
    for (let i = w * win; i < (w + 1) * win; i++) sum += (pcm[i] ?? 0) ** 2;
    const rms = Math.sqrt(sum / win);
    out[w] = rms === 0 ? FLOOR_DB : envelopeDb(20 * Math.log10(rms / 32768));
  }
  return out;
}

/** Pearson correlation of two equal-length sequences (0 when either is constant). */
function correlation(a: ArrayLike<number>, b: ArrayLike<number>, length: number): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < length; i++) {
    ma += a[i] ?? 0;
    mb += b[i] ?? 0;
  }
  ma /= length;
  mb /= length;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < length; i++) {
    const x = (a[i] ?? 0) - ma;
    const y = (b[i] ?? 0) - mb;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Minimum correlation for a match, and the shortest prefix (in windows) worth comparing. */
const MATCH_THRESHOLD = 0.8;
const MIN_WINDOWS = 8;
/** Alignment slack between the VAD onsets of the sender and the receiver, in windows. */
const MAX_SHIFT = 3;

export function createConversationScript(): ConversationScript {
  const byId = new Map<string, RegisteredUtterance>();
  const replies = new Map<string, string>();
  return {
    register(utterance) {
      const pcm = decodeMulaw(utterance.audio);
      const spans = findVoicedSpans(pcm, SAMPLE_RATE);
      const first = spans[0];
      const last = spans[spans.length - 1];
      const from = first === undefined ? 0 : Math.floor((first.startMs * SAMPLE_RATE) / 1000);
      const to = last === undefined ? pcm.length : Math.ceil((last.endMs * SAMPLE_RATE) / 1000);
      const registered: RegisteredUtterance = {
        id: utterance.id,
        transcript: utterance.transcript,
        reply: utterance.reply,
        envelope: energyEnvelope(pcm.subarray(from, to)),
        voicedMs: ((to - from) * 1000) / SAMPLE_RATE,
      };
      byId.set(utterance.id, registered);
      if (utterance.reply !== undefined) replies.set(normalise(utterance.transcript), utterance.reply);
      return registered;
    },
    match(envelope) {
      let best: { utterance: RegisteredUtterance; score: number } | undefined;
      for (const utterance of byId.values()) {
        for (let shift = -MAX_SHIFT; shift <= MAX_SHIFT; shift++) {
          const heard = Array.from(envelope).slice(Math.max(0, shift));
          const known = Array.from(utterance.envelope).slice(Math.max(0, -shift));
          const length = Math.min(heard.length, known.length);
          if (length < MIN_WINDOWS) continue;
          const score = correlation(heard, known, length);
          if (score >= MATCH_THRESHOLD && (best === undefined || score > best.score)) best = { utterance, score };
        }
      }
      return best?.utterance;
    },
    replyFor: (userText) => replies.get(normalise(userText)),
    utterances: () => [...byId.values()],
  };
}
