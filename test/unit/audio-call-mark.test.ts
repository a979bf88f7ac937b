/**
 * The caller's audio mark: written into the least significant bit of each μ-law byte, read back
 * from whatever the agent forwarded (μ-law, linear16 at 8 kHz, upsampled linear16), never found in
 * audio that does not carry it, and inaudible.
 */
import { describe, expect, it } from 'vitest';
import { decodeMulaw, encodeMulaw, silenceFrame, synthesizeMulaw, toFrames } from '../../harness/audio/index.ts';
import { createMarkReader, createMarkWriter, MARK_BITS } from '../../harness/audio/call-mark.ts';
import { createRng } from '../../harness/random.ts';

function markedStream(token: number, frames: Array<{ frame: Uint8Array; utterance: number }>): Uint8Array {
  const writer = createMarkWriter(token);
  return Buffer.concat(frames.map(({ frame, utterance }) => writer.mark(frame, utterance)));
}

function linear16(samples: ArrayLike<number>): Uint8Array {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] ?? 0, i * 2);
  return out;
}

const speech = toFrames(synthesizeMulaw('What are your opening hours?'));
const silence = Array.from({ length: 10 }, () => ({ frame: silenceFrame(), utterance: 0 }));

describe('the call mark', () => {
  it('is read back from μ-law however the agent cuts the stream, with the utterance number of the speech', () => {
    const stream = markedStream(4242, [...silence, ...speech.map((frame) => ({ frame, utterance: 3 }))]);
    for (const chunk of [1, 37, 160, 333]) {
      const reader = createMarkReader('mulaw', 8000);
      for (let i = 0; i < stream.length; i += chunk) reader.push(stream.subarray(i, i + chunk));
      expect(reader.token).toBe(4242);
      expect(reader.latest).toEqual({ token: 4242, utterance: 3 });
    }
  });

  it('needs two codewords, and so is known within 16 ms of audio', () => {
    const stream = markedStream(7, silence);
    const reader = createMarkReader('mulaw', 8000);
    reader.push(stream.subarray(0, MARK_BITS * 2 - 1));
    expect(reader.token).toBeUndefined();
    reader.push(stream.subarray(MARK_BITS * 2 - 1, MARK_BITS * 2));
    expect(reader.token).toBe(7);
  });

  it('survives decoding to linear16, at 8 kHz and upsampled by 2 or 3 at any phase, split mid-sample', () => {
    const stream = markedStream(99, [...silence, ...speech.map((frame) => ({ frame, utterance: 1 }))]);
    const pcm = decodeMulaw(stream);
    const at8k = createMarkReader('linear16', 8000);
    const bytes = linear16(pcm);
    for (let i = 0; i < bytes.length; i += 77) at8k.push(bytes.subarray(i, i + 77));
    expect(at8k.token).toBe(99);
    for (const factor of [2, 3]) {
      for (let phase = 0; phase < factor; phase++) {
        const up: number[] = [];
        for (let i = 0; i < pcm.length; i++) {
          const a = pcm[i] ?? 0;
          const b = pcm[i + 1] ?? a;
          for (let k = 0; k < factor; k++) up.push(Math.round(a + ((b - a) * k) / factor));
        }
        const reader = createMarkReader('linear16', 8000 * factor);
        reader.push(linear16(up.slice(phase)));
        expect(reader.token).toBe(99);
      }
    }
  });

  it('is never found in audio that does not carry it (10 minutes of random bytes)', () => {
    const random = createRng(5);
    const reader = createMarkReader('mulaw', 8000);
    const block = new Uint8Array(8000);
    for (let s = 0; s < 600; s++) {
      for (let i = 0; i < block.length; i++) block[i] = Math.floor(random() * 256);
      reader.push(block);
    }
    expect(reader.token).toBeUndefined();
  });

  it('changes a sample by at most one quantisation step: silence stays below -70 dBFS', () => {
    const stream = markedStream(0xabcdef, silence);
    const pcm = decodeMulaw(stream);
    const rms = Math.sqrt(pcm.reduce((sum, v) => sum + v * v, 0) / pcm.length);
    expect(20 * Math.log10(rms / 32768)).toBeLessThan(-70);
    const original = Buffer.concat(speech);
    const marked = markedStream(0xabcdef, speech.map((frame) => ({ frame, utterance: 1 })));
    for (let i = 0; i < original.length; i++) expect((original[i] ?? 0) ^ (marked[i] ?? 0)).toBeLessThanOrEqual(1);
    // Decoding and encoding again keeps every mark bit (it only folds −0 into +0, both odd codes).
    const again = encodeMulaw(decodeMulaw(marked));
    for (let i = 0; i < marked.length; i++) expect((again[i] ?? 0) & 1).toBe((marked[i] ?? 0) & 1);
  });

  it('refuses a token it cannot carry', () => {
    expect(() => createMarkWriter(0)).toThrow(RangeError);
    expect(() => createMarkWriter(0x1000000)).toThrow(RangeError);
  });
});
