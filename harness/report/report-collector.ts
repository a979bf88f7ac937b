/**
 * What the report files need of a run beyond its outcome (fold.ts), gathered as a fold over the
 * same events: the records of the measured calls (timeline, journal, verdicts, audio when kept)
 * for calls/<n>/, junit.xml and report.html, and one HDR histogram per metric × scenario for each
 * stretch between two `interval` events, for histograms.hlog.
 *
 * Memory stays bounded on long runs: the first `maxCalls` records are kept, then only those of
 * calls that failed or failed a check (up to `maxCalls` more); the others are counted. A call's
 * samples are put in the interval in which the call ended (its record is made then).
 */
import type { CheckVerdict } from '../checks/check.ts';
import { METRIC_NAMES, type MetricName } from '../metrics/definitions.ts';
import { createHistogram, type LatencyHistogram } from '../metrics/histogram.ts';
import type { CallRecord, RunEvent, RunInfo } from '../runner/events.ts';

export interface CollectedCall {
  /** 1-based, in the order the measured calls started: the `<n>` of calls/<n>/. */
  n: number;
  record: CallRecord;
  /** Verdicts decided after the record was made (upstream.closed-after-hangup). */
  lateVerdicts: CheckVerdict[];
}

export interface IntervalHistogram {
  metric: MetricName;
  scenario: string;
  histogram: LatencyHistogram;
}

/** The samples of the calls that ended between `startMs` and `endMs` (ms after the first call started). */
export interface HistogramInterval {
  startMs: number;
  endMs: number;
  /** Only the metric × scenario pairs with samples, metrics in METRIC_NAMES order. */
  histograms: IntervalHistogram[];
}

export interface ReportCollection {
  info: RunInfo | undefined;
  /** The kept records, in the order the calls started. */
  calls: CollectedCall[];
  /** Measured calls whose records were not kept (beyond `maxCalls`). */
  omittedCalls: number;
  intervals: HistogramInterval[];
}

export interface ReportCollector {
  add(event: RunEvent): void;
  collection(): ReportCollection;
}

/** Records kept in full by default (each with its timeline, journal and any audio). */
export const DEFAULT_MAX_CALLS = 100;

function failedSomehow(record: CallRecord): boolean {
  return record.state === 'failed' || record.verdicts.some((v) => v.status === 'failed');
}

export function createReportCollector(options: { maxCalls?: number } = {}): ReportCollector {
  const maxCalls = options.maxCalls ?? DEFAULT_MAX_CALLS;
  let info: RunInfo | undefined;
  const numbers = new Map<string, number>();
  const kept = new Map<string, CollectedCall>();
  let keptFailing = 0;
  let omitted = 0;
  let started = 0;
  /** Run-clock time the first call started: the hlog's time origin. */
  let origin: number | undefined;
  let lastEnd = 0;
  const intervals: HistogramInterval[] = [];
  let intervalStart = 0;
  let current = new Map<string, IntervalHistogram>();

  const closeInterval = (endMs: number): void => {
    if (current.size > 0) {
      const order = (h: IntervalHistogram): number => METRIC_NAMES.indexOf(h.metric);
      const histograms = [...current.values()].sort((a, b) => order(a) - order(b));
      intervals.push({ startMs: intervalStart, endMs: Math.max(intervalStart, endMs), histograms });
    }
    current = new Map();
    intervalStart = Math.max(intervalStart, endMs);
  };

  const record = (call: CallRecord): void => {
    for (const metric of METRIC_NAMES) {
      const values = call.samples[metric];
      if (values === undefined || values.length === 0) continue;
      const key = `${metric}\u0000${call.scenario}`;
      let entry = current.get(key);
      if (entry === undefined) {
        entry = { metric, scenario: call.scenario, histogram: createHistogram() };
        current.set(key, entry);
      }
      for (const value of values) entry.histogram.record(value);
    }
  };

  return {
    add(event) {
      switch (event.type) {
        case 'run-started':
          info = event.info;
          return;
        case 'call-started':
          origin ??= event.call.at;
          if (!event.call.warmup) numbers.set(event.call.callSid, ++started);
          return;
        case 'call-ended': {
          const call = event.call;
          const n = numbers.get(call.callSid);
          if (call.warmup || n === undefined) return;
          lastEnd = Math.max(lastEnd, call.endedAt - (origin ?? call.startedAt));
          record(call);
          if (kept.size < maxCalls) kept.set(call.callSid, { n, record: call, lateVerdicts: [] });
          else if (failedSomehow(call) && keptFailing < maxCalls) {
            keptFailing++;
            kept.set(call.callSid, { n, record: call, lateVerdicts: [] });
          } else omitted++;
          return;
        }
        case 'check-verdict':
          kept.get(event.call.callSid)?.lateVerdicts.push(event.verdict);
          return;
        case 'interval':
          closeInterval(event.elapsedMs);
          return;
        case 'run-ended':
          closeInterval(lastEnd);
          return;
        case 'call-dropped':
        case 'upstream':
        case 'event-loop':
          return;
      }
    },
    collection() {
      return { info, calls: [...kept.values()].sort((a, b) => a.n - b.n), omittedCalls: omitted, intervals: [...intervals] };
    },
  };
}
