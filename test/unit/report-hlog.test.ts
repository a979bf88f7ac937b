/**
 * The report collector folds the run's events into per-interval histograms (a call's samples in
 * the interval it ended in, warm-up and stopped calls left out) and keeps a bounded number of
 * call records; histograms.hlog writes those intervals in HdrHistogram's log format v1.3, and
 * hdr-histogram-js's own HistogramLogReader reads every line back with the same tag, timestamps,
 * counts and maximum.
 */
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { verdictOf } from '../../harness/checks/check.ts';
import { HLOG_LEGEND, hlogTag, renderHistogramLog } from '../../harness/report/hlog.ts';
import { createReportCollector } from '../../harness/report/report-collector.ts';
import type { CallRecord, RunEvent } from '../../harness/runner/events.ts';
import { callRecord, failed, runStarted } from './helpers/run-events.ts';

function started(call: CallRecord, at: number): RunEvent {
  return { type: 'call-started', call: { scenarioIndex: call.scenarioIndex, scenario: call.scenario, index: call.index, warmup: call.warmup, callSid: call.callSid, at } };
}

/** A run of five calls over two intervals: 2 greeting + 1 question in the first 5 s, 1 question after; a warm-up and a stopped call. */
function events(): RunEvent[] {
  const warm = callRecord({ callSid: 'W1', warmup: true, samples: {}, endedAt: 1500 });
  const g1 = callRecord({ callSid: 'G1', startedAt: 1000, endedAt: 3000, samples: { 'turn.response_ms': [500, 700], 'greeting.first_audio_ms': [200] } });
  const g2 = callRecord({ callSid: 'G2', index: 1, startedAt: 1000, endedAt: 4000, samples: { 'turn.response_ms': [900] } });
  const q1 = callRecord({ callSid: 'Q1', scenarioIndex: 1, scenario: 'question', startedAt: 3000, endedAt: 5500, samples: { 'turn.response_ms': [1200.5] } });
  const q2 = callRecord({ callSid: 'Q2', scenarioIndex: 1, scenario: 'question', index: 1, startedAt: 6500, endedAt: 11500, samples: { 'turn.response_ms': [1500] } });
  const stopped = callRecord({ callSid: 'S1', scenarioIndex: 1, scenario: 'question', index: 2, status: { state: 'stopped', reason: 'interrupted (SIGINT)' }, samples: {}, startedAt: 7000, endedAt: 11600 });
  return [
    runStarted(),
    started(warm, 1000),
    { type: 'call-ended', call: warm },
    started(g1, 1000),
    started(g2, 1000),
    { type: 'call-ended', call: g1 },
    started(q1, 3000),
    { type: 'call-ended', call: g2 },
    { type: 'interval', elapsedMs: 5000, done: 2, inFlight: 1, failed: 0, dropped: 0 },
    { type: 'call-ended', call: q1 },
    started(q2, 6500),
    started(stopped, 7000),
    { type: 'interval', elapsedMs: 10000, done: 3, inFlight: 2, failed: 0, dropped: 0 },
    { type: 'call-ended', call: q2 },
    { type: 'call-ended', call: stopped },
    { type: 'check-verdict', call: { ...q2, callSid: 'Q2' }, verdict: failed('upstream.closed-after-hangup', 'still open') },
    { type: 'run-ended', result: { state: 'completed', durationMs: 9000 } },
  ];
}

function collect(maxCalls?: number): ReturnType<ReturnType<typeof createReportCollector>['collection']> {
  const collector = createReportCollector(maxCalls === undefined ? {} : { maxCalls });
  for (const event of events()) collector.add(event);
  return collector.collection();
}

describe('the report collector', () => {
  it('puts each measured call’s samples in the interval it ended in', () => {
    const view = collect().intervals.map((i) => ({ startMs: i.startMs, endMs: i.endMs, h: i.histograms.map((h) => `${h.metric}/${h.scenario}:${h.histogram.count}`) }));
    expect(view).toEqual([
      // The warm-up call is measured by nothing; greeting's two calls ended in the first 5 s.
      { startMs: 0, endMs: 5000, h: ['greeting.first_audio_ms/greeting:1', 'turn.response_ms/greeting:3'] },
      { startMs: 5000, endMs: 10000, h: ['turn.response_ms/question:1'] },
      // The last stretch ends when the last call ended: 11 600 − 1000 ms after the first call started.
      { startMs: 10000, endMs: 10600, h: ['turn.response_ms/question:1'] },
    ]);
  });

  it('keeps the records of measured calls, numbered in the order they started, with their late verdicts', () => {
    const { calls, omittedCalls } = collect();
    expect(calls.map((c) => [c.n, c.record.callSid])).toEqual([
      [1, 'G1'],
      [2, 'G2'],
      [3, 'Q1'],
      [4, 'Q2'],
      [5, 'S1'],
    ]);
    expect(calls.find((c) => c.record.callSid === 'Q2')?.lateVerdicts.map((v) => v.id)).toEqual(['upstream.closed-after-hangup']);
    expect(omittedCalls).toBe(0);
  });

  it('keeps at most maxCalls records, then only failing ones, and counts the rest', () => {
    const collector = createReportCollector({ maxCalls: 2 });
    collector.add(runStarted());
    for (let i = 0; i < 6; i++) {
      const call = callRecord({ callSid: `C${i}`, index: i, verdicts: i === 4 ? [verdictOf('turn.answered', ['no reply'])] : [] });
      collector.add(started(call, i));
      collector.add({ type: 'call-ended', call });
    }
    const { calls, omittedCalls } = collector.collection();
    expect(calls.map((c) => c.record.callSid)).toEqual(['C0', 'C1', 'C4']);
    expect(omittedCalls).toBe(3);
  });
});

describe('histograms.hlog', () => {
  it('is HdrHistogram log format 1.3 that hdr-histogram-js reads back line by line with the same counts', () => {
    const { intervals } = collect();
    const text = renderHistogramLog({ startedAt: '2025-06-01T12:00:00.000Z', version: '9.9.9', intervals });
    const lines = text.split('\n');
    expect(lines[0]).toBe('#[Histogram log format version 1.3]');
    expect(lines[1]).toBe('#[StartTime: 1748779200.000 (seconds since epoch), Sun, 01 Jun 2025 12:00:00 GMT]');
    expect(lines).toContain(HLOG_LEGEND);
    expect(text.endsWith('\n')).toBe(true);
    const intervalLines = lines.filter((l) => l.startsWith('Tag='));
    expect(intervalLines).toHaveLength(4);
    expect(intervalLines[0]).toMatch(/^Tag=greeting\.first_audio_ms\/greeting,0\.000,5\.000,200\.000,HIST/);

    const expected = intervals.flatMap((i) => i.histograms.map((h) => ({ tag: hlogTag(h.metric, h.scenario), start: i.startMs, end: i.endMs, count: h.histogram.count, max: hdr.decodeFromCompressedBase64(h.histogram.encode()).maxValue })));
    // (The encoding keeps counts per bucket: a decoded maximum is the top of the bucket the true one fell in.)
    const reader = new hdr.HistogramLogReader(text);
    const read: Array<{ tag: string | undefined; start: number; end: number; count: number; max: number }> = [];
    for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
      read.push({ tag: h.tag, start: h.startTimeStampMsec, end: h.endTimeStampMsec, count: h.totalCount, max: h.maxValue });
    }
    const base = Date.parse('2025-06-01T12:00:00.000Z');
    expect(read.map((r) => ({ ...r, start: Math.round(r.start - base), end: Math.round(r.end - base) }))).toEqual(expected);
    // Adding a tag's intervals gives the run's histogram of it (values in µs: 1500 ms is 1 500 000).
    const merged = hdr.build();
    const again = new hdr.HistogramLogReader(text);
    for (let h = again.nextIntervalHistogram(); h !== null; h = again.nextIntervalHistogram()) if (h.tag === 'turn.response_ms/question') merged.add(h);
    expect(merged.totalCount).toBe(2);
    // Within HDR's 3 significant digits.
    expect(Math.abs(merged.maxValue - 1_500_000)).toBeLessThan(1_500);
    expect(hdr.listTags(text).sort()).toEqual(['greeting.first_audio_ms/greeting', 'turn.response_ms/greeting', 'turn.response_ms/question']);
  });

  it('has a header and no interval line for a run without samples', () => {
    const text = renderHistogramLog({ startedAt: '2025-06-01T12:00:00.000Z', version: '1', intervals: [] });
    expect(text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual([HLOG_LEGEND]);
    expect(new hdr.HistogramLogReader(text).nextIntervalHistogram()).toBeNull();
  });

  it('keeps commas and white space out of tags', () => {
    expect(hlogTag('turn.response_ms', 'a b,c')).toBe('turn.response_ms/a_b_c');
  });
});
