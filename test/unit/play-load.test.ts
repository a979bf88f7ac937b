/**
 * playLoad for a whole plan and for its shards: the shards of a plan play its calls exactly once
 * between them, each under the scenario and index the one-shot run gives it, whatever the load
 * model (closed by count, open at a constant or a ramped rate); the same plan gives a shard the
 * same calls every time. On the manual clock.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../harness/clock.ts';
import { playLoad, shardStages } from '../../harness/runner/play-load.ts';
import type { LoadPlan } from '../../harness/runner/run.ts';
import type { Shard } from '../../harness/shard/shard.ts';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** The calls (scenario:index, and dropped ones) a load plays, its calls ending at once. */
async function played(load: LoadPlan, scenarios: number, shard?: Shard): Promise<{ calls: string[]; dropped: string[]; scheduled: number | undefined }> {
  const clock = createManualClock();
  const calls: string[] = [];
  const dropped: string[] = [];
  const done = playLoad(
    clock,
    load,
    scenarios,
    shard,
    {
      play: async (s, index) => {
        calls.push(`${s}:${index}`);
      },
      drop: (s, index) => dropped.push(`${s}:${index}`),
    },
    new AbortController().signal,
  );
  for (let i = 0; i < 200; i++) {
    clock.advance(100);
    await flush();
  }
  const scheduled = await done;
  return { calls, dropped, scheduled };
}

const LOADS: Array<[string, LoadPlan]> = [
  ['closed', { model: 'closed', calls: 7, concurrency: 3 }],
  ['open', { model: 'open', ratePerSec: 4, durationMs: 3000, maxInFlight: 100, lateBoundMs: 1000 }],
  ['open with stages', { model: 'open', ratePerSec: 6, durationMs: 4000, maxInFlight: 100, lateBoundMs: 1000, stages: [{ durationMs: 2000, target: 6 }, { durationMs: 2000, target: 2 }] }],
];

describe('shards of a plan', () => {
  for (const [name, load] of LOADS) {
    it(`${name}: the shards play the one-shot run's calls, each once, and the same ones every time`, async () => {
      const whole = await played(load, 2);
      expect(whole.calls.length).toBeGreaterThan(5);
      const parts = [];
      for (let index = 1; index <= 3; index++) parts.push(await played(load, 2, { index, count: 3 }));
      const union = parts.flatMap((p) => p.calls);
      expect([...union].sort()).toEqual([...whole.calls].sort());
      expect(new Set(union).size).toBe(union.length);
      expect(parts.reduce((sum, p) => sum + (p.scheduled ?? 0), 0)).toBe(whole.scheduled ?? 0);
      // Deterministic: shard 2 again plays the same calls.
      expect((await played(load, 2, { index: 2, count: 3 })).calls).toEqual(parts[1]?.calls);
    });
  }

  it("a shard's stages are its share of each target, adding up to the plan's", () => {
    const stages = [{ durationMs: 1000, target: 10 }, { durationMs: 1000, target: 1 }];
    const shares = [1, 2, 3].map((index) => shardStages(stages, { index, count: 3 }));
    expect(shares.map((s) => s.map((x) => x.target))).toEqual([[4, 1], [3, 0], [3, 0]]);
  });
});
