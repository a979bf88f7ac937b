/** The open model's arrival schedule and drops, and the closed model bounded by time, on a manual clock. */
import { describe, expect, it } from 'vitest';
import { createManualClock, type Clock } from '../../harness/clock.ts';
import { runClosedForDuration, runOpenModel, scheduledArrivals, type Arrival, type DropReason } from '../../harness/runner/load-models.ts';

/** A call that runs until released. */
function slowCalls(): { start: (a: Arrival) => Promise<void>; started: Arrival[]; releaseAll: () => void } {
  const started: Arrival[] = [];
  const releases: Array<() => void> = [];
  return {
    started,
    start: (arrival) => {
      started.push(arrival);
      return new Promise<void>((resolve) => releases.push(resolve));
    },
    releaseAll: () => {
      for (const release of releases.splice(0)) release();
    },
  };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('scheduledArrivals', () => {
  it('counts the calls due before the end: k/R < D', () => {
    expect(scheduledArrivals(2, 10_000)).toBe(20);
    expect(scheduledArrivals(0.5, 10_000)).toBe(5);
    expect(scheduledArrivals(3, 1000)).toBe(3);
    expect(scheduledArrivals(1, 2500)).toBe(3);
  });
});

describe('open model', () => {
  it('starts every call on its schedule even while earlier calls are still running', async () => {
    const clock = createManualClock(1000);
    const calls = slowCalls();
    const done = runOpenModel(clock, { ratePerSec: 2, durationMs: 3000, maxInFlight: 100, lateBoundMs: 1000 }, calls.start);
    for (let i = 0; i < 6; i++) clock.advance(250);
    clock.advance(2000);
    // Nothing has finished, yet every call started at t0 + k/R.
    expect(calls.started.map((a) => a.intendedAt - 1000)).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    expect(calls.started.map((a) => a.at - a.intendedAt)).toEqual([0, 0, 0, 0, 0, 0]);
    calls.releaseAll();
    await expect(done).resolves.toEqual({ scheduled: 6, started: 6, dropped: { late: 0, 'max-in-flight': 0 } });
  });

  it('handles fractional rates: 0.5 calls/s is one call every 2 s', async () => {
    const clock = createManualClock();
    const calls = slowCalls();
    const done = runOpenModel(clock, { ratePerSec: 0.5, durationMs: 5000, maxInFlight: 100, lateBoundMs: 1000 }, calls.start);
    clock.advance(10_000);
    expect(calls.started.map((a) => a.intendedAt)).toEqual([0, 2000, 4000]);
    calls.releaseAll();
    await done;
  });

  it('drops the calls that find max-in-flight calls running, and counts them', async () => {
    const clock = createManualClock();
    const calls = slowCalls();
    const drops: Array<[number, DropReason]> = [];
    const done = runOpenModel(clock, { ratePerSec: 10, durationMs: 1000, maxInFlight: 3, lateBoundMs: 1000 }, calls.start, (a, reason) =>
      drops.push([a.index, reason]),
    );
    clock.advance(1000);
    expect(calls.started.map((a) => a.index)).toEqual([0, 1, 2]);
    expect(drops).toEqual([3, 4, 5, 6, 7, 8, 9].map((i) => [i, 'max-in-flight']));
    calls.releaseAll();
    await expect(done).resolves.toEqual({ scheduled: 10, started: 3, dropped: { late: 0, 'max-in-flight': 7 } });
  });

  it('frees a slot when a call ends: the next due call starts', async () => {
    const clock = createManualClock();
    const calls = slowCalls();
    const done = runOpenModel(clock, { ratePerSec: 10, durationMs: 400, maxInFlight: 1, lateBoundMs: 1000 }, calls.start);
    clock.advance(150); // call 0 runs; call 1 (due at 100) is dropped
    calls.releaseAll();
    await flush();
    clock.advance(250); // calls 2 and 3 are due at 200 and 300: 2 starts, 3 is dropped
    calls.releaseAll();
    await expect(done).resolves.toEqual({ scheduled: 4, started: 2, dropped: { late: 0, 'max-in-flight': 2 } });
    expect(calls.started.map((a) => a.index)).toEqual([0, 2]);
  });

  it('drops a call that would start more than the late bound after its due time (the harness fell behind)', async () => {
    const manual = createManualClock();
    // The timer for the call due at 1000 ms fires 1500 ms late, as after a blocked event loop.
    const clock: Clock = { ...manual, at: (at, fn) => manual.at(at === 1000 ? at + 1500 : at, fn) };
    const calls = slowCalls();
    const drops: Array<[number, DropReason, number]> = [];
    const done = runOpenModel(clock, { ratePerSec: 1, durationMs: 4000, maxInFlight: 100, lateBoundMs: 1000 }, calls.start, (a, reason) =>
      drops.push([a.index, reason, a.at - a.intendedAt]),
    );
    manual.advance(5000);
    // At 2500: call 1 (due 1000) is 1500 ms late and dropped; call 2 (due 2000) is 500 ms late and starts.
    expect(drops).toEqual([[1, 'late', 1500]]);
    expect(calls.started.map((a) => [a.index, a.at - a.intendedAt])).toEqual([
      [0, 0],
      [2, 500],
      [3, 0],
    ]);
    calls.releaseAll();
    await expect(done).resolves.toEqual({ scheduled: 4, started: 3, dropped: { late: 1, 'max-in-flight': 0 } });
  });

  it('resolves only when the started calls have finished', async () => {
    const clock = createManualClock();
    const calls = slowCalls();
    let resolved = false;
    const done = runOpenModel(clock, { ratePerSec: 1, durationMs: 1000, maxInFlight: 10, lateBoundMs: 1000 }, calls.start).then(() => {
      resolved = true;
    });
    clock.advance(5000);
    await flush();
    expect(resolved).toBe(false);
    calls.releaseAll();
    await done;
    expect(resolved).toBe(true);
  });
});

describe('closed model for a duration', () => {
  it('keeps its callers starting calls until the duration has passed, and no longer', async () => {
    const clock = createManualClock();
    const starts: number[] = [];
    // Each call takes 300 ms of clock time.
    const done = runClosedForDuration(clock, 2, 1000, async () => {
      starts.push(clock.now());
      await clock.sleep(300);
    });
    for (let i = 0; i < 20; i++) {
      clock.advance(100);
      await flush();
    }
    await expect(done).resolves.toBe(8);
    expect(starts).toEqual([0, 0, 300, 300, 600, 600, 900, 900]);
  });
});
