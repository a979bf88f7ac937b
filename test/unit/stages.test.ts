/** Stages (k6's ramping-vus and ramping-arrival-rate) on a manual clock: the level, the due times, the callers. */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../harness/clock.ts';
import { describeStages, peakTarget, rampingArrivalTimes, runRampingArrivals, runRampingConcurrency, stageLevel, stagesDurationMs, type Stage } from '../../harness/runner/stages.ts';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('stage arithmetic', () => {
  const stages: Stage[] = [
    { durationMs: 30_000, target: 10 },
    { durationMs: 120_000, target: 200 },
    { durationMs: 30_000, target: 0 },
  ];
  it('ramps linearly from the previous target, from 0 before the first, and holds the last after the end', () => {
    expect(stageLevel(stages, 0)).toBe(0);
    expect(stageLevel(stages, 15_000)).toBe(5);
    expect(stageLevel(stages, 30_000)).toBe(10);
    expect(stageLevel(stages, 90_000)).toBe(105);
    expect(stageLevel(stages, 165_000)).toBe(100);
    expect(stageLevel(stages, 1e9)).toBe(0);
    expect(stagesDurationMs(stages)).toBe(180_000);
    expect(peakTarget(stages)).toBe(200);
    expect(describeStages(stages)).toBe('30s:10,2m:200,30s:0');
  });
  it('a 0 s stage is a step', () => {
    const step: Stage[] = [
      { durationMs: 0, target: 5 },
      { durationMs: 1000, target: 5 },
    ];
    expect(stageLevel(step, 0)).toBe(5);
    expect(stageLevel(step, 999)).toBe(5);
  });
});

describe('ramping arrival rate', () => {
  it('a constant rate is due every 1/R, a whole call of rate after the start', () => {
    expect(rampingArrivalTimes([{ durationMs: 0, target: 2 }, { durationMs: 3000, target: 2 }])).toEqual([500, 1000, 1500, 2000, 2500, 3000]);
  });
  it('a ramp from 0 to R over D holds R·D/2 calls, due where the integral reaches each whole call', () => {
    const times = rampingArrivalTimes([{ durationMs: 10_000, target: 4 }]);
    // ∫ = 4t²/(2·10) calls (t in s): call k at t = sqrt(5k).
    expect(times).toHaveLength(20);
    times.forEach((t, i) => expect(t).toBeCloseTo(1000 * Math.sqrt(5 * (i + 1)), 6));
    // Ramping down mirrors it.
    const down = rampingArrivalTimes([{ durationMs: 0, target: 4 }, { durationMs: 10_000, target: 0 }]);
    expect(down).toHaveLength(20);
    expect(down[0]).toBeCloseTo(1000 * (10 - Math.sqrt(100 - 5)), 6);
  });
  it('starts the calls on that schedule, dropping those beyond max-in-flight', async () => {
    const clock = createManualClock();
    const releases: Array<() => void> = [];
    const started: number[] = [];
    const dropped: number[] = [];
    const done = runRampingArrivals(
      clock,
      [{ durationMs: 0, target: 2 }, { durationMs: 3000, target: 2 }],
      { maxInFlight: 4, lateBoundMs: 1000 },
      (a) => {
        started.push(a.intendedAt);
        return new Promise<void>((resolve) => releases.push(resolve));
      },
      (a) => dropped.push(a.intendedAt),
    );
    for (let i = 0; i < 12; i++) clock.advance(250);
    expect(started).toEqual([500, 1000, 1500, 2000]);
    expect(dropped).toEqual([2500, 3000]);
    for (const release of releases) release();
    await expect(done).resolves.toEqual({ scheduled: 6, started: 4, dropped: { late: 0, 'max-in-flight': 2 } });
  });
});

describe('ramping concurrency', () => {
  it('keeps round(level) callers running; callers above the level stop after their call', async () => {
    const clock = createManualClock();
    const inFlight = new Set<number>();
    const peaks: number[] = [];
    const releases = new Map<number, () => void>();
    const job = (index: number): Promise<void> =>
      new Promise<void>((resolve) => {
        inFlight.add(index);
        releases.set(index, () => {
          inFlight.delete(index);
          resolve();
        });
      });
    const done = runRampingConcurrency(clock, [{ durationMs: 1000, target: 4 }, { durationMs: 1000, target: 4 }, { durationMs: 0, target: 1 }, { durationMs: 1000, target: 1 }], job);
    const step = async (ms: number): Promise<void> => {
      clock.advance(ms);
      await flush();
      peaks.push(inFlight.size);
    };
    await step(0);
    expect(inFlight.size).toBe(0);
    await step(500); // level 2
    expect(inFlight.size).toBe(2);
    await step(600); // level 4
    expect(inFlight.size).toBe(4);
    // Calls that end are followed by the caller's next call while the level holds.
    for (const index of [...inFlight]) releases.get(index)?.();
    await flush();
    expect(inFlight.size).toBe(4);
    await step(1000); // past the step down to 1: the callers above it finish their calls first
    expect(inFlight.size).toBe(4);
    for (const index of [...inFlight]) releases.get(index)?.();
    await flush();
    expect(inFlight.size).toBe(1);
    await step(1000); // the end: no new call
    for (const index of [...inFlight]) releases.get(index)?.();
    await expect(done).resolves.toBe(9);
    expect(inFlight.size).toBe(0);
  });

  it('stops starting calls when aborted and resolves once the running ones end', async () => {
    const clock = createManualClock();
    const releases: Array<() => void> = [];
    const stop = new AbortController();
    const done = runRampingConcurrency(clock, [{ durationMs: 0, target: 3 }, { durationMs: 10_000, target: 3 }], () => new Promise<void>((resolve) => releases.push(resolve)), stop.signal);
    await flush();
    expect(releases).toHaveLength(3);
    stop.abort();
    for (const release of releases.splice(0)) release();
    await expect(done).resolves.toBe(3);
  });
});
