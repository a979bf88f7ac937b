/** Latency profiles: seeded log-normal delays fixed by their median and 95th percentile. */
import { describe, expect, it } from 'vitest';
import { createDelaySampler, createRng, PROFILES, profileNames, type DelayName, type LatencyProfile } from '../../harness/mocks/profiles.ts';

const reference = PROFILES.reference as LatencyProfile;
const instant = PROFILES.instant as LatencyProfile;
const DELAYS = Object.keys(reference.delays) as DelayName[];

const draw = (profile: LatencyProfile, seed: number, name: DelayName, n: number): number[] => {
  const sampler = createDelaySampler(profile, seed);
  return Array.from({ length: n }, () => sampler.sample(name));
};

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] ?? NaN) + ((sorted[hi] ?? NaN) - (sorted[lo] ?? NaN)) * (pos - lo);
}

describe('createRng', () => {
  it('is deterministic per seed, uniform on [0, 1)', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 10000 }, () => a());
    expect(Array.from({ length: 10000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeCloseTo(0.5, 1);
    const buckets = new Array<number>(10).fill(0);
    for (const x of xs) buckets[Math.floor(x * 10)] = (buckets[Math.floor(x * 10)] ?? 0) + 1;
    for (const count of buckets) expect(Math.abs(count - 1000)).toBeLessThan(150);
    const c = createRng(43);
    expect(Array.from({ length: 10 }, () => c())).not.toEqual(xs.slice(0, 10));
  });
});

describe('createDelaySampler', () => {
  it('gives the same sequence for the same seed, and another for another seed', () => {
    for (const name of DELAYS) {
      expect(draw(reference, 7, name, 200)).toEqual(draw(reference, 7, name, 200));
      expect(draw(reference, 7, name, 200)).not.toEqual(draw(reference, 8, name, 200));
    }
  });

  it('keeps each delay name on its own stream: draws of one never shift another', () => {
    const alone = draw(reference, 99, 'llm.first_token_ms', 100);
    const mixed = createDelaySampler(reference, 99);
    const interleaved: number[] = [];
    for (let i = 0; i < 100; i++) {
      for (let k = 0; k < i % 4; k++) mixed.sample('tts.first_byte_ms');
      mixed.sample('stt.result_lag_ms');
      interleaved.push(mixed.sample('llm.first_token_ms'));
    }
    expect(interleaved).toEqual(alone);
  });

  it('gives different names different streams, even with equal distributions', () => {
    const same: LatencyProfile = {
      ...reference,
      delays: Object.fromEntries(DELAYS.map((name) => [name, { p50: 100, p95: 200 }])) as LatencyProfile['delays'],
    };
    const sequences = DELAYS.map((name) => JSON.stringify(draw(same, 1, name, 20)));
    expect(new Set(sequences).size).toBe(DELAYS.length);
  });

  it.each(DELAYS)('matches the reference %s distribution: empirical p50 and p95 of 20000 draws within 5%%', (name) => {
    const { p50, p95 } = reference.delays[name];
    const samples = draw(reference, 12345, name, 20000).sort((a, b) => a - b);
    expect(samples.every((x) => x > 0)).toBe(true);
    expect(Math.abs(quantile(samples, 0.5) / p50 - 1)).toBeLessThan(0.05);
    expect(Math.abs(quantile(samples, 0.95) / p95 - 1)).toBeLessThan(0.05);
    // Log-normal: right-skewed, the mean lies above the median.
    expect(samples.reduce((s, x) => s + x, 0) / samples.length).toBeGreaterThan(p50);
  });

  it('holds p50/p95 for other seeds and shapes too', () => {
    const wide: LatencyProfile = { ...reference, delays: { ...reference.delays, 'llm.token_gap_ms': { p50: 20, p95: 400 } } };
    for (const seed of [0, 1, 0xffffffff]) {
      const samples = draw(wide, seed, 'llm.token_gap_ms', 20000).sort((a, b) => a - b);
      expect(Math.abs(quantile(samples, 0.5) / 20 - 1), `seed ${seed}`).toBeLessThan(0.05);
      expect(Math.abs(quantile(samples, 0.95) / 400 - 1), `seed ${seed}`).toBeLessThan(0.05);
    }
  });

  it('returns the constant when p95 equals p50', () => {
    const fixed: LatencyProfile = { ...reference, delays: { ...reference.delays, 'tts.first_byte_ms': { p50: 250, p95: 250 } } };
    expect(draw(fixed, 3, 'tts.first_byte_ms', 50)).toEqual(new Array(50).fill(250));
  });

  it('gives zeros for every delay of the instant profile', () => {
    const sampler = createDelaySampler(instant, 1);
    for (const name of DELAYS) for (let i = 0; i < 100; i++) expect(sampler.sample(name)).toBe(0);
  });
});

describe('PROFILES', () => {
  it('lists instant and reference, each defining every delay with p95 >= p50 >= 0', () => {
    expect(profileNames()).toEqual(expect.arrayContaining(['instant', 'reference']));
    for (const name of profileNames()) {
      const profile = PROFILES[name] as LatencyProfile;
      expect(profile.name).toBe(name);
      expect(Object.keys(profile.delays).sort()).toEqual([...DELAYS].sort());
      for (const { p50, p95 } of Object.values(profile.delays)) {
        expect(p50).toBeGreaterThanOrEqual(0);
        expect(p95).toBeGreaterThanOrEqual(p50);
      }
      expect(profile.ttsSpeedup).toBeGreaterThan(0);
    }
  });
});

describe.each(profileNames().filter((name) => name !== 'instant'))('profile %s', (profileName) => {
  const profile = PROFILES[profileName] as LatencyProfile;
  it.each(DELAYS)('samples %s with the defined p50 and p95 (20000 draws, within 5%)', (name) => {
    const { p50, p95 } = profile.delays[name];
    const sampler = createDelaySampler(profile, 99);
    const samples = Array.from({ length: 20000 }, () => sampler.sample(name)).sort((a, b) => a - b);
    expect(Math.abs((samples[10000] ?? 0) / p50 - 1)).toBeLessThan(0.05);
    expect(Math.abs((samples[19000] ?? 0) / p95 - 1)).toBeLessThan(0.05);
  });
});
