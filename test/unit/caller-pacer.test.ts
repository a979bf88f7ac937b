/**
 * The frame pacer: frame k is due at start + 20·(k+1); a late tick sends every frame that is due
 * and records how late each was; the schedule is a deadline schedule, never a chain of sleeps.
 */
import { describe, expect, it } from 'vitest';
import { createFramePacer } from '../../harness/caller/pacer.ts';
import { createManualClock, type Clock, type ManualClock } from '../../harness/clock.ts';

interface Sent {
  index: number;
  dueAt: number;
  sentAt: number;
}

function record(clock: Clock): { sent: Sent[]; send: (index: number, dueAt: number) => void } {
  const sent: Sent[] = [];
  return { sent, send: (index, dueAt) => sent.push({ index, dueAt, sentAt: clock.now() }) };
}

/**
 * A manual clock whose timers fire late: `lateBy(k)` ms after the time asked for, for the k-th
 * timer armed (counting from 0). Stands in for a busy event loop.
 */
function lateClock(base: ManualClock, lateBy: (k: number) => number): Clock {
  let armed = 0;
  return {
    now: () => base.now(),
    at: (at, fn) => base.at(at + lateBy(armed++), fn),
    sleepUntil: (at, signal) => base.sleepUntil(at, signal),
    sleep: (ms, signal) => base.sleep(ms, signal),
  };
}

describe('frame pacer', () => {
  it('sends nothing before the first frame is due, then one frame every 20 ms, on time', () => {
    const clock = createManualClock(1000);
    const { sent, send } = record(clock);
    const pacer = createFramePacer(clock, send);
    pacer.start();
    clock.advance(19.99);
    expect(sent).toEqual([]);
    clock.advance(0.01);
    expect(sent).toEqual([{ index: 0, dueAt: 1020, sentAt: 1020 }]);
    clock.advance(60);
    expect(sent).toEqual([
      { index: 0, dueAt: 1020, sentAt: 1020 },
      { index: 1, dueAt: 1040, sentAt: 1040 },
      { index: 2, dueAt: 1060, sentAt: 1060 },
      { index: 3, dueAt: 1080, sentAt: 1080 },
    ]);
    expect(pacer.framesSent).toBe(4);
    expect(pacer.lateness.count).toBe(4);
    expect(pacer.lateness.summary().max).toBe(0);
  });

  it('on a late tick sends every frame that is due, in order, and records the lateness of each', () => {
    const base = createManualClock(0);
    const clock = lateClock(base, () => 45);
    const { sent, send } = record(base);
    const pacer = createFramePacer(clock, send);
    pacer.start();
    base.advance(64);
    expect(sent).toEqual([]);
    base.advance(1); // the first tick, asked for 20, runs at 65: frames due at 20, 40, 60
    expect(sent).toEqual([
      { index: 0, dueAt: 20, sentAt: 65 },
      { index: 1, dueAt: 40, sentAt: 65 },
      { index: 2, dueAt: 60, sentAt: 65 },
    ]);
    base.advance(60); // the next tick, asked for 80 (frame 3's deadline), runs at 125
    expect(sent.slice(3)).toEqual([
      { index: 3, dueAt: 80, sentAt: 125 },
      { index: 4, dueAt: 100, sentAt: 125 },
      { index: 5, dueAt: 120, sentAt: 125 },
    ]);
    const lateness = pacer.lateness.summary();
    expect(lateness.count).toBe(6);
    expect(lateness.min).toBe(5);
    expect(lateness.max).toBe(45);
    // Two samples each of 5, 25 and 45 ms.
    expect(lateness.mean).toBe(25);
  });

  it('re-arms on the deadline schedule after a late tick, not 20 ms after it', () => {
    const base = createManualClock(0);
    // Only the first timer is late (by 33 ms).
    const clock = lateClock(base, (k) => (k === 0 ? 33 : 0));
    const { sent, send } = record(base);
    const pacer = createFramePacer(clock, send);
    pacer.start();
    base.advance(100);
    expect(sent.map((s) => [s.index, s.dueAt, s.sentAt])).toEqual([
      [0, 20, 53],
      [1, 40, 53],
      [2, 60, 60], // a chain of sleeps would send this at 73
      [3, 80, 80],
      [4, 100, 100],
    ]);
  });

  it('stops at once when stopped, even in the middle of a catch-up burst', () => {
    const base = createManualClock(0);
    const clock = lateClock(base, () => 100);
    const sent: number[] = [];
    const pacer = createFramePacer(clock, (index) => {
      sent.push(index);
      if (index === 1) pacer.stop();
    });
    pacer.start();
    base.advance(1000);
    expect(sent).toEqual([0, 1]);
    expect(pacer.framesSent).toBe(2);
  });

  it('sends nothing more after stop()', () => {
    const clock = createManualClock(0);
    const { sent, send } = record(clock);
    const pacer = createFramePacer(clock, send);
    pacer.start();
    clock.advance(50);
    pacer.stop();
    clock.advance(1000);
    expect(sent.map((s) => s.index)).toEqual([0, 1]);
    expect(pacer.framesSent).toBe(2);
  });

  it('ignores a second start(): one schedule, not two', () => {
    const clock = createManualClock(0);
    const { sent, send } = record(clock);
    const pacer = createFramePacer(clock, send);
    pacer.start();
    clock.advance(10);
    pacer.start();
    clock.advance(90);
    expect(sent.map((s) => [s.index, s.dueAt])).toEqual([
      [0, 20],
      [1, 40],
      [2, 60],
      [3, 80],
      [4, 100],
    ]);
  });
});
