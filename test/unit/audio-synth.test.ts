/** The mock TTS's speech-like audio: its length follows the text, and a VAD hears it as voice. */
import { describe, expect, it } from 'vitest';
import { renderSpeech, type SpeakParams } from '../../harness/mocks/deepgram/speak-ws.ts';
import {
  createPcmRender,
  decodeMulaw,
  DEFAULT_SYNTH,
  encodeMulaw,
  findVoicedSpans,
  firstAudibleMs,
  lastAudibleEndMs,
  speechDurationMs,
  synthesizeMulaw,
  synthesizePcm,
} from '../../harness/audio/index.ts';

const SHORT = 'Yes, please.';
const LONG = 'We are open from nine in the morning until five in the afternoon on Saturday.';

describe('speechDurationMs', () => {
  it('grows with the length of the text at msPerChar', () => {
    expect(speechDurationMs(SHORT)).toBe(Math.round(SHORT.length * DEFAULT_SYNTH.msPerChar));
    expect(speechDurationMs(LONG)).toBe(Math.round(LONG.length * DEFAULT_SYNTH.msPerChar));
    expect(speechDurationMs(LONG)).toBeGreaterThan(5 * speechDurationMs(SHORT));
    expect(speechDurationMs('  hello  ')).toBe(speechDurationMs('hello'));
    expect(speechDurationMs(SHORT, { msPerChar: 100, leadingSilenceMs: 250 })).toBe(250 + SHORT.length * 100);
  });

  it('speaks at a conversational rate by default (10-20 characters a second)', () => {
    const charsPerSecond = (LONG.length * 1000) / speechDurationMs(LONG);
    expect(charsPerSecond).toBeGreaterThan(10);
    expect(charsPerSecond).toBeLessThan(20);
  });
});

describe('synthesizePcm', () => {
  it('makes exactly speechDurationMs of 8 kHz audio', () => {
    for (const text of [SHORT, LONG, 'a']) expect(synthesizePcm(text).length).toBe(speechDurationMs(text) * 8);
    expect(synthesizePcm(LONG, { leadingSilenceMs: 120 }).length).toBe(speechDurationMs(LONG, { leadingSilenceMs: 120 }) * 8);
  });

  it('is heard as voice by the VAD, from near its start to near its end', () => {
    for (const text of [SHORT, LONG]) {
      const pcm = synthesizePcm(text);
      const durationMs = pcm.length / 8;
      const spans = findVoicedSpans(pcm, 8000);
      expect(spans.length, text).toBeGreaterThanOrEqual(1);
      const voicedMs = spans.reduce((sum, s) => sum + s.endMs - s.startMs, 0);
      expect(voicedMs / durationMs, text).toBeGreaterThan(0.6);
      expect(spans[0]?.startMs ?? Infinity, text).toBeLessThan(100);
      expect(durationMs - (spans[spans.length - 1]?.endMs ?? 0), text).toBeLessThan(150);
    }
  });

  it('pauses at spaces and punctuation, like words', () => {
    const pcm = synthesizePcm('aaaaaa bbbbbb');
    const perChar = DEFAULT_SYNTH.msPerChar * 8;
    const pause = pcm.subarray(Math.round(6 * perChar), Math.round(7 * perChar));
    expect(pause.every((s) => s === 0)).toBe(true);
    expect(pcm.subarray(0, Math.round(6 * perChar)).some((s) => Math.abs(s) > 1000)).toBe(true);
  });

  it('starts after leadingSilenceMs of silence', () => {
    const pcm = synthesizePcm(LONG, { leadingSilenceMs: 300 });
    expect(pcm.subarray(0, 300 * 8).every((s) => s === 0)).toBe(true);
    const onset = firstAudibleMs(pcm, 8000) ?? NaN;
    expect(onset).toBeGreaterThanOrEqual(300);
    expect(onset).toBeLessThan(400);
    expect(lastAudibleEndMs(pcm, 8000)).toBeGreaterThan(pcm.length / 8 - 150);
  });

  it('peaks below its level and scales with it', () => {
    const peak = (pcm: Int16Array): number => pcm.reduce((m, s) => Math.max(m, Math.abs(s)), 0);
    const loud = peak(synthesizePcm(LONG));
    expect(loud).toBeLessThanOrEqual(DEFAULT_SYNTH.level * 32767);
    expect(loud).toBeGreaterThan(0.5 * DEFAULT_SYNTH.level * 32767);
    const quiet = peak(synthesizePcm(LONG, { level: DEFAULT_SYNTH.level / 4 }));
    expect(quiet / loud).toBeCloseTo(0.25, 2);
  });

  it('is deterministic for a text and differs between texts', () => {
    expect(Array.from(synthesizePcm(LONG))).toEqual(Array.from(synthesizePcm(LONG)));
    const a = synthesizePcm('What are your opening hours?');
    const b = synthesizePcm('What are your opening times?');
    expect(a.length).toBe(b.length);
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });
});

describe('synthesizeMulaw', () => {
  it('is the mu-law encoding of synthesizePcm', () => {
    const mulaw = synthesizeMulaw(LONG);
    expect(Array.from(mulaw)).toEqual(Array.from(encodeMulaw(synthesizePcm(LONG))));
    expect(findVoicedSpans(decodeMulaw(mulaw), 8000).length).toBeGreaterThanOrEqual(1);
  });
});

describe('createPcmRender', () => {
  it('renders on demand, in steps of any size, the very samples synthesizePcm makes at once', () => {
    for (const [text, options] of [[LONG, {}], [SHORT, { leadingSilenceMs: 120, msPerChar: 50 }], ['a', {}]] as const) {
      const whole = synthesizePcm(text, options);
      const render = createPcmRender(text, options);
      expect(render.length).toBe(whole.length);
      // Nothing is made before it is asked for.
      expect(render.samples.some((v) => v !== 0)).toBe(false);
      for (let end = 0; end <= render.length + 500; end += 333) {
        render.renderTo(end);
        expect(render.samples.subarray(0, Math.min(end, render.length))).toEqual(whole.subarray(0, Math.min(end, render.length)));
        expect(render.samples.subarray(Math.min(end, render.length)).some((v) => v !== 0)).toBe(false);
      }
      expect(render.samples).toEqual(whole);
    }
  });

  it('gives the mock TTS the same chunks whether they are asked for in order or out of it, and at 16 kHz', () => {
    for (const params of [{ model: 'aura-2-thalia-en', encoding: 'mulaw', sampleRate: 8000, speed: 1 }, { model: 'aura-2-thalia-en', encoding: 'linear16', sampleRate: 16000, speed: 1.2 }] satisfies SpeakParams[]) {
      const inOrder = renderSpeech(LONG, params);
      const a = Array.from({ length: inOrder.chunks }, (_, i) => Array.from(inOrder.chunk(i)));
      const outOfOrder = renderSpeech(LONG, params);
      const last = Array.from(outOfOrder.chunk(outOfOrder.chunks - 1));
      const b = Array.from({ length: outOfOrder.chunks }, (_, i) => Array.from(outOfOrder.chunk(i)));
      expect(b).toEqual(a);
      expect(last).toEqual(a.at(-1));
      if (params.encoding === 'mulaw') expect(a.flat()).toEqual(Array.from(encodeMulaw(synthesizePcm(LONG))));
    }
  });
});
