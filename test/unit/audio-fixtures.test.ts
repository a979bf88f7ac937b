/** The committed caller fixtures (npm run fixtures): sidecars agree with their audio. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeMulaw, findVoicedSpans, MULAW_SILENCE, readWav, wavToMulaw8k } from '../../harness/audio/index.ts';
import { FixtureSidecar } from '../../harness/scenario/fixture-schema.ts';
import { loadFixture } from '../../harness/scenario/load.ts';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/utterances');
const REQUIRED = ['hours', 'book', 'bye', 'uh-huh', 'wait-stop', 'weather', 'yes'];
const names = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

interface Sidecar {
  name: string;
  text: string;
  sampleRate: number;
  encoding: string;
  durationMs: number;
  voiced: Array<{ startMs: number; endMs: number }>;
  voice: string;
  generator: string;
}

const sidecar = (name: string): Sidecar => JSON.parse(readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as Sidecar;
const wavBytes = (name: string): Uint8Array => readFileSync(path.join(DIR, `${name}.wav`));

describe('fixtures/utterances', () => {
  it('holds every phrase the scenarios rely on, each with a .wav and a .json', () => {
    expect(names).toEqual(expect.arrayContaining(REQUIRED));
    const wavs = readdirSync(DIR).filter((f) => f.endsWith('.wav')).map((f) => f.slice(0, -4)).sort();
    expect(wavs).toEqual(names);
  });

  describe.each(names)('%s', (name) => {
    const meta = sidecar(name);

    it('has a sidecar the scenario loader accepts, naming itself and its generator', () => {
      expect(FixtureSidecar.safeParse(meta).success).toBe(true);
      expect(meta.name).toBe(name);
      expect(meta.text.trim()).not.toBe('');
      expect(meta).toMatchObject({ sampleRate: 8000, encoding: 'mulaw', voice: expect.any(String) });
      expect(meta.generator).toMatch(/^espeak-ng \S+/);
    });

    it('is an 8 kHz mono mu-law WAV of durationMs', () => {
      const bytes = wavBytes(name);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      expect(view.getUint16(20, true)).toBe(7);
      expect(view.getUint16(22, true)).toBe(1);
      const audio = readWav(bytes);
      expect(audio.sampleRate).toBe(8000);
      expect(audio.samples.length / 8).toBe(meta.durationMs);
    });

    it('has voiced spans that a fresh VAD run on the audio reproduces, on the sample grid', () => {
      const mulaw = wavToMulaw8k(wavBytes(name));
      const fresh = findVoicedSpans(decodeMulaw(mulaw), 8000);
      expect(meta.voiced.length).toBeGreaterThanOrEqual(1);
      expect(fresh).toHaveLength(meta.voiced.length);
      meta.voiced.forEach((span, i) => {
        expect(span.startMs * 8).toBe(Math.round(span.startMs * 8));
        expect(span.endMs * 8).toBe(Math.round(span.endMs * 8));
        expect(Math.abs(span.startMs - (fresh[i]?.startMs ?? NaN))).toBeLessThanOrEqual(0.125);
        expect(Math.abs(span.endMs - (fresh[i]?.endMs ?? NaN))).toBeLessThanOrEqual(0.125);
        expect(span.endMs).toBeGreaterThan(span.startMs);
      });
    });

    it('is framed by digital silence (~200 ms before, ~300 ms after) at a sane level', () => {
      const mulaw = wavToMulaw8k(wavBytes(name));
      const lead = mulaw.findIndex((b) => b !== MULAW_SILENCE && b !== 0x7f);
      let tail = 0;
      while (tail < mulaw.length && [MULAW_SILENCE, 0x7f].includes(mulaw[mulaw.length - 1 - tail] ?? 0)) tail++;
      expect(lead / 8).toBeGreaterThanOrEqual(190);
      expect(lead / 8).toBeLessThanOrEqual(210);
      expect(tail / 8).toBeGreaterThanOrEqual(290);
      expect(tail / 8).toBeLessThanOrEqual(310);
      const first = meta.voiced[0];
      const last = meta.voiced[meta.voiced.length - 1];
      expect(first?.startMs).toBeGreaterThanOrEqual(lead / 8);
      expect(last?.endMs).toBeLessThanOrEqual(meta.durationMs - tail / 8);
      const peak = decodeMulaw(mulaw).reduce((m, s) => Math.max(m, Math.abs(s)), 0);
      const peakDb = 20 * Math.log10(peak / 32768);
      expect(peakDb).toBeGreaterThan(-6);
      expect(peakDb).toBeLessThan(-3);
    });

    it('loads through the scenario loader with its text and spans', async () => {
      const utterance = await loadFixture(DIR, name);
      expect(utterance).toMatchObject({ id: name, text: meta.text, voiced: meta.voiced });
      expect(utterance.audio.length / 8).toBe(meta.durationMs);
    });
  });

  it('speaks at a conversational rate overall (150-180 words a minute of voiced time)', () => {
    let words = 0;
    let ms = 0;
    for (const name of REQUIRED) {
      const meta = sidecar(name);
      words += meta.text.split(/\s+/).length;
      ms += (meta.voiced[meta.voiced.length - 1]?.endMs ?? 0) - (meta.voiced[0]?.startMs ?? 0);
    }
    const wpm = (words * 60000) / ms;
    expect(wpm).toBeGreaterThan(150);
    expect(wpm).toBeLessThan(180);
  });
});
