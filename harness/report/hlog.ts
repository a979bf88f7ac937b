/**
 * histograms.hlog: the run's latency histograms in HdrHistogram's log format v1.3, the text that
 * HdrHistogram's HistogramLogWriter writes and its HistogramLogReader (Java, hdr-histogram-js,
 * HdrHistogram_py, hdrhistogram-go) and tools such as HistogramLogAnalyzer read:
 *
 *   #[Histogram log format version 1.3]
 *   #[StartTime: 1748779200.000 (seconds since epoch), Sun, 01 Jun 2025 12:00:00 GMT]
 *   #[BaseTime: 1748779200.000 (seconds since epoch)]
 *   "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
 *   Tag=turn.response_ms/greeting,0.000,5.000,1311.000,HISTFAAAAC...
 *
 * One line per metric × scenario with samples in each interval (report-collector.ts: the stretch
 * between two of the run's `interval` events; a call's samples go in the interval it ended in).
 * Values are integer microseconds, as recorded (harness/metrics/histogram.ts); Interval_Max is in
 * ms (the writer's maxValueUnitRatio of 1000). Timestamps are seconds after the first call
 * started. Adding a metric's lines over every tag and interval gives the run's histogram of it.
 * Pure.
 */
import type { HistogramInterval } from './report-collector.ts';

export interface HlogInput {
  /** The run's wall-clock start (ISO 8601): the log's StartTime. */
  startedAt: string;
  version: string;
  intervals: readonly HistogramInterval[];
}

export const HLOG_LEGEND = '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"';

/** `%.3f`, as the Java writer formats every number of a line. */
const fixed3 = (value: number): string => value.toFixed(3);

/** A tag may hold no comma or white space (the readers split lines on them). */
export function hlogTag(metric: string, scenario: string): string {
  return `${metric}/${scenario}`.replace(/[,\s]/g, '_');
}

export function renderHistogramLog(input: HlogInput): string {
  const startMs = Date.parse(input.startedAt);
  const start = Number.isFinite(startMs) ? startMs : 0;
  const lines = [
    '#[Histogram log format version 1.3]',
    `#[StartTime: ${fixed3(start / 1000)} (seconds since epoch), ${new Date(start).toUTCString()}]`,
    `#[BaseTime: ${fixed3(start / 1000)} (seconds since epoch)]`,
    `#[callbench ${input.version}: one histogram per metric and scenario (Tag=<metric>/<scenario>) per interval; values in microseconds, Interval_Max in ms]`,
    '#[Timestamps are seconds after the first call started (StartTime is the run start, before the mocks and the agent started); an interval holds the samples of the calls that ended in it]',
    HLOG_LEGEND,
  ];
  for (const interval of input.intervals) {
    const at = fixed3(interval.startMs / 1000);
    const length = fixed3((interval.endMs - interval.startMs) / 1000);
    for (const { metric, scenario, histogram } of interval.histograms) {
      lines.push(`Tag=${hlogTag(metric, scenario)},${at},${length},${fixed3(histogram.raw.maxValue / 1000)},${histogram.encode()}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
