/**
 * `playout=poll`: the seed's 10 ms polling loop on a manual clock. Audio and marks wait in the
 * queue until the next wake, wakes are a chain of 10 ms sleeps, a barge-in drops the queue, and
 * disposing the call stops the timer.
 */
import { describe, expect, it } from 'vitest';
import type { AudioOut } from '../../agent/call/audio-out.ts';
import { createPollPlayout, POLL_INTERVAL_MS } from '../../agent/call/poll-playout.ts';
import { createManualClock } from '../../harness/clock.ts';

function recorder(clock: { now(): number }) {
  const sent: Array<{ t: number; what: string }> = [];
  let drops = 0;
  let disposed = false;
  const out: AudioOut = {
    media: (turn, audio) => void sent.push({ t: clock.now(), what: `media:${turn}:${audio.byteLength}` }),
    mark: (name) => void sent.push({ t: clock.now(), what: `mark:${name}` }),
    drop: () => void (drops += 1),
    pending: false,
    dispose: () => void (disposed = true),
  };
  return { out, sent, drops: () => drops, disposed: () => disposed };
}

describe('poll playout', () => {
  it('holds audio until the next 10 ms wake, then sends everything queued, in order', () => {
    const clock = createManualClock(0);
    const rec = recorder(clock);
    const poll = createPollPlayout({ clock, out: rec.out });
    expect(POLL_INTERVAL_MS).toBe(10);
    clock.advance(3);
    poll.media(1, new Uint8Array(800));
    poll.media(1, new Uint8Array(400));
    poll.mark('1-1');
    expect(poll.pending).toBe(true);
    expect(rec.sent).toEqual([]);
    clock.advance(6);
    expect(rec.sent).toEqual([]);
    clock.advance(1);
    expect(rec.sent).toEqual([
      { t: 10, what: 'media:1:800' },
      { t: 10, what: 'media:1:400' },
      { t: 10, what: 'mark:1-1' },
    ]);
    expect(poll.pending).toBe(false);
  });

  it('wakes in a chain of 10 ms sleeps: audio arriving just after a wake waits a whole interval', () => {
    const clock = createManualClock(0);
    const rec = recorder(clock);
    const poll = createPollPlayout({ clock, out: rec.out });
    clock.advance(10.5);
    poll.media(2, new Uint8Array(160));
    clock.advance(9);
    expect(rec.sent).toEqual([]);
    clock.advance(0.5);
    expect(rec.sent).toEqual([{ t: 20, what: 'media:2:160' }]);
    // Arrivals every 5 ms leave in bursts one interval apart.
    for (let i = 0; i < 6; i++) {
      poll.media(2, new Uint8Array(80));
      clock.advance(5);
    }
    const times = [...new Set(rec.sent.slice(1).map((entry) => entry.t))];
    expect(times).toEqual([30, 40, 50]);
  });

  it('drops whatever is queued on a barge-in, and passes the drop on', () => {
    const clock = createManualClock(0);
    const rec = recorder(clock);
    const poll = createPollPlayout({ clock, out: rec.out });
    poll.media(1, new Uint8Array(800));
    poll.mark('1-1');
    poll.drop();
    clock.advance(50);
    expect(rec.sent).toEqual([]);
    expect(rec.drops()).toBe(1);
    poll.media(2, new Uint8Array(100));
    clock.advance(10);
    expect(rec.sent.map((entry) => entry.what)).toEqual(['media:2:100']);
  });

  it('stops polling when the call ends: nothing is sent and no timer is left', () => {
    const clock = createManualClock(0);
    const rec = recorder(clock);
    let armed = 0;
    const counting = { ...clock, at: (at: number, fn: () => void) => ((armed += 1), clock.at(at, fn)) };
    const poll = createPollPlayout({ clock: counting, out: rec.out });
    clock.advance(30);
    const before = armed;
    poll.media(1, new Uint8Array(10));
    poll.dispose();
    clock.advance(100);
    expect(rec.sent).toEqual([]);
    expect(armed).toBe(before);
    expect(rec.disposed()).toBe(true);
    poll.media(1, new Uint8Array(10));
    expect(poll.pending).toBe(false);
  });
});
