/**
 * Latency histograms: HdrHistogram (hdr-histogram-js) recording integer microseconds, summarised
 * in milliseconds. Histograms are merged by adding them, never by averaging percentiles, and are
 * stored encoded (compressed base64) so runs and shards merge without loss.
 */
import * as hdr from 'hdr-histogram-js';

/** Highest value tracked: one hour, in microseconds. */
const HIGHEST_US = 3_600_000_000;

export interface LatencyHistogram {
  /** Records one sample in ms (fractional allowed; negative values are recorded as 0). */
  record(ms: number): void;
  /** Adds every sample of `other` to this histogram. */
  add(other: LatencyHistogram): void;
  readonly count: number;
  summary(): LatencySummary;
  /** The compressed base64 form (HdrHistogram V2 encoding). */
  encode(): string;
  /** The underlying HdrHistogram, for log writers. */
  readonly raw: hdr.Histogram;
}

/** A metric's distribution in ms. `mean` is there for completeness; never report it alone. */
export interface LatencySummary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

function wrap(raw: hdr.Histogram): LatencyHistogram {
  const ms = (us: number): number => Math.round(us / 10) / 100;
  const histogram: LatencyHistogram = {
    raw,
    record(value) {
      if (!Number.isFinite(value)) throw new RangeError(`latency sample must be a finite number of ms, got ${value}`);
      raw.recordValue(Math.max(0, Math.round(value * 1000)));
    },
    add(other) {
      raw.add(other.raw);
    },
    get count() {
      return raw.totalCount;
    },
    summary() {
      if (raw.totalCount === 0) return { count: 0, min: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0, mean: 0 };
      // HDR answers a percentile with the top of its bucket; clamp to the recorded range so that
      // no percentile reads above the maximum or below the minimum.
      const max = raw.maxValue;
      const min = Math.min(raw.getValueAtPercentile(0), max);
      const at = (p: number): number => ms(Math.max(min, Math.min(max, raw.getValueAtPercentile(p))));
      return { count: raw.totalCount, min: ms(min), p50: at(50), p90: at(90), p95: at(95), p99: at(99), max: ms(max), mean: ms(raw.mean) };
    },
    encode: () => hdr.encodeIntoCompressedBase64(raw),
  };
  return histogram;
}

export function createHistogram(): LatencyHistogram {
  return wrap(hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, autoResize: true }));
}

export function decodeHistogram(encoded: string): LatencyHistogram {
  return wrap(hdr.decodeFromCompressedBase64(encoded));
}
