/** Energy VAD on synthetic signals whose voiced edges are known to the sample. */
import { describe, expect, it } from 'vitest';
import { createStreamingVad, DEFAULT_VAD, findVoicedSpans, firstAudibleMs, lastAudibleEndMs, levelDb, type VadWindow } from '../../harness/audio/index.ts';

const RATE = 8000;

/** A deterministic uniform noise generator (LCG) so failures reproduce. */
function noise(length: number, amplitude: number, seed = 1): Int16Array {
  const out = new Int16Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = Math.round((state / 2 ** 32 - 0.5) * 2 * amplitude);
  }
  return out;
}

/** Adds a tone burst over [from, to) samples; the phase keeps the first and last samples well above zero. */
function addBurst(signal: Int16Array, from: number, to: number, amplitude = 10000, frequency = 440): Int16Array {
  for (let i = from; i < to; i++) {
    const v = (signal[i] ?? 0) + amplitude * Math.sin((2 * Math.PI * frequency * (i - from)) / RATE + Math.PI / 2);
    signal[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return signal;
}

const ms = (samples: number): number => (samples * 1000) / RATE;
/** -60 dBFS RMS noise: uniform noise of amplitude A has RMS A/sqrt(3). */
const LOW_NOISE = Math.round(32768 * 10 ** (-60 / 20) * Math.sqrt(3));

function expectSpans(actual: Array<{ startMs: number; endMs: number }>, expected: Array<[number, number]>, toleranceMs = 1): void {
  expect(actual.map((s) => [s.startMs, s.endMs])).toHaveLength(expected.length);
  expected.forEach(([start, end], i) => {
    expect(Math.abs((actual[i]?.startMs ?? NaN) - start), `span ${i} start ${actual[i]?.startMs} vs ${start}`).toBeLessThanOrEqual(toleranceMs);
    expect(Math.abs((actual[i]?.endMs ?? NaN) - end), `span ${i} end ${actual[i]?.endMs} vs ${end}`).toBeLessThanOrEqual(toleranceMs);
  });
}

describe('levelDb', () => {
  it('measures RMS in dBFS', () => {
    expect(levelDb(new Int16Array(80).fill(16384))).toBeCloseTo(-6.02, 2);
    expect(levelDb(Int16Array.from({ length: 800 }, (_, i) => (i % 2 === 0 ? 3277 : -3277)))).toBeCloseTo(-20, 1);
    expect(levelDb(new Int16Array(80))).toBe(-Infinity);
    expect(levelDb(new Int16Array(0))).toBe(-Infinity);
  });

  it('measures only the given range', () => {
    const s = new Int16Array(160);
    s.fill(16384, 80);
    expect(levelDb(s, 0, 80)).toBe(-Infinity);
    expect(levelDb(s, 80, 160)).toBeCloseTo(-6.02, 2);
  });
});

describe('findVoicedSpans', () => {
  it('finds a tone burst in digital silence to within 1 ms, at edges off the window grid', () => {
    const signal = addBurst(new Int16Array(RATE * 2), 1237, 6003);
    expectSpans(findVoicedSpans(signal, RATE), [[ms(1237), ms(6003)]]);
  });

  it('keeps the edges sample-accurate for a quiet burst that covers only part of its first and last window', () => {
    // -35 dBFS RMS: the 10-sample slivers in the edge windows measure about -44 dBFS on their own.
    const quiet = 32768 * 10 ** (-35 / 20) * Math.SQRT2;
    const signal = addBurst(new Int16Array(RATE * 2), 4070, 8010, quiet);
    expectSpans(findVoicedSpans(signal, RATE), [[ms(4070), ms(8010)]], 0.25);
  });

  it('finds two separated bursts in low noise, each to within 1 ms', () => {
    const signal = addBurst(addBurst(noise(RATE * 3, LOW_NOISE), 2001, 5555), 11117, 19999, 6000, 300);
    expectSpans(findVoicedSpans(signal, RATE), [
      [ms(2001), ms(5555)],
      [ms(11117), ms(19999)],
    ]);
  });

  it('finds nothing in digital silence or in low noise', () => {
    expect(findVoicedSpans(new Int16Array(RATE), RATE)).toEqual([]);
    expect(findVoicedSpans(noise(RATE * 2, LOW_NOISE), RATE)).toEqual([]);
  });

  it('applies the level threshold: -50 dBFS is silence, -30 dBFS is voice', () => {
    const amplitude = (db: number): number => 32768 * 10 ** (db / 20) * Math.SQRT2;
    expect(findVoicedSpans(addBurst(new Int16Array(RATE), 800, 4000, amplitude(-50)), RATE)).toEqual([]);
    expectSpans(findVoicedSpans(addBurst(new Int16Array(RATE), 800, 4000, amplitude(-30)), RATE), [[100, 500]]);
    // The threshold is an option.
    expectSpans(findVoicedSpans(addBurst(new Int16Array(RATE), 800, 4000, amplitude(-50)), RATE, { thresholdDb: -55 }), [[100, 500]]);
  });

  it('merges bursts whose gap is shorter than mergeGapMs and splits those whose gap is longer', () => {
    // Window-aligned bursts (10 ms windows = 80 samples) so the gap is exact.
    const withGap = (gapMs: number): Int16Array => {
      const start2 = 8000 + gapMs * 8;
      return addBurst(addBurst(new Int16Array(start2 + 8000 + 4000), 4000, 8000), start2, start2 + 8000);
    };
    expectSpans(findVoicedSpans(withGap(280), RATE), [[500, 1000 + 280 + 1000]]);
    expectSpans(findVoicedSpans(withGap(320), RATE), [
      [500, 1000],
      [1000 + 320, 1000 + 320 + 1000],
    ]);
    // A smaller merge gap splits the 280 ms pause; a larger one joins the 320 ms pause.
    expect(findVoicedSpans(withGap(280), RATE, { mergeGapMs: 200 })).toHaveLength(2);
    expect(findVoicedSpans(withGap(320), RATE, { mergeGapMs: 400 })).toHaveLength(1);
  });

  it('ignores clicks shorter than minSpeechMs but keeps short words', () => {
    const click = addBurst(new Int16Array(RATE), 4000, 4000 + 20 * 8);
    expect(findVoicedSpans(click, RATE)).toEqual([]);
    const word = addBurst(new Int16Array(RATE), 4000, 4000 + 60 * 8);
    expectSpans(findVoicedSpans(word, RATE), [[500, 560]]);
    expect(findVoicedSpans(word, RATE, { minSpeechMs: 100 })).toEqual([]);
  });

  it('reports a burst that runs to the end of the audio', () => {
    const signal = addBurst(new Int16Array(4321), 1000, 4321);
    expectSpans(findVoicedSpans(signal, RATE), [[ms(1000), ms(4321)]]);
  });

  it('uses the sample rate it is given', () => {
    const signal = addBurst(new Int16Array(16000), 3203, 9001);
    expectSpans(findVoicedSpans(signal, 16000), [[(3203 * 1000) / 16000, (9001 * 1000) / 16000]]);
  });
});

describe('firstAudibleMs / lastAudibleEndMs', () => {
  it('find the first and just past the last audible sample', () => {
    const signal = addBurst(noise(RATE * 2, LOW_NOISE), 3333, 9876);
    expect(Math.abs((firstAudibleMs(signal, RATE) ?? NaN) - ms(3333))).toBeLessThanOrEqual(1);
    expect(Math.abs((lastAudibleEndMs(signal, RATE) ?? NaN) - ms(9876))).toBeLessThanOrEqual(1);
  });

  it('span several bursts: the first onset and the last offset', () => {
    const signal = addBurst(addBurst(new Int16Array(RATE * 2), 800, 1600), 12000, 12800);
    expect(Math.abs((firstAudibleMs(signal, RATE) ?? NaN) - 100)).toBeLessThanOrEqual(1);
    expect(Math.abs((lastAudibleEndMs(signal, RATE) ?? NaN) - 1600)).toBeLessThanOrEqual(1);
  });

  it('stay sample-accurate when a quiet onset or offset only grazes a window', () => {
    const quiet = 32768 * 10 ** (-35 / 20) * Math.SQRT2;
    const signal = addBurst(new Int16Array(RATE * 2), 4070, 8010, quiet);
    expect(Math.abs((firstAudibleMs(signal, RATE) ?? NaN) - ms(4070))).toBeLessThanOrEqual(0.25);
    expect(Math.abs((lastAudibleEndMs(signal, RATE) ?? NaN) - ms(8010))).toBeLessThanOrEqual(0.25);
  });

  it('see even a 2 ms blip (no minimum duration)', () => {
    const signal = addBurst(new Int16Array(RATE), 4001, 4017);
    expect(Math.abs((firstAudibleMs(signal, RATE) ?? NaN) - ms(4001))).toBeLessThanOrEqual(1);
    expect(Math.abs((lastAudibleEndMs(signal, RATE) ?? NaN) - ms(4017))).toBeLessThanOrEqual(1);
  });

  it('return undefined when nothing is audible', () => {
    expect(firstAudibleMs(noise(RATE, LOW_NOISE), RATE)).toBeUndefined();
    expect(lastAudibleEndMs(noise(RATE, LOW_NOISE), RATE)).toBeUndefined();
    expect(firstAudibleMs(new Int16Array(0), RATE)).toBeUndefined();
  });
});

describe('createStreamingVad', () => {
  const signal = addBurst(addBurst(noise(RATE * 2, LOW_NOISE, 7), 1237, 6003), 9000, 12345, 3000, 200);

  function run(chunkSizes: number[]): { windows: VadWindow[]; positions: number[] } {
    const vad = createStreamingVad(RATE);
    const windows: VadWindow[] = [];
    const positions: number[] = [];
    let offset = 0;
    let k = 0;
    while (offset < signal.length) {
      const size = chunkSizes[k++ % chunkSizes.length] ?? 1;
      const chunk = signal.subarray(offset, offset + size);
      windows.push(...vad.push(chunk));
      offset += chunk.length;
      positions.push(vad.positionMs);
    }
    return { windows, positions };
  }

  it('gives the same windows whatever the chunk sizes', () => {
    const reference = run([signal.length]).windows;
    expect(reference).toHaveLength(Math.floor(signal.length / 80));
    for (const sizes of [[1], [7], [80], [160], [333], [1, 159, 17, 400]]) {
      expect(run(sizes).windows, `chunks ${sizes.join(',')}`).toEqual(reference);
    }
  });

  it('emits contiguous 10 ms windows whose level and voicing match the offline measure', () => {
    const { windows } = run([160]);
    windows.forEach((w, i) => {
      expect(w.startMs).toBe(i * 10);
      expect(w.endMs).toBe(i * 10 + 10);
      const db = levelDb(signal, i * 80, i * 80 + 80);
      expect(w.db).toBeCloseTo(db, 9);
      expect(w.voiced).toBe(db >= DEFAULT_VAD.thresholdDb);
    });
  });

  it('marks voiced exactly the windows the bursts touch', () => {
    const voiced = run([160]).windows.filter((w) => w.voiced);
    expect(voiced[0]?.startMs).toBe(150); // burst from 154.6 ms
    expect(voiced.find((w) => w.startMs >= 800)?.startMs).toBe(1120); // second burst from 1125 ms
    expect(voiced[voiced.length - 1]?.endMs).toBe(1550); // ends at 1543.1 ms
    expect(voiced.filter((w) => w.startMs >= 760 && w.endMs <= 1120)).toEqual([]);
  });

  it('tracks its position in the stream, partial windows included', () => {
    const vad = createStreamingVad(RATE);
    expect(vad.positionMs).toBe(0);
    expect(vad.push(new Int16Array(100))).toHaveLength(1);
    expect(vad.positionMs).toBe(12.5);
    expect(vad.push(new Int16Array(60))).toHaveLength(1);
    expect(vad.positionMs).toBe(20);
  });

  it('honours thresholdDb and windowMs', () => {
    const vad = createStreamingVad(RATE, { windowMs: 20, thresholdDb: -15 });
    const windows = vad.push(signal.subarray(0, 1600));
    expect(windows).toHaveLength(10);
    expect(windows[1]).toMatchObject({ startMs: 20, endMs: 40 });
    // The first burst is at -13.3 dBFS RMS (10000 peak): voiced at -15, not at -10.
    expect(windows.some((w) => w.voiced)).toBe(true);
    const strict = createStreamingVad(RATE, { thresholdDb: -10 }).push(signal.subarray(0, 1600));
    expect(strict.some((w) => w.voiced)).toBe(false);
  });
});
