/** Bootstrap confidence intervals of p50 and p95: reproducible, degenerate on constants, narrowing with n. */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../harness/random.ts';
import { bootstrapPercentileCis, percentileOfSorted, seriesSeed } from '../../harness/statistics/bootstrap.ts';

/** n draws from a log-normal around 400 ms, seeded: a latency-like skewed distribution. */
function latencies(n: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const u = Math.max(rng(), 1e-12);
    const v = rng();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return 400 * Math.exp(0.3 * z);
  });
}

const width = ([lo, hi]: [number, number]): number => hi - lo;

describe('percentileOfSorted', () => {
  it('is nearest-rank, as HdrHistogram answers', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentileOfSorted(sorted, 50)).toBe(5);
    expect(percentileOfSorted(sorted, 95)).toBe(10);
    expect(percentileOfSorted(sorted, 0)).toBe(1);
    expect(percentileOfSorted([7], 95)).toBe(7);
  });
});

describe('bootstrapPercentileCis', () => {
  it('gives the same interval for the same samples and seed, and a different one for another seed', () => {
    const samples = latencies(60, 3);
    const a = bootstrapPercentileCis(samples, { seed: 11 });
    const b = bootstrapPercentileCis(samples, { seed: 11 });
    const c = bootstrapPercentileCis(samples, { seed: 12 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('is degenerate [c, c] for a constant sample', () => {
    expect(bootstrapPercentileCis(Array(25).fill(412.5), { seed: 1 })).toEqual({ p50: [412.5, 412.5], p95: [412.5, 412.5] });
  });

  it('is undefined without samples', () => {
    expect(bootstrapPercentileCis([], { seed: 1 })).toBeUndefined();
  });

  it('brackets the sample percentile: lo ≤ estimate ≤ hi', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      for (const n of [20, 100, 500]) {
        const samples = latencies(n, seed);
        const sorted = [...samples].sort((x, y) => x - y);
        const ci = bootstrapPercentileCis(samples, { seed });
        expect(ci).toBeDefined();
        for (const key of ['p50', 'p95'] as const) {
          const estimate = percentileOfSorted(sorted, key === 'p50' ? 50 : 95);
          const [lo, hi] = ci?.[key] ?? [NaN, NaN];
          expect(lo, `${key} n=${n} seed=${seed}`).toBeLessThanOrEqual(estimate);
          expect(hi, `${key} n=${n} seed=${seed}`).toBeGreaterThanOrEqual(estimate);
          expect(lo).toBeLessThan(hi);
        }
      }
    }
  });

  it('narrows as n grows', () => {
    const small = bootstrapPercentileCis(latencies(20, 9), { seed: 5 });
    const medium = bootstrapPercentileCis(latencies(200, 9), { seed: 5 });
    const large = bootstrapPercentileCis(latencies(2000, 9), { seed: 5 });
    if (small === undefined || medium === undefined || large === undefined) throw new Error('no interval');
    expect(width(medium.p50)).toBeLessThan(width(small.p50));
    expect(width(large.p50)).toBeLessThan(width(medium.p50));
    expect(width(large.p95)).toBeLessThan(width(small.p95));
    // About 1/√n: a hundredfold n should shrink the median's interval several times over.
    expect(width(large.p50) * 4).toBeLessThan(width(small.p50));
  });

  it('contains the true median of the distribution for a large sample', () => {
    const ci = bootstrapPercentileCis(latencies(2000, 21), { seed: 2 });
    expect(ci?.p50[0]).toBeLessThanOrEqual(400);
    expect(ci?.p50[1]).toBeGreaterThanOrEqual(400);
  });
});

describe('seriesSeed', () => {
  it('depends on the run seed and every label, not on call order', () => {
    expect(seriesSeed(1, 'greeting', 'turn.response_ms')).toBe(seriesSeed(1, 'greeting', 'turn.response_ms'));
    expect(seriesSeed(1, 'greeting', 'turn.response_ms')).not.toBe(seriesSeed(2, 'greeting', 'turn.response_ms'));
    expect(seriesSeed(1, 'greeting', 'turn.response_ms')).not.toBe(seriesSeed(1, 'greetin', 'gturn.response_ms'));
  });
});
