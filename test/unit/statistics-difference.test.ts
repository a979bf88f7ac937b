/**
 * The statistics a baseline comparison and callbench compare rest on, on seeded samples: the
 * bootstrap of a percentile difference, the Mann–Whitney U test, the Hodges–Lehmann shift and
 * Holm's correction. A known shift is found significant, and the same distribution is not.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../harness/random.ts';
import { bootstrapPercentileDifference, resamplesFor } from '../../harness/statistics/difference.ts';
import { holmAdjust } from '../../harness/statistics/holm.ts';
import { hodgesLehmannShift, mannWhitney, normalUpperTail } from '../../harness/statistics/mann-whitney.ts';

/** n log-normal draws around `median` ms (a latency-like skew), plus `shift` ms. */
function latencies(n: number, seed: number, median = 400, shift = 0): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const u = Math.max(rng(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
    return median * Math.exp(0.25 * z) + shift;
  });
}

describe('bootstrapPercentileDifference', () => {
  it('finds a 150 ms shift: both intervals exclude 0 and contain the shift', () => {
    const [p50, p95] = bootstrapPercentileDifference(latencies(60, 1), latencies(60, 2, 400, 150), { seed: 7 }) ?? [];
    expect(p50?.diffCi[0]).toBeGreaterThan(0);
    expect(p95?.diffCi[0]).toBeGreaterThan(0);
    expect(p50?.diffCi[0]).toBeLessThan(150);
    expect(p50?.diffCi[1]).toBeGreaterThan(150);
    expect(p50?.ratio).toBeGreaterThan(1.2);
    expect(p50?.ratioCi?.[0]).toBeGreaterThan(1);
    expect(p50?.p).toBeLessThan(0.01);
  });

  it('finds no difference between two samples of one distribution: both intervals contain 0', () => {
    for (const seed of [1, 3, 5, 7, 9]) {
      const [p50, p95] = bootstrapPercentileDifference(latencies(60, seed), latencies(60, seed + 100), { seed }) ?? [];
      expect(p50?.diffCi[0]).toBeLessThanOrEqual(0);
      expect(p50?.diffCi[1]).toBeGreaterThanOrEqual(0);
      expect(p95?.diffCi[0]).toBeLessThanOrEqual(0);
      expect(p95?.diffCi[1]).toBeGreaterThanOrEqual(0);
    }
  });

  it('is reproducible, gives the percentiles in the order asked for, and nothing for an empty side', () => {
    const a = latencies(30, 1);
    const b = latencies(30, 2);
    expect(bootstrapPercentileDifference(a, b, { seed: 3 })).toEqual(bootstrapPercentileDifference(a, b, { seed: 3 }));
    const [p95, p50] = bootstrapPercentileDifference(a, b, { seed: 3, percentiles: [95, 50] }) ?? [];
    expect(p95?.percentile).toBe(95);
    expect(p50?.percentile).toBe(50);
    expect(bootstrapPercentileDifference([], b, { seed: 3 })).toBeUndefined();
  });

  it('has no ratio against a base of 0, and a degenerate interval on constants', () => {
    const [d] = bootstrapPercentileDifference(Array(20).fill(0), Array(20).fill(5), { seed: 1, percentiles: [50] }) ?? [];
    expect(d?.ratio).toBeNull();
    expect(d?.ratioCi).toBeNull();
    expect(d?.diffCi).toEqual([5, 5]);
  });

  it('asks for enough resamples that a tail holds ten estimates', () => {
    expect(resamplesFor(0.95)).toBe(1000);
    expect(resamplesFor(0.99)).toBe(2000);
    expect(resamplesFor(0.995)).toBe(4000);
  });
});

describe('mannWhitney', () => {
  it('is significant for a known shift, with the sign of the shift', () => {
    const up = mannWhitney(latencies(40, 1), latencies(40, 2, 400, 150));
    expect(up?.p).toBeLessThan(1e-6);
    expect(up?.z).toBeGreaterThan(0);
    const down = mannWhitney(latencies(40, 2, 400, 150), latencies(40, 1));
    expect(down?.z).toBeLessThan(0);
  });

  it('is not significant for the same distribution, over many seeds about as often as α says', () => {
    let significant = 0;
    for (let seed = 1; seed <= 200; seed++) if ((mannWhitney(latencies(30, seed), latencies(30, seed + 1000))?.p ?? 1) < 0.05) significant++;
    // 5% of 200 is 10: a correct test at α 0.05 is rarely far from it.
    expect(significant).toBeGreaterThan(2);
    expect(significant).toBeLessThan(22);
  });

  it('matches a hand-computed U and handles ties and constant samples', () => {
    // next = [3, 4] against base = [1, 2, 3]: pairs with next > base: 3>1, 3>2, 4>1, 4>2, 4>3 = 5, and 3=3 counts ½.
    expect(mannWhitney([1, 2, 3], [3, 4])?.u).toBe(5.5);
    expect(mannWhitney([5, 5, 5], [5, 5])).toEqual({ u: 3, z: 0, p: 1 });
    expect(mannWhitney([], [1])).toBeUndefined();
  });

  it('reads the normal tail to within 1e-6', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 6);
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(-1.644854)).toBeCloseTo(0.95, 6);
  });
});

describe('hodgesLehmannShift', () => {
  it('estimates a known shift', () => {
    expect(hodgesLehmannShift([1, 2, 3, 4, 5], [11, 12, 13, 14, 15])).toBe(10);
    expect(Math.abs(hodgesLehmannShift(latencies(50, 1), latencies(50, 2, 400, 150)) - 150)).toBeLessThan(60);
  });
});

describe('holmAdjust', () => {
  it('multiplies the smallest p by m, the next by m − 1, and keeps them monotone', () => {
    expect(holmAdjust([0.01, 0.04, 0.03])).toEqual([0.03, 0.06, 0.06]);
    expect(holmAdjust([0.5, 0.001])).toEqual([0.5, 0.002]);
    expect(holmAdjust([])).toEqual([]);
  });
});
