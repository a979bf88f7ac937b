/**
 * The latency histogram: HDR percentiles of known data within HDR's precision (3 significant
 * digits), lossless encode/decode, merging by adding counts, negative samples recorded as 0.
 */
import { describe, expect, it } from 'vitest';
import { createHistogram, decodeHistogram, type LatencyHistogram } from '../../harness/metrics/histogram.ts';

/** Within HDR's 3 significant digits (0.1%), plus the summary's rounding to 0.01 ms. */
function expectWithinHdr(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * 0.001 + 0.005);
}

function histogramOf(values: number[]): LatencyHistogram {
  const h = createHistogram();
  for (const v of values) h.record(v);
  return h;
}

const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

describe('LatencyHistogram', () => {
  it('summarises 1..100 ms: nearest-rank percentiles, exact min, max and mean', () => {
    const s = histogramOf(oneToHundred).summary();
    expect(s.count).toBe(100);
    expect(s.min).toBe(1);
    expect(s.max).toBe(100);
    expect(s.mean).toBe(50.5);
    expectWithinHdr(s.p50, 50);
    expectWithinHdr(s.p90, 90);
    expectWithinHdr(s.p95, 95);
    expectWithinHdr(s.p99, 99);
  });

  it('reads percentiles of a skewed distribution in the right places', () => {
    // 90 fast samples of 200 ms, 9 of 800 ms, one of 3000 ms.
    const s = histogramOf([...Array<number>(90).fill(200), ...Array<number>(9).fill(800), 3000]).summary();
    expectWithinHdr(s.p50, 200);
    expectWithinHdr(s.p90, 200);
    expectWithinHdr(s.p95, 800);
    expectWithinHdr(s.p99, 800);
    expect(s.max).toBe(3000);
    expectWithinHdr(s.mean, 282);
  });

  it('keeps every percentile of a single sample between its min and max: the sample itself', () => {
    const s = histogramOf([7.3]).summary();
    expect(s).toEqual({ count: 1, min: 7.3, p50: 7.3, p90: 7.3, p95: 7.3, p99: 7.3, max: 7.3, mean: 7.3 });
  });

  it('never reports a percentile above the maximum, even where HDR buckets are wide', () => {
    const s = histogramOf([1234.5, 0.25, 99.99]).summary();
    expect(s.max).toBe(1234.5);
    expect(s.min).toBe(0.25);
    for (const p of [s.p50, s.p90, s.p95, s.p99]) {
      expect(p).toBeLessThanOrEqual(s.max);
      expect(p).toBeGreaterThanOrEqual(s.min);
    }
    expectWithinHdr(s.p50, 99.99);
  });

  it('summarises an empty histogram as zeros with count 0', () => {
    expect(createHistogram().summary()).toEqual({ count: 0, min: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0, mean: 0 });
  });

  it('records negative values as 0 (and counts them)', () => {
    const h = histogramOf([-5, -0.1]);
    expect(h.count).toBe(2);
    expect(h.summary()).toEqual({ count: 2, min: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0, mean: 0 });
    h.record(10);
    expect(h.summary().min).toBe(0);
    expect(h.summary().max).toBe(10);
  });

  it('keeps sub-millisecond resolution (integer microseconds)', () => {
    const s = histogramOf([0.5, 0.75]).summary();
    expect(s.min).toBe(0.5);
    expect(s.max).toBe(0.75);
  });

  it('records values up to an hour and beyond', () => {
    const h = histogramOf([3_600_000, 5_000_000]);
    expect(h.count).toBe(2);
    expect(h.summary().max).toBe(5_000_000);
    expectWithinHdr(h.summary().p50, 3_600_000);
  });

  it('round-trips through encode/decode: same counts, same percentiles, same encoding', () => {
    const original = histogramOf([...oneToHundred, 0.3, 1500, 1500, 42.42]);
    const encoded = original.encode();
    expect(typeof encoded).toBe('string');
    const decoded = decodeHistogram(encoded);
    expect(decoded.count).toBe(original.count);
    const a = original.summary();
    const b = decoded.summary();
    expect([b.count, b.min, b.p50, b.p90, b.p95, b.mean]).toEqual([a.count, a.min, a.p50, a.p90, a.p95, a.mean]);
    // The encoding keeps bucket counts, not the exact maximum: it (and p99, clamped to it) comes
    // back within HDR precision.
    expectWithinHdr(b.max, a.max);
    expectWithinHdr(b.p99, a.p99);
    expect(a.max).toBe(1500);
    expect(decoded.encode()).toBe(encoded);
  });

  it('merges by adding counts: a + b has every sample of both, and b is unchanged', () => {
    const a = histogramOf(oneToHundred.slice(0, 50));
    const b = histogramOf(oneToHundred.slice(50));
    a.add(b);
    expect(a.count).toBe(100);
    expect(b.count).toBe(50);
    const merged = a.summary();
    const direct = histogramOf(oneToHundred).summary();
    expect(merged).toEqual(direct);
    expectWithinHdr(b.summary().min, 51);
    expect(b.summary().max).toBe(100);
  });

  it('merges decoded histograms (shards) without loss', () => {
    const shards = [histogramOf([10, 20, 30]), histogramOf([40, 50]), histogramOf([60])];
    const total = createHistogram();
    for (const shard of shards) total.add(decodeHistogram(shard.encode()));
    expect(total.count).toBe(6);
    const s = total.summary();
    expect(s.min).toBe(10);
    expectWithinHdr(s.max, 60);
    expectWithinHdr(s.p50, 30);
    expect(s.mean).toBeCloseTo(35, 1);
  });
});
