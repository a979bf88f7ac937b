/**
 * What the mocks know of the conversation they serve. The caller registers each utterance
 * (its audio as sent, its transcript, and the reply the mock LLM should give) before sending it;
 * the mock STT recognises speech by matching what it hears against the registered audio, so any
 * agent works and concurrent calls need no coordination.
 */
import { decodeMulaw, findVoicedSpans, SAMPLE_RATE } from '../audio/index.ts';
import { normaliseText } from './attribution/text-mark.ts';

export interface UtteranceRegistration {
  /** Stable id (the fixture name). */
  id: string;
  transcript: string;
  /** The utterance as 8 kHz mu-law, exactly as the caller will send it. */
  audio: Uint8Array;
  /** What the mock LLM answers when this transcript is the last user message. */
  reply?: string;
  /** The call that will say it, for tying untagged upstream connections to calls by content. */
  call?: string;
}

export interface RegisteredUtterance {
  id: string;
  /**
   * Its number in the registering call (1…255, cycling; 0 for an utterance no call registered):
   * the caller writes it into the audio mark of the utterance's frames (harness/audio/call-mark.ts).
   */
  number: number;
  transcript: string;
  reply: string | undefined;
  /** Energy envelope of the voiced audio: dB per 10 ms window from the first voiced sample. */
  envelope: Float64Array;
  /** Length of the voiced part in ms. */
  voicedMs: number;
  /** The transcript's words placed on the voiced audio, in ms from its first voiced sample. */
  words: readonly UtteranceWord[];
}

export interface UtteranceWord {
  /** As written in the transcript, punctuation included. */
  text: string;
  startMs: number;
  endMs: number;
}

/** Pauses shorter than this inside speech are taken to fall within a word, longer ones between words. */
const WORD_GAP_MS = 80;
/** Pauses this long are where speakers stop between phrases: a word boundary is snapped to each. */
const PHRASE_GAP_MS = 250;

type Span = { startMs: number; endMs: number };

/** Spreads `tokens` over `spans` in proportion to their letters, skipping the pauses between spans. */
function spread(tokens: readonly string[], spans: readonly Span[]): UtteranceWord[] {
  const letters = tokens.map((token) => Math.max(1, token.replace(/[^\p{L}\p{N}']/gu, '').length));
  const totalLetters = letters.reduce((sum, n) => sum + n, 0);
  const totalVoiced = spans.reduce((sum, span) => sum + (span.endMs - span.startMs), 0);
  const at = (v: number): number => {
    let left = v;
    for (const span of spans) {
      const length = span.endMs - span.startMs;
      if (left < length) return span.startMs + left;
      left -= length;
    }
    return spans[spans.length - 1]?.endMs ?? 0;
  };
  let before = 0;
  return tokens.map((token, i) => {
    const startMs = at((before / totalLetters) * totalVoiced);
    before += letters[i] ?? 1;
    const endMs = before === totalLetters ? (spans[spans.length - 1]?.endMs ?? startMs) : at((before / totalLetters) * totalVoiced);
    return { text: token, startMs, endMs: Math.max(startMs, endMs) };
  });
}

/**
 * Places the transcript's words on the voiced audio. Phrases are cut at the long pauses: each
 * pause gets the word boundary whose letter-proportional position is nearest to it, so "Yes, …
 * please." puts "please." after the pause, where a recogniser would finalise between them. Inside
 * a phrase each word gets a share of the voiced time in proportion to its letters.
 */
export function placeWords(transcript: string, voiced: readonly Span[]): UtteranceWord[] {
  const tokens = transcript.split(/\s+/).filter((token) => token.length > 0);
  if (tokens.length === 0 || voiced.length === 0) return [];
  const letters = tokens.map((token) => Math.max(1, token.replace(/[^\p{L}\p{N}']/gu, '').length));
  const totalLetters = letters.reduce((sum, n) => sum + n, 0);
  const totalVoiced = voiced.reduce((sum, span) => sum + (span.endMs - span.startMs), 0);

  // Voiced-time position of the boundary before word k (k = 1 … n-1).
  const boundaryAt: number[] = [];
  let letterSum = 0;
  letters.forEach((n) => boundaryAt.push(((letterSum += n) / totalLetters) * totalVoiced));

  // Phrase groups of spans, split at long pauses; each pause gets the nearest free word boundary.
  const groups: Span[][] = [[]];
  const cuts: number[] = [];
  let voicedBefore = 0;
  voiced.forEach((span, i) => {
    const previous = voiced[i - 1];
    if (previous !== undefined && span.startMs - previous.endMs >= PHRASE_GAP_MS) {
      let best: number | undefined;
      for (let k = (cuts[cuts.length - 1] ?? 0) + 1; k < tokens.length; k++) {
        const distance = Math.abs((boundaryAt[k - 1] ?? 0) - voicedBefore);
        if (best === undefined || distance < Math.abs((boundaryAt[best - 1] ?? 0) - voicedBefore)) best = k;
      }
      if (best !== undefined) {
        cuts.push(best);
        groups.push([]);
      }
    }
    groups[groups.length - 1]?.push(span);
    voicedBefore += span.endMs - span.startMs;
  });
  const bounds = [0, ...cuts, tokens.length];
  return groups.flatMap((spans, g) => spread(tokens.slice(bounds[g], bounds[g + 1]), spans));
}

export interface ConversationScript {
  register(utterance: UtteranceRegistration): RegisteredUtterance;
  /**
   * The registered utterance whose voiced audio best matches `envelope` (a prefix is enough), if
   * one matches well and clearly better than any utterance with a different transcript.
   */
  match(envelope: ArrayLike<number>, among?: readonly RegisteredUtterance[]): RegisteredUtterance | undefined;
  /** The utterance `call` registered as `number` (the latest registration with that number). */
  utteranceOf(call: string, number: number): RegisteredUtterance | undefined;
  /**
   * What `call` may be saying now: its last two registrations, newest first (the caller registers an
   * utterance just before its first frame, and an earlier one may still be in flight).
   */
  sayingNow(call: string): readonly RegisteredUtterance[];
  /** Whether a call other than `call` registered an utterance with this transcript (case and punctuation ignored). */
  transcriptSharedWith(text: string, call: string, live: (call: string) => boolean): boolean;
  /** Whether a live call other than `call` registered this reply text. */
  replySharedWith(text: string, call: string, live: (call: string) => boolean): boolean;
  /**
   * The scripted reply for the user's text, if one was registered: the one `call` registered when
   * it registered this text (concurrent calls may script different replies to the same fixture),
   * else the latest registered by anyone.
   */
  replyFor(userText: string, call?: string): string | undefined;
  /** Every reply registered, for diagnostics. */
  utterances(): readonly RegisteredUtterance[];
  /** The calls that registered the utterance `id`. */
  callsOfUtterance(id: string): ReadonlySet<string>;
  /** The calls that registered an utterance with this transcript (case and punctuation ignored). */
  callsOfTranscript(text: string): ReadonlySet<string>;
  /** The calls whose scripted replies contain this text (case and punctuation ignored). */
  callsOfReplyText(text: string): ReadonlySet<string>;
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

const normalise = normaliseText;

/** Minimum correlation for a match, and the shortest prefix (in windows) worth comparing. */
const MATCH_THRESHOLD = 0.8;
const MIN_WINDOWS = 8;
/**
 * How far the best match must lead every utterance with a different transcript. Openings of
 * different sentences can have near-identical envelopes ("What is the…" / "What are your…"):
 * then nothing matches yet, and the recogniser asks again once more audio has arrived.
 */
const MATCH_MARGIN = 0.05;
/** Alignment slack between the VAD onsets of the sender and the receiver, in windows. */
const MAX_SHIFT = 3;
/**
 * The receiver's windows fall anywhere relative to the voice onset, and a 10 ms window's level
 * depends on where it starts; each utterance keeps its envelope at these sub-window phases.
 */
const PHASE_STEP_SAMPLES = 8;

/** Envelopes of the voiced audio `pcm[from, to)` with window grids starting 0, 1, … 9 ms before `from`. */
function phasedEnvelopes(pcm: Int16Array, from: number, to: number): Float64Array[] {
  const win = (ENVELOPE_WINDOW_MS * SAMPLE_RATE) / 1000;
  const out: Float64Array[] = [];
  for (let phase = 0; phase < win; phase += PHASE_STEP_SAMPLES) {
    const shifted = new Int16Array(to - from + phase);
    const start = from - phase;
    shifted.set(pcm.subarray(Math.max(0, start), to), Math.max(0, -start));
    out.push(energyEnvelope(shifted));
  }
  return out;
}

/**
 * How well `heard` matches an utterance: the best correlation over the alignment slack and the
 * phases. A heard envelope shorter than the known one is compared as a prefix; where it runs
 * past the known voiced audio, the known side counts as silence, so longer speech does not match
 * a shorter utterance that happens to resemble its start.
 */
function matchScore(heard: Float64Array, phases: readonly Float64Array[]): number | undefined {
  let best: number | undefined;
  for (let shift = -MAX_SHIFT; shift <= MAX_SHIFT; shift++) {
    const from = Math.max(0, shift);
    const length = heard.length - from;
    if (length < MIN_WINDOWS) continue;
    const a = heard.subarray(from);
    const knownFrom = Math.max(0, -shift);
    for (const known of phases) {
      const b = known.length - knownFrom >= length ? known.subarray(knownFrom, knownFrom + length) : padded(known, knownFrom, length);
      const score = correlation(a, b, length);
      if (best === undefined || score > best) best = score;
    }
  }
  return best;
}

/** `length` windows of `known` from `from`, silence (the floor) past its end. */
function padded(known: Float64Array, from: number, length: number): Float64Array {
  const out = new Float64Array(length).fill(FLOOR_DB);
  out.set(known.subarray(Math.min(from, known.length)));
  return out;
}

/** Utterance numbers cycle through 1…255: 0 marks the caller's silence between utterances. */
const MAX_UTTERANCE_NUMBER = 255;

export function createConversationScript(): ConversationScript {
  const byId = new Map<string, RegisteredUtterance>();
  /** call → its registrations in order. */
  const byCall = new Map<string, RegisteredUtterance[]>();
  const phasesById = new Map<string, Float64Array[]>();
  const replies = new Map<string, string>();
  /** call → transcript → reply. */
  const callReplies = new Map<string, Map<string, string>>();
  const byUtterance = new Map<string, Set<string>>();
  const byTranscript = new Map<string, Set<string>>();
  const byReply = new Map<string, Set<string>>();
  const own = (map: Map<string, Set<string>>, key: string, call: string): void => {
    let calls = map.get(key);
    if (calls === undefined) map.set(key, (calls = new Set()));
    calls.add(call);
  };
  const none: ReadonlySet<string> = new Set();
  return {
    register(utterance) {
      if (utterance.call !== undefined) {
        own(byUtterance, utterance.id, utterance.call);
        own(byTranscript, normalise(utterance.transcript), utterance.call);
        if (utterance.reply !== undefined) {
          own(byReply, normalise(utterance.reply), utterance.call);
          let ofCall = callReplies.get(utterance.call);
          if (ofCall === undefined) callReplies.set(utterance.call, (ofCall = new Map()));
          ofCall.set(normalise(utterance.transcript), utterance.reply);
        }
      }
      const pcm = decodeMulaw(utterance.audio);
      const spans = findVoicedSpans(pcm, SAMPLE_RATE);
      const first = spans[0];
      const last = spans[spans.length - 1];
      const from = first === undefined ? 0 : Math.floor((first.startMs * SAMPLE_RATE) / 1000);
      const to = last === undefined ? pcm.length : Math.ceil((last.endMs * SAMPLE_RATE) / 1000);
      const calls = utterance.call === undefined ? undefined : (byCall.get(utterance.call) ?? []);
      if (utterance.call !== undefined && calls !== undefined) byCall.set(utterance.call, calls);
      const registered: RegisteredUtterance = {
        id: utterance.id,
        number: calls === undefined ? 0 : (calls.length % MAX_UTTERANCE_NUMBER) + 1,
        transcript: utterance.transcript,
        reply: utterance.reply,
        envelope: energyEnvelope(pcm.subarray(from, to)),
        voicedMs: ((to - from) * 1000) / SAMPLE_RATE,
        words: placeWords(
          utterance.transcript,
          findVoicedSpans(pcm.subarray(from, to), SAMPLE_RATE, { mergeGapMs: WORD_GAP_MS }),
        ),
      };
      calls?.push(registered);
      byId.set(utterance.id, registered);
      phasesById.set(utterance.id, phasedEnvelopes(pcm, from, to));
      if (utterance.reply !== undefined) replies.set(normalise(utterance.transcript), utterance.reply);
      return registered;
    },
    match(envelope, among) {
      const heard = Float64Array.from(envelope);
      const scored: Array<{ utterance: RegisteredUtterance; score: number }> = [];
      for (const utterance of among ?? byId.values()) {
        const score = matchScore(heard, phasesById.get(utterance.id) ?? [utterance.envelope]);
        if (score !== undefined) scored.push({ utterance, score });
      }
      let best: { utterance: RegisteredUtterance; score: number } | undefined;
      for (const entry of scored) if (best === undefined || entry.score > best.score) best = entry;
      if (best === undefined || best.score < MATCH_THRESHOLD) return undefined;
      const said = normalise(best.utterance.transcript);
      const rivalled = scored.some(
        (entry) => entry !== best && normalise(entry.utterance.transcript) !== said && entry.score > best.score - MATCH_MARGIN,
      );
      return rivalled ? undefined : best.utterance;
    },
    replyFor(userText, call) {
      const key = normalise(userText);
      return (call === undefined ? undefined : callReplies.get(call)?.get(key)) ?? replies.get(key);
    },
    utterances: () => [...byId.values()],
    utteranceOf(call, number) {
      const registered = byCall.get(call) ?? [];
      for (let i = registered.length - 1; i >= 0; i--) if (registered[i]?.number === number) return registered[i];
      return undefined;
    },
    sayingNow: (call) => (byCall.get(call) ?? []).slice(-2).reverse(),
    transcriptSharedWith(text, call, live) {
      for (const other of byTranscript.get(normalise(text)) ?? []) if (other !== call && live(other)) return true;
      return false;
    },
    replySharedWith(text, call, live) {
      for (const other of byReply.get(normalise(text)) ?? []) if (other !== call && live(other)) return true;
      return false;
    },
    callsOfUtterance: (id) => byUtterance.get(id) ?? none,
    callsOfTranscript: (text) => byTranscript.get(normalise(text)) ?? none,
    callsOfReplyText(text) {
      const needle = normalise(text);
      if (needle.length === 0) return none;
      const calls = new Set<string>();
      for (const [reply, owners] of byReply) if (reply.includes(needle)) for (const call of owners) calls.add(call);
      return calls;
    },
  };
}
