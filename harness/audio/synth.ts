/**
 * Speech-like synthetic audio for the mock TTS: a voiced buzz (a few harmonics of a gliding
 * fundamental) shaped into syllables and words, with pauses at spaces and punctuation. Its length
 * follows the text the way speech does, so playback timing is realistic; it is deterministic for
 * a given text.
 */
import { encodeMulaw, SAMPLE_RATE } from './mulaw.ts';

export interface SynthOptions {
  /** Milliseconds of speech per character of text (about 15 characters a second at 66). */
  msPerChar: number;
  /** Peak amplitude as a fraction of full scale. */
  level: number;
  /** Silence before the first syllable, in ms (real TTS output often starts with some). */
  leadingSilenceMs: number;
}

export const DEFAULT_SYNTH: SynthOptions = { msPerChar: 66, level: 0.3, leadingSilenceMs: 0 };

/** Duration in ms of the audio `synthesizeSpeech` makes for `text`. */
export function speechDurationMs(text: string, options: Partial<SynthOptions> = {}): number {
  const opts = { ...DEFAULT_SYNTH, ...options };
  return opts.leadingSilenceMs + Math.round(text.trim().length * opts.msPerChar);
}

function hashText(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * The speech-like audio for `text`, rendered on demand and in order: `renderTo(n)` makes the first
 * n samples, continuing where the last call stopped. A mock that streams a reply in chunks renders
 * each chunk as it sends it, rather than the whole reply in one synchronous run (20–65 ms for an
 * 8.8 s reply here; four calls speaking at once held the event loop for the sum of them).
 */
export interface PcmRender {
  /** Every sample of the audio, the ones not rendered yet still 0. */
  readonly samples: Int16Array;
  readonly length: number;
  renderTo(end: number): void;
}

export function createPcmRender(text: string, options: Partial<SynthOptions> = {}): PcmRender {
  const opts = { ...DEFAULT_SYNTH, ...options };
  const clean = text.trim();
  const total = Math.round((speechDurationMs(clean, opts) * SAMPLE_RATE) / 1000);
  const out = new Int16Array(total);
  const lead = Math.round((opts.leadingSilenceMs * SAMPLE_RATE) / 1000);
  const perChar = (opts.msPerChar * SAMPLE_RATE) / 1000;
  const seed = hashText(clean);
  const baseF0 = 110 + (seed % 60);
  let phase = 0;
  // The cursor: the character being rendered and the next sample; the leading silence is already 0.
  let c = 0;
  let i = lead;
  return {
    samples: out,
    length: total,
    renderTo(end) {
      const stop = Math.min(end, total);
      while (i < stop && c < clean.length) {
        const ch = clean[c] ?? ' ';
        const from = lead + Math.round(c * perChar);
        const to = Math.min(total, lead + Math.round((c + 1) * perChar));
        const pause = ch === ' ' || /[.,!?;:]/.test(ch);
        if (i < from) i = from;
        const until = Math.min(to, stop);
        for (; i < until; i++) {
          if (pause) {
            out[i] = 0;
            continue;
          }
          // Syllable envelope: one bump every three characters.
          const syllablePos = ((c % 3) + (i - from) / perChar) / 3;
          const envelope = Math.sin(Math.PI * syllablePos) ** 0.6;
          const t = i / SAMPLE_RATE;
          const f0 = baseF0 * (1 + 0.08 * Math.sin(2 * Math.PI * 3 * t));
          phase += (2 * Math.PI * f0) / SAMPLE_RATE;
          const voice = Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.3 * Math.sin(3 * phase) + 0.15 * Math.sin(5 * phase);
          out[i] = Math.round(voice * envelope * opts.level * 32767 * 0.5);
        }
        if (i >= to) c++;
      }
    },
  };
}

/** 16-bit PCM at 8 kHz of speech-like audio for `text`, all of it. */
export function synthesizePcm(text: string, options: Partial<SynthOptions> = {}): Int16Array {
  const render = createPcmRender(text, options);
  render.renderTo(render.length);
  return render.samples;
}

/** Speech-like audio for `text` as 8 kHz mu-law. */
export function synthesizeMulaw(text: string, options: Partial<SynthOptions> = {}): Uint8Array {
  return encodeMulaw(synthesizePcm(text, options));
}
