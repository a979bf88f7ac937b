/**
 * Energy voice-activity detection on 16-bit PCM: fixed windows, an absolute level threshold in
 * dBFS, and sample-accurate edges. Used offline (fixtures, the caller's ground truth) and on
 * streams (the mocks' endpointing).
 */

export interface VadOptions {
  /** Window level (RMS, dBFS) at or above which a window counts as voiced. */
  thresholdDb: number;
  /** Window length in ms. */
  windowMs: number;
  /** Voiced runs shorter than this are ignored as clicks. */
  minSpeechMs: number;
  /** Silent gaps shorter than this inside speech do not split a span. */
  mergeGapMs: number;
}

export const DEFAULT_VAD: VadOptions = { thresholdDb: -40, windowMs: 10, minSpeechMs: 40, mergeGapMs: 300 };

/** A voiced span in ms from the start of the audio: first to last voiced sample, inclusive-exclusive. */
export interface VoicedSpan {
  startMs: number;
  endMs: number;
}

/** RMS level of samples in dBFS (full scale = 32768); -Infinity for digital silence. */
export function levelDb(samples: Int16Array, from = 0, to = samples.length): number {
  if (to <= from) return -Infinity;
  let sum = 0;
  for (let i = from; i < to; i++) {
    const s = samples[i] ?? 0;
    sum += s * s;
  }
  const rms = Math.sqrt(sum / (to - from));
  return rms === 0 ? -Infinity : 20 * Math.log10(rms / 32768);
}

/** Amplitude a single sample must reach to mark the exact edge of a voiced window. */
function edgeAmplitude(thresholdDb: number): number {
  return 32768 * 10 ** (thresholdDb / 20);
}

/** Finds voiced spans in a whole recording. */
export function findVoicedSpans(samples: Int16Array, sampleRate: number, options: Partial<VadOptions> = {}): VoicedSpan[] {
  const opts = { ...DEFAULT_VAD, ...options };
  const win = Math.max(1, Math.round((opts.windowMs * sampleRate) / 1000));
  const edge = edgeAmplitude(opts.thresholdDb);
  const runs: Array<{ start: number; end: number }> = [];
  let runStart = -1;
  for (let w = 0; w * win < samples.length; w++) {
    const from = w * win;
    const to = Math.min(samples.length, from + win);
    const voiced = levelDb(samples, from, to) >= opts.thresholdDb;
    if (voiced && runStart < 0) runStart = from;
    if (!voiced && runStart >= 0) {
      runs.push({ start: runStart, end: from });
      runStart = -1;
    }
  }
  if (runStart >= 0) runs.push({ start: runStart, end: samples.length });

  const mergeGap = (opts.mergeGapMs * sampleRate) / 1000;
  const merged: Array<{ start: number; end: number }> = [];
  for (const run of runs) {
    const last = merged[merged.length - 1];
    if (last !== undefined && run.start - last.end < mergeGap) last.end = run.end;
    else merged.push({ ...run });
  }
  const minLen = (opts.minSpeechMs * sampleRate) / 1000;
  const kept = merged.filter((run) => run.end - run.start >= minLen);
  // Exact edges: the first and last sample at the edge amplitude. A quiet onset (or offset) can
  // begin inside the window before the run (or end inside the one after it) without lifting that
  // whole window over the threshold, so the search takes in one window either side.
  const spans: VoicedSpan[] = [];
  let previousEnd = 0;
  kept.forEach((run, k) => {
    const nextStart = kept[k + 1]?.start ?? samples.length;
    let start = Math.max(previousEnd, run.start - win);
    while (start < run.end && Math.abs(samples[start] ?? 0) < edge) start++;
    let end = Math.min(nextStart, run.end + win);
    while (end > start && Math.abs(samples[end - 1] ?? 0) < edge) end--;
    previousEnd = end;
    spans.push({ startMs: (start * 1000) / sampleRate, endMs: (end * 1000) / sampleRate });
  });
  return spans;
}

/** Offset in ms of the first audible sample in `samples`, or undefined when all of it is below the threshold. */
export function firstAudibleMs(samples: Int16Array, sampleRate: number, thresholdDb = DEFAULT_VAD.thresholdDb): number | undefined {
  const win = Math.max(1, Math.round((5 * sampleRate) / 1000));
  const edge = edgeAmplitude(thresholdDb);
  for (let from = 0; from < samples.length; from += win) {
    const to = Math.min(samples.length, from + win);
    if (levelDb(samples, from, to) >= thresholdDb) {
      // The onset may start in the window before, too quiet there to lift that window.
      let i = Math.max(0, from - win);
      while (i < to && Math.abs(samples[i] ?? 0) < edge) i++;
      return (Math.min(i, to - 1) * 1000) / sampleRate;
    }
  }
  return undefined;
}

/** Offset in ms just after the last audible sample, or undefined when nothing is audible. */
export function lastAudibleEndMs(samples: Int16Array, sampleRate: number, thresholdDb = DEFAULT_VAD.thresholdDb): number | undefined {
  const win = Math.max(1, Math.round((5 * sampleRate) / 1000));
  const edge = edgeAmplitude(thresholdDb);
  const windows = Math.ceil(samples.length / win);
  for (let w = windows - 1; w >= 0; w--) {
    const from = w * win;
    const to = Math.min(samples.length, from + win);
    if (levelDb(samples, from, to) >= thresholdDb) {
      // The offset may end in the window after, too quiet there to lift that window.
      let i = Math.min(samples.length, to + win);
      while (i > from + 1 && Math.abs(samples[i - 1] ?? 0) < edge) i--;
      return (i * 1000) / sampleRate;
    }
  }
  return undefined;
}

/** One analysed window of a stream, on the stream's own audio timebase. */
export interface VadWindow {
  startMs: number;
  endMs: number;
  voiced: boolean;
  /** RMS level of the window in dBFS. */
  db: number;
}

/** A streaming window classifier: push audio of any chunk size, get whole windows back. */
export interface StreamingVad {
  push(samples: Int16Array): VadWindow[];
  /** Milliseconds of audio pushed so far. */
  readonly positionMs: number;
}

export function createStreamingVad(sampleRate: number, options: Partial<Pick<VadOptions, 'thresholdDb' | 'windowMs'>> = {}): StreamingVad {
  const thresholdDb = options.thresholdDb ?? DEFAULT_VAD.thresholdDb;
  const win = Math.max(1, Math.round(((options.windowMs ?? DEFAULT_VAD.windowMs) * sampleRate) / 1000));
  const pending = new Int16Array(win);
  let filled = 0;
  let consumed = 0;
  return {
    get positionMs() {
      return ((consumed + filled) * 1000) / sampleRate;
    },
    push(samples) {
      const out: VadWindow[] = [];
      let offset = 0;
      while (offset < samples.length) {
        const take = Math.min(win - filled, samples.length - offset);
        pending.set(samples.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === win) {
          const db = levelDb(pending);
          out.push({
            startMs: (consumed * 1000) / sampleRate,
            endMs: ((consumed + win) * 1000) / sampleRate,
            voiced: db >= thresholdDb,
            db,
          });
          consumed += win;
          filled = 0;
        }
      }
      return out;
    },
  };
}
