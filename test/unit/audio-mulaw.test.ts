/** G.711 mu-law through alawmulaw: the codec every byte of Twilio audio passes through. */
import { describe, expect, it } from 'vitest';
import { BYTES_PER_MS, decodeMulaw, encodeMulaw, MULAW_SILENCE, mulawDurationMs, SAMPLE_RATE } from '../../harness/audio/index.ts';

/** Largest magnitude mu-law can represent (code 0x80 / 0x00). */
const MAX_DECODED = 32124;

/** Half a quantisation step of the G.711 segment that holds |x|: the worst rounding error there. */
function halfStep(x: number): number {
  const biased = Math.abs(x) + 0x84;
  const segment = Math.min(7, Math.max(0, Math.floor(Math.log2(biased / 128))));
  return 2 ** (segment + 2);
}

describe('mu-law', () => {
  it('round-trips every 16-bit value within G.711 quantisation error', () => {
    const all = new Int16Array(2 * MAX_DECODED + 1);
    for (let i = 0; i < all.length; i++) all[i] = i - MAX_DECODED;
    const back = decodeMulaw(encodeMulaw(all));
    let worst = 0;
    const tooFar: string[] = [];
    for (let i = 0; i < all.length; i++) {
      const x = all[i] ?? 0;
      const error = Math.abs((back[i] ?? 0) - x);
      if (error > halfStep(x)) tooFar.push(`${x} -> ${back[i]}`);
      if (Math.abs(x) >= 256) worst = Math.max(worst, error / Math.abs(x));
    }
    expect(tooFar).toEqual([]);
    // Logarithmic companding: above the linear segments the relative error stays under ~6 %.
    expect(worst).toBeLessThan(0.07);
  });

  it('clips values beyond its range to the largest code', () => {
    const back = decodeMulaw(encodeMulaw(Int16Array.from([32767, -32768, 32500, -32500])));
    expect(Array.from(back)).toEqual([MAX_DECODED, -MAX_DECODED, MAX_DECODED, -MAX_DECODED]);
  });

  it('decodes monotonically: a larger input never decodes smaller', () => {
    const ramp = new Int16Array(65536);
    for (let i = 0; i < ramp.length; i++) ramp[i] = i - 32768;
    const back = decodeMulaw(encodeMulaw(ramp));
    const inversions: number[] = [];
    for (let i = 1; i < back.length; i++) if ((back[i] ?? 0) < (back[i - 1] ?? 0)) inversions.push(i - 32768);
    expect(inversions).toEqual([]);
  });

  it('uses the standard code assignment: 0xFF is silence, 0x80/0x00 the positive/negative maxima', () => {
    expect(MULAW_SILENCE).toBe(0xff);
    expect(Array.from(decodeMulaw(Uint8Array.from([0xff, 0x7f, 0x80, 0x00, 0xfe, 0x7e])))).toEqual([0, 0, MAX_DECODED, -MAX_DECODED, 8, -8]);
    // Small negative values round to negative zero (0x7F), which also decodes to 0.
    expect(Array.from(encodeMulaw(Int16Array.from([0, 1, -1, 8, -8])))).toEqual([0xff, 0xff, 0x7f, 0xfe, 0x7e]);
  });

  it('re-encodes every decoded code to itself (except negative zero, which becomes 0xFF)', () => {
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const again = encodeMulaw(decodeMulaw(codes));
    for (let code = 0; code < 256; code++) expect.soft(again[code], `code ${code}`).toBe(code === 0x7f ? 0xff : code);
  });

  it('is one byte per sample at 8 kHz', () => {
    expect(SAMPLE_RATE).toBe(8000);
    expect(BYTES_PER_MS).toBe(8);
    expect(encodeMulaw(new Int16Array(1234))).toHaveLength(1234);
    expect(mulawDurationMs(160)).toBe(20);
    expect(mulawDurationMs(8001)).toBe(1000.125);
  });
});
