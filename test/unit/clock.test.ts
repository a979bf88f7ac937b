/** The one clock of a run: a manual clock for tests, the system clock for real runs. */
import { describe, expect, it } from 'vitest';
import { createManualClock, createSystemClock } from '../../harness/clock.ts';
import { watchLoopStalls } from '../integration/helpers/loop-stalls.ts';

// Upper bounds on wall-clock lateness add the worst event-loop stall seen (a loaded machine).
const stalls = watchLoopStalls();

describe('manual clock', () => {
  it('starts where it is told and moves only on advance', () => {
    const clock = createManualClock(1000);
    expect(clock.now()).toBe(1000);
    clock.advance(12.5);
    expect(clock.now()).toBe(1012.5);
  });

  it('runs due timers in time order, each seeing its own time, and leaves later ones', () => {
    const clock = createManualClock();
    const ran: Array<[string, number]> = [];
    clock.at(30, () => ran.push(['c', clock.now()]));
    clock.at(10, () => ran.push(['a', clock.now()]));
    clock.at(20, () => ran.push(['b', clock.now()]));
    clock.advance(25);
    expect(ran).toEqual([
      ['a', 10],
      ['b', 20],
    ]);
    expect(clock.now()).toBe(25);
    clock.advance(5);
    expect(ran).toEqual([
      ['a', 10],
      ['b', 20],
      ['c', 30],
    ]);
  });

  it('runs timers due at the same time in the order they were set', () => {
    const clock = createManualClock();
    const ran: number[] = [];
    for (let i = 0; i < 5; i++) clock.at(10, () => ran.push(i));
    clock.advance(10);
    expect(ran).toEqual([0, 1, 2, 3, 4]);
  });

  it('runs, within the same advance, a timer that a timer sets inside the window', () => {
    const clock = createManualClock();
    const ran: number[] = [];
    clock.at(10, () => {
      ran.push(clock.now());
      clock.at(15, () => ran.push(clock.now()));
      clock.at(50, () => ran.push(clock.now()));
    });
    clock.advance(20);
    expect(ran).toEqual([10, 15]);
    clock.advance(30);
    expect(ran).toEqual([10, 15, 50]);
  });

  it('does not run a cancelled timer', () => {
    const clock = createManualClock();
    let ran = false;
    const cancel = clock.at(5, () => {
      ran = true;
    });
    cancel();
    clock.advance(10);
    expect(ran).toBe(false);
  });

  it('resolves sleepUntil and sleep once time reaches them, not before', async () => {
    const clock = createManualClock(100);
    const order: string[] = [];
    const until = clock.sleepUntil(150).then(() => order.push(`until@${clock.now()}`));
    const sleep = clock.sleep(20).then(() => order.push(`sleep@${clock.now()}`));
    clock.advance(10);
    await Promise.resolve();
    expect(order).toEqual([]);
    clock.advance(10);
    await sleep;
    expect(order).toEqual(['sleep@120']);
    clock.advance(29);
    await Promise.resolve();
    expect(order).toEqual(['sleep@120']);
    clock.advance(1);
    await until;
    expect(order).toEqual(['sleep@120', 'until@150']);
  });

  it('rejects sleepUntil with the abort reason and drops its timer', async () => {
    const clock = createManualClock();
    const controller = new AbortController();
    const sleeping = clock.sleepUntil(100, controller.signal);
    const reason = new Error('call ended');
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    // The aborted sleep must not resolve later either.
    let resolvedLate = false;
    const other = clock.sleepUntil(100).then(() => (resolvedLate = true));
    clock.advance(200);
    await other;
    expect(resolvedLate).toBe(true);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const clock = createManualClock();
    await expect(clock.sleep(10, AbortSignal.abort('gone'))).rejects.toBe('gone');
  });

  it('ignores an abort after the sleep resolved', async () => {
    const clock = createManualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(5, controller.signal);
    clock.advance(5);
    await expect(sleeping).resolves.toBeUndefined();
    controller.abort();
  });
});

describe('system clock', () => {
  it('reads performance.timeOrigin + performance.now()', () => {
    const clock = createSystemClock();
    for (let i = 0; i < 100; i++) {
      const before = performance.timeOrigin + performance.now();
      const now = clock.now();
      const after = performance.timeOrigin + performance.now();
      expect(now).toBeGreaterThanOrEqual(before);
      expect(now).toBeLessThanOrEqual(after);
    }
    // Its origin is the Unix epoch, so it reads close to wall time.
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(1000);
  });

  it('is monotonic with sub-millisecond resolution', () => {
    const clock = createSystemClock();
    let last = clock.now();
    let backwards = 0;
    let fractional = false;
    for (let i = 0; i < 100_000; i++) {
      const now = clock.now();
      if (now < last) backwards++;
      if (now !== Math.floor(now)) fractional = true;
      last = now;
    }
    expect(backwards).toBe(0);
    expect(fractional).toBe(true);
  });

  it('never fires a timer or ends a sleep before its time', async () => {
    const clock = createSystemClock();
    const early: number[] = [];
    for (let i = 0; i < 40; i++) {
      const at = clock.now() + 1 + (i % 5) * 0.4;
      await clock.sleepUntil(at);
      const late = clock.now() - at;
      if (late < 0) early.push(late);
      expect(late).toBeLessThan(100 + stalls.maxMs());
    }
    const fired = await new Promise<number>((resolve) => {
      const at = clock.now() + 3.3;
      clock.at(at, () => resolve(clock.now() - at));
    });
    expect(fired).toBeGreaterThanOrEqual(0);
    expect(early).toEqual([]);
  });

  it('sleeps about as long as asked', async () => {
    const clock = createSystemClock();
    const start = clock.now();
    await clock.sleep(30);
    const slept = clock.now() - start;
    expect(slept).toBeGreaterThanOrEqual(30);
    expect(slept).toBeLessThan(200 + stalls.maxMs());
  });

  it('cancels timers and aborts sleeps', async () => {
    const clock = createSystemClock();
    let ran = false;
    const cancel = clock.at(clock.now() + 5, () => {
      ran = true;
    });
    cancel();
    const controller = new AbortController();
    const sleeping = clock.sleep(10_000, controller.signal);
    setTimeout(() => controller.abort(new Error('stop')), 5);
    await expect(sleeping).rejects.toThrow('stop');
    await clock.sleep(20);
    expect(ran).toBe(false);
  });
});
