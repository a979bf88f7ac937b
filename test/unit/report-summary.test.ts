/**
 * summarize(): a run outcome as plain data, and the table rendered from it. Metrics with no
 * samples are left out, histograms are stored encoded and decode to the same counts, confidence
 * intervals only where there are enough samples, and the `all` row only when several scenarios
 * have the metric.
 */
import { describe, expect, it } from 'vitest';
import { METRICS, type MetricName } from '../../harness/metrics/definitions.ts';
import { decodeHistogram } from '../../harness/metrics/histogram.ts';
import { MIN_CI_SAMPLES, summarize } from '../../harness/report/summary.ts';
import { renderSummaryTable } from '../../harness/report/table.ts';
import { runOutcome as outcome } from './helpers/run-outcome.ts';

const many = (n: number, from: number): number[] => Array.from({ length: n }, (_, i) => from + i * 10);

describe('summarize', () => {
  it('summarises only metrics that have samples, overall and per scenario', () => {
    const result = summarize(
      outcome([
        { name: 'question', values: { 'turn.response_ms': many(12, 500), 'greeting.first_audio_ms': [300] } },
        { name: 'greeting', values: { 'greeting.first_audio_ms': [320] } },
      ]),
      '9.9.9',
      { resamples: 200 },
    );
    expect(Object.keys(result.metrics).sort()).toEqual(['greeting.first_audio_ms', 'turn.response_ms']);
    expect(Object.keys(result.scenarios['question']?.metrics ?? {}).sort()).toEqual(['greeting.first_audio_ms', 'turn.response_ms']);
    expect(Object.keys(result.scenarios['greeting']?.metrics ?? {})).toEqual(['greeting.first_audio_ms']);
    // Counts and maxima exact; minima within HDR's precision (0.1%).
    expect(result.metrics['greeting.first_audio_ms']).toMatchObject({ count: 2, max: 320 });
    expect(result.metrics['greeting.first_audio_ms']?.min).toBeCloseTo(300, -0.5);
    expect(result.metrics['turn.response_ms']).toMatchObject({ count: 12, max: 610 });
    expect(result.metrics['turn.response_ms']?.min).toBeCloseTo(500, -0.5);
    expect(result.callbench).toEqual({ version: '9.9.9' });
    expect(result.durationMs).toBe(1235);
    expect(result.pacing.framesSent).toBe(321);
    expect(result.statistics).toMatchObject({ resamples: 200, seed: 7 });
  });

  it('stores an encoded histogram per metric with samples, decoding to the same counts', () => {
    const result = summarize(outcome([{ name: 'question', values: { 'turn.response_ms': [100, 200, 300], 'turn.first_media_ms': [50] } }]), '0.0.0', { resamples: 50 });
    expect(Object.keys(result.histograms).sort()).toEqual(['turn.first_media_ms', 'turn.response_ms']);
    const decoded = decodeHistogram(result.histograms['turn.response_ms'] ?? '');
    expect(decoded.count).toBe(3);
    expect(decoded.summary().p99).toBeCloseTo(300, -0.5);
    expect(decoded.summary().min).toBeCloseTo(100, -0.5);
  });

  it(`adds bootstrap intervals from ${MIN_CI_SAMPLES} samples up, inside the range of the samples, the same for the same seed`, () => {
    const run = outcome([
      { name: 'enough', values: { 'turn.response_ms': many(MIN_CI_SAMPLES, 400) } },
      { name: 'few', values: { 'turn.response_ms': many(MIN_CI_SAMPLES - 1, 400) } },
    ]);
    const result = summarize(run, '0.0.0', { resamples: 300 });
    expect(result.scenarios['few']?.metrics['turn.response_ms']?.ci).toBeUndefined();
    const ci = result.scenarios['enough']?.metrics['turn.response_ms']?.ci;
    expect(ci).toBeDefined();
    const max = 400 + (MIN_CI_SAMPLES - 1) * 10;
    for (const [lo, hi] of [ci?.p50 ?? [NaN, NaN], ci?.p95 ?? [NaN, NaN]]) {
      expect(lo).toBeGreaterThanOrEqual(400);
      expect(hi).toBeLessThanOrEqual(max);
      expect(lo).toBeLessThanOrEqual(hi);
    }
    expect(result.metrics['turn.response_ms']?.ci).toBeDefined();
    expect(summarize(run, '0.0.0', { resamples: 300 }).scenarios['enough']?.metrics['turn.response_ms']?.ci).toEqual(ci);
  });

  it('sums warm-up failures over scenarios and carries the per-scenario counts', () => {
    const result = summarize(
      outcome([
        { name: 'a', values: {}, extra: { warmupFailedCalls: 1, warmupCalls: 2, failedCalls: 1, unansweredTurns: 2, errors: ['boom'] } },
        { name: 'b', values: {}, extra: { warmupFailedCalls: 2, warmupCalls: 2 } },
      ]),
      '0.0.0',
      { resamples: 10 },
    );
    expect(result.warmup.failedCalls).toBe(3);
    expect(result.scenarios['a']).toMatchObject({ failedCalls: 1, unansweredTurns: 2, errors: ['boom'], warmupCalls: 2, turns: { reply: 1, 'barge-in': 0, 'talk-over': 0 } });
  });

  it('describes the open model with drops by reason and their total', () => {
    const result = summarize(
      outcome([{ name: 'a', values: {} }], {
        plan: { model: 'open', ratePerSec: 2, durationMs: 10_000, maxInFlight: 5, lateBoundMs: 1000 },
        started: 16,
        scheduled: 20,
        dropped: { late: 1, 'max-in-flight': 3 },
      }),
      '0.0.0',
      { resamples: 10 },
    );
    expect(result.load).toEqual({
      model: 'open',
      label: 'open model',
      arrivalRate: 2,
      durationMs: 10_000,
      maxCallsInFlight: 5,
      lateBoundMs: 1000,
      scheduled: 20,
      started: 16,
      dropped: { total: 4, late: 1, maxInFlight: 3 },
    });
  });
});

describe('summarize, then renderSummaryTable', () => {
  const describeMetric = (metric: string): string => METRICS[metric as MetricName] ?? metric;

  it('one scenario: a row for it and no `all`; starred percentiles for 3 samples', () => {
    const text = renderSummaryTable(summarize(outcome([{ name: 'question', values: { 'turn.response_ms': [100, 200, 300] } }]), '0.0.0', { resamples: 10 }), describeMetric);
    const block = text.split('\n\n').find((b) => b.startsWith('turn.response_ms'));
    const rows = block?.split('\n').slice(2).map((l) => l.trim().split(/\s{2,}/)) ?? [];
    expect(rows.map((r) => r[0])).toEqual(['question']);
    expect(rows[0]?.slice(1, 7)).toEqual(['3', '200', '300*', '300*', '300*', '300']);
  });

  it('two scenarios: a row each and `all` with the merged count', () => {
    const text = renderSummaryTable(
      summarize(
        outcome([
          { name: 'question', values: { 'turn.response_ms': many(10, 100) } },
          { name: 'long-answer', values: { 'turn.response_ms': many(10, 1000) } },
        ]),
        '0.0.0',
        { resamples: 10 },
      ),
      describeMetric,
    );
    const block = text.split('\n\n').find((b) => b.startsWith('turn.response_ms'));
    const rows = block?.split('\n').slice(2).map((l) => l.trim().split(/\s{2,}/)) ?? [];
    expect(rows.map((r) => [r[0], r[1]])).toEqual([
      ['question', '10'],
      ['long-answer', '10'],
      ['all', '20'],
    ]);
    // n = 20 supports p90 and p95, not p99.
    const all = rows[2] ?? [];
    expect(all[3]?.endsWith('*')).toBe(false);
    expect(all[4]?.endsWith('*')).toBe(false);
    expect(all[5]?.endsWith('*')).toBe(true);
  });
});
