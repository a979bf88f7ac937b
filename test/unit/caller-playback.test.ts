/**
 * The caller's playback model (Twilio's outbound buffer): 8 bytes a ms, FIFO; marks echoed when
 * the audio before them has played, at once when nothing is queued, all at once on `clear`.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeMulaw, MULAW_SILENCE } from '../../harness/audio/index.ts';
import { createPlaybackModel, LATE_ECHO_QUIET_MS } from '../../harness/caller/playback.ts';
import { createManualClock, createSystemClock, type ManualClock } from '../../harness/clock.ts';

interface Echo {
  name: string;
  cleared: boolean;
  at: number;
}

function setup(start = 0): { clock: ManualClock; echoes: Echo[]; model: ReturnType<typeof createPlaybackModel> } {
  const clock = createManualClock(start);
  const echoes: Echo[] = [];
  const model = createPlaybackModel(clock, (name, cleared) => echoes.push({ name, cleared, at: clock.now() }));
  return { clock, echoes, model };
}

const silence = (bytes: number): Uint8Array => new Uint8Array(bytes).fill(MULAW_SILENCE);

/** `lead` samples of digital silence, `loud` samples at ±10000, `tail` samples of silence. */
function toneBurst(lead: number, loud: number, tail: number): Uint8Array {
  const pcm = new Int16Array(lead + loud + tail);
  for (let i = 0; i < loud; i++) pcm[lead + i] = i % 2 === 0 ? 10_000 : -10_000;
  return encodeMulaw(pcm);
}

describe('playback model: queue timing', () => {
  it('plays a chunk received on an idle line at once, for bytes / 8 ms', () => {
    const { model } = setup(1000);
    const played = model.enqueue(silence(160));
    expect(played.playStart).toBe(1000);
    expect(played.playEnd).toBe(1020);
    expect(model.drainsAt).toBe(1020);
  });

  it('queues a chunk behind the audio still playing (FIFO)', () => {
    const { clock, model } = setup(0);
    model.enqueue(silence(160)); // 0..20
    clock.advance(5);
    const second = model.enqueue(silence(80)); // behind: 20..30
    expect(second.playStart).toBe(20);
    expect(second.playEnd).toBe(30);
    clock.advance(3);
    const third = model.enqueue(silence(8)); // 30..31
    expect(third.playStart).toBe(30);
    expect(third.playEnd).toBe(31);
    expect(model.drainsAt).toBe(31);
  });

  it('starts a chunk that arrives after the queue ran dry at its arrival, not at the old end', () => {
    const { clock, model } = setup(0);
    model.enqueue(silence(160)); // 0..20
    clock.advance(50);
    const late = model.enqueue(silence(400)); // 50..100
    expect(late.playStart).toBe(50);
    expect(late.playEnd).toBe(100);
  });

  it('reports the playback times of the audible part of a chunk', () => {
    const { clock, model } = setup(0);
    clock.advance(100);
    // 20 ms of silence, 20 ms of tone, 20 ms of silence.
    const played = model.enqueue(toneBurst(160, 160, 160));
    expect(played.playStart).toBe(100);
    expect(played.playEnd).toBe(160);
    expect(played.audibleFrom).toBe(120);
    expect(played.audibleTo).toBe(140);
  });

  it('offsets the audible times by the queue wait', () => {
    const { model } = setup(0);
    model.enqueue(silence(800)); // 0..100
    const played = model.enqueue(toneBurst(80, 240, 0)); // 100..140, audible from 110
    expect(played.playStart).toBe(100);
    expect(played.audibleFrom).toBe(110);
    expect(played.audibleTo).toBe(140);
  });

  it('marks a chunk of digital silence as not audible', () => {
    const { model } = setup(0);
    const played = model.enqueue(silence(320));
    expect(played.audibleFrom).toBeUndefined();
    expect(played.audibleTo).toBeUndefined();
  });
});

describe('playback model: marks', () => {
  it('echoes a mark at once (synchronously) when nothing is queued', () => {
    const { model, echoes } = setup(42);
    model.mark('idle');
    expect(echoes).toEqual([{ name: 'idle', cleared: false, at: 42 }]);
  });

  it('echoes a mark at once when the queued audio has already played', () => {
    const { clock, model, echoes } = setup(0);
    model.enqueue(silence(160)); // 0..20
    clock.advance(25);
    model.mark('after');
    expect(echoes).toEqual([{ name: 'after', cleared: false, at: 25 }]);
  });

  it('echoes a mark only when the audio queued before it has played', () => {
    const { clock, model, echoes } = setup(0);
    model.enqueue(silence(160)); // 0..20
    model.mark('a');
    clock.advance(19.9);
    expect(echoes).toEqual([]);
    clock.advance(0.1);
    expect(echoes).toEqual([{ name: 'a', cleared: false, at: 20 }]);
  });

  it('echoes marks in order, each when the audio before it has played', () => {
    const { clock, model, echoes } = setup(0);
    model.enqueue(silence(160)); // 0..20
    model.mark('a');
    model.enqueue(silence(160)); // 20..40
    model.mark('b');
    model.mark('c'); // nothing between b and c: same moment
    clock.advance(100);
    expect(echoes).toEqual([
      { name: 'a', cleared: false, at: 20 },
      { name: 'b', cleared: false, at: 40 },
      { name: 'c', cleared: false, at: 40 },
    ]);
  });

  it('does not let a mark sent once the queue is due overtake an earlier mark whose timer has not run yet', () => {
    const { clock, model, echoes } = setup(0);
    // A message handler that runs at t = 20 before the playback's own timer for that instant
    // (with the system clock: a socket message processed before a due setTimeout).
    clock.at(20, () => model.mark('second'));
    model.enqueue(silence(160)); // 0..20
    model.mark('first');
    clock.advance(20);
    expect(echoes.map((e) => e.name)).toEqual(['first', 'second']);
    expect(echoes.every((e) => !e.cleared && e.at === 20)).toBe(true);
  });

  it('echoes earlier marks first even when a later mark\'s timer runs first, and each mark once', () => {
    // A clock whose timers the test fires by hand, in any order (as coarse system timers may).
    let now = 0;
    const timers: Array<{ fn: () => void; cancelled: boolean }> = [];
    const clock = {
      now: () => now,
      at: (_at: number, fn: () => void) => {
        const timer = { fn, cancelled: false };
        timers.push(timer);
        return () => void (timer.cancelled = true);
      },
      sleepUntil: () => Promise.resolve(),
      sleep: () => Promise.resolve(),
    };
    const echoes: string[] = [];
    const model = createPlaybackModel(clock, (name) => echoes.push(name));
    model.enqueue(silence(160)); // 0..20
    model.mark('a');
    model.enqueue(silence(160)); // 20..40
    model.mark('b');
    expect(timers).toHaveLength(2);
    now = 40;
    timers[1]?.fn();
    expect(echoes).toEqual(['a', 'b']);
    expect(timers[0]?.cancelled).toBe(true);
  });
});

describe('playback model: clear', () => {
  it('drops the queue, returns the ms dropped, and echoes every pending mark at once, in order, as cleared', () => {
    const { clock, model, echoes } = setup(0);
    model.enqueue(silence(160)); // 0..20
    model.mark('a');
    model.enqueue(silence(160)); // 20..40
    model.mark('b');
    clock.advance(10);
    expect(model.clear()).toBe(30);
    expect(echoes).toEqual([
      { name: 'a', cleared: true, at: 10 },
      { name: 'b', cleared: true, at: 10 },
    ]);
    expect(model.drainsAt).toBe(10);
    // The cleared marks are not echoed a second time when their old times come.
    clock.advance(100);
    expect(echoes).toHaveLength(2);
  });

  it('keeps marks already echoed out of the clear', () => {
    const { clock, model, echoes } = setup(0);
    model.enqueue(silence(160)); // 0..20
    model.mark('played');
    model.enqueue(silence(800)); // 20..120
    model.mark('pending');
    clock.advance(50);
    expect(model.clear()).toBe(70);
    expect(echoes).toEqual([
      { name: 'played', cleared: false, at: 20 },
      { name: 'pending', cleared: true, at: 50 },
    ]);
  });

  it('returns 0 and echoes nothing on an idle line', () => {
    const { clock, model, echoes } = setup(0);
    model.enqueue(silence(160));
    clock.advance(30);
    expect(model.clear()).toBe(0);
    expect(echoes).toEqual([]);
  });

  it('plays audio received after a clear at once', () => {
    const { clock, model } = setup(0);
    model.enqueue(silence(8000)); // 0..1000
    clock.advance(100);
    model.clear();
    const next = model.enqueue(silence(160));
    expect(next.playStart).toBe(100);
    expect(next.playEnd).toBe(120);
  });
});

describe('playback model: dispose', () => {
  it('cancels pending marks: nothing is echoed after the call ends', () => {
    const { clock, model, echoes } = setup(0);
    model.enqueue(silence(160));
    model.mark('never');
    model.dispose();
    clock.advance(1000);
    expect(echoes).toEqual([]);
  });
});

describe('playback model: late echoes after a clear (twilio.markEcho "late", bug class 13)', () => {
  function lateSetup(): { clock: ManualClock; echoes: Array<Echo & { late: boolean }>; model: ReturnType<typeof createPlaybackModel> } {
    const clock = createManualClock(0);
    const echoes: Array<Echo & { late: boolean }> = [];
    const model = createPlaybackModel(clock, (name, cleared, late) => echoes.push({ name, cleared, late, at: clock.now() }), 'late');
    return { clock, echoes, model };
  }

  it('holds the echoes a clear owes until the next reply has queued a mark and gone quiet, then sends them, in order, as cleared and late', () => {
    const { clock, echoes, model } = lateSetup();
    model.enqueue(silence(8000)); // 0..1000
    model.mark('a');
    model.enqueue(silence(8000)); // ..2000
    model.mark('b');
    clock.advance(100);
    model.clear();
    expect(echoes).toEqual([]);
    // The next reply: audio, no mark yet. Audio alone does not release them.
    clock.advance(500);
    model.enqueue(silence(8000)); // 600..1600
    clock.advance(LATE_ECHO_QUIET_MS + 100);
    expect(echoes).toEqual([]);
    model.mark('c');
    clock.advance(200);
    model.enqueue(silence(800)); // more audio restarts the quiet wait
    clock.advance(LATE_ECHO_QUIET_MS - 1);
    expect(echoes).toEqual([]);
    clock.advance(1);
    expect(echoes).toEqual([
      { name: 'a', cleared: true, late: true, at: 1200 + LATE_ECHO_QUIET_MS },
      { name: 'b', cleared: true, late: true, at: 1200 + LATE_ECHO_QUIET_MS },
    ]);
    // The new reply's own mark is echoed when its audio has played, as ever.
    clock.advance(10_000);
    expect(echoes.slice(2)).toEqual([{ name: 'c', cleared: false, late: false, at: 1600 }]);
  });

  it('a stall of our own event loop does not pass for the agent going quiet: audio that came in during it restarts the wait', async () => {
    // Real I/O and the system clock, for their order: after a stall, due timers run before what
    // arrived on a socket meanwhile is read.
    const clock = createSystemClock();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const agent = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => agent.once('connect', resolve));
    const received = await accepted;
    try {
      const late: Array<{ name: string; at: number }> = [];
      let readAt = NaN;
      let releasedBeforeRead = false;
      await new Promise<void>((resolve) => {
        const model = createPlaybackModel(clock, (name, _cleared, isLate) => {
          if (!isLate) return;
          late.push({ name, at: clock.now() });
          resolve();
        }, 'late');
        received.once('data', () => {
          releasedBeforeRead = late.length > 0;
          readAt = clock.now();
          model.enqueue(silence(80));
        });
        // In a setImmediate: the loop's next turn begins with its timers, then reads the socket.
        setImmediate(() => {
          model.enqueue(silence(8000));
          model.mark('a');
          model.clear();
          model.enqueue(silence(80));
          model.mark('b'); // the quiet wait starts
          agent.write('more audio'); // the agent goes on: this is in our socket's buffer at once
          const stallEnd = Date.now() + LATE_ECHO_QUIET_MS + 100;
          while (Date.now() < stallEnd) {
            // our loop is blocked past the quiet wait
          }
        });
      });
      expect(releasedBeforeRead, 'the echoes went before the audio sent during the stall was read').toBe(false);
      expect(late.map((e) => e.name)).toEqual(['a']);
      // The wait restarted at that audio (a timer never fires before its time).
      expect(late[0]!.at - readAt).toBeGreaterThanOrEqual(LATE_ECHO_QUIET_MS);
    } finally {
      agent.destroy();
      received.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('echoes at once, as before, in the default mode', () => {
    const { clock, echoes, model } = setup(0);
    model.enqueue(silence(8000));
    model.mark('a');
    clock.advance(100);
    model.clear();
    expect(echoes).toEqual([{ name: 'a', cleared: true, at: 100 }]);
  });

  it('drops held echoes when the call ends', () => {
    const { clock, echoes, model } = lateSetup();
    model.enqueue(silence(8000));
    model.mark('a');
    model.clear();
    model.mark('c');
    model.dispose();
    clock.advance(10_000);
    expect(echoes.map((e) => e.name)).toEqual(['c']);
  });
});
