/**
 * The terminal summary table: a `*` on every percentile the sample count cannot support (p90
 * needs n ≥ 10, p95 n ≥ 20, p99 n ≥ 100), a row per scenario plus `all` only when several
 * scenarios have the metric, stage metrics in one table of their own.
 */
import { describe, expect, it } from 'vitest';
import type { LatencySummary } from '../../harness/metrics/histogram.ts';
import type { LoadSummary, MetricSummary, RunSummary } from '../../harness/report/summary.ts';
import { describeLoad, renderSummaryTable } from '../../harness/report/table.ts';
import { summarizeChecks } from '../../harness/checks/summary.ts';

const PACING: LatencySummary = { count: 500, min: 0, p50: 0.25, p90: 0.5, p95: 0.75, p99: 1.25, max: 3, mean: 0.3 };
const CLOSED: LoadSummary = { model: 'closed', label: 'closed model', concurrency: 2, callsPerScenario: 1, started: 2 };

/** A metric summary whose values are easy to spot: p50 = base + 10 … max = base + 50. */
function metric(count: number, base = 100, ci?: MetricSummary['ci']): MetricSummary {
  return { count, min: base, p50: base + 10, p90: base + 20, p95: base + 30, p99: base + 40, max: base + 50, mean: base + 12, ...(ci === undefined ? {} : { ci }) };
}

type ScenarioMetrics = Record<string, Record<string, MetricSummary>>;

function summary(scenarios: ScenarioMetrics, all: Record<string, MetricSummary>, extra: Partial<RunSummary> = {}): RunSummary {
  return {
    callbench: { version: '0.1.0' },
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 1000,
    profile: 'reference',
    seed: 1,
    agent: 'reference',
    load: CLOSED,
    warmup: { calls: 0, failedCalls: 0 },
    statistics: { ci: 'percentile bootstrap', level: 0.95, resamples: 1000, seed: 1, minSamples: 10 },
    metrics: all,
    scenarios: Object.fromEntries(
      Object.entries(scenarios).map(([name, metrics]) => [
        name,
        { calls: 1, failedCalls: 0, droppedCalls: 0, warmupCalls: 0, unansweredTurns: 0, turns: {}, greetings: { stream: 1, twiml: 0 }, errors: [], metrics, checks: summarizeChecks([]) },
      ]),
    ),
    pacing: { framesLateMs: PACING, framesSent: 500 },
    eventLoop: null,
    warnings: [],
    checks: summarizeChecks([]),
    attribution: null,
    refusals: [],
    twimlNotes: [],
    histograms: {},
    ...extra,
  };
}

const describeMetric = (name: string): string => `about ${name}`;

/** The rows of the table under the `title` line, as label → cells (n, p50, p90, p95, p99, max, p50 CI, p95 CI). */
function tableRows(text: string, title: string): Map<string, string[]> {
  const block = text.split('\n\n').find((b) => b.startsWith(title));
  if (block === undefined) throw new Error(`no block titled ${title} in:\n${text}`);
  const [, header, ...rows] = block.split('\n');
  expect(header?.trim().split(/\s{2,}/)).toEqual(['n', 'p50', 'p90', 'p95', 'p99', 'max', 'p50 CI', 'p95 CI']);
  return new Map(rows.map((row) => {
    const cells = row.trim().split(/\s{2,}/);
    return [cells[0] ?? '', cells.slice(1)];
  }));
}

function rowLabels(text: string, title: string): string[] {
  return [...tableRows(text, title).keys()];
}

const FOOTNOTE = '* fewer samples than this percentile needs';

describe('renderSummaryTable: the * marker', () => {
  it.each([
    [1, ['120*', '130*', '140*']],
    [9, ['120*', '130*', '140*']],
    [10, ['120', '130*', '140*']],
    [19, ['120', '130*', '140*']],
    [20, ['120', '130', '140*']],
    [99, ['120', '130', '140*']],
    [100, ['120', '130', '140']],
  ])('n = %i marks p90/p95/p99 as %j; p50 and max never', (count, expected) => {
    const text = renderSummaryTable(summary({ greeting: { 'turn.response_ms': metric(count) } }, { 'turn.response_ms': metric(count) }), describeMetric);
    const cells = tableRows(text, 'turn.response_ms')?.get('greeting');
    expect(cells?.slice(0, 6)).toEqual([String(count), '110', ...expected, '150']);
    expect(text.includes(FOOTNOTE)).toBe(count < 100);
  });

  it('marks the p95 confidence interval when n < 20, never the p50 one', () => {
    const ci = { p50: [101.4, 118.6] as [number, number], p95: [120, 149.5] as [number, number] };
    const few = tableRows(renderSummaryTable(summary({ s: { 'turn.response_ms': metric(19, 100, ci) } }, { 'turn.response_ms': metric(19, 100, ci) }), describeMetric), 'turn.response_ms');
    expect(few.get('s')?.slice(6)).toEqual(['101–119', '120–150*']);
    const enough = tableRows(renderSummaryTable(summary({ s: { 'turn.response_ms': metric(20, 100, ci) } }, { 'turn.response_ms': metric(20, 100, ci) }), describeMetric), 'turn.response_ms');
    expect(enough.get('s')?.slice(6)).toEqual(['101–119', '120–150']);
  });

  it('shows - for a missing confidence interval', () => {
    const rows = tableRows(renderSummaryTable(summary({ s: { 'turn.response_ms': metric(1) } }, { 'turn.response_ms': metric(1) }), describeMetric), 'turn.response_ms');
    expect(rows.get('s')?.slice(6)).toEqual(['-', '-']);
  });
});

describe('renderSummaryTable: rows', () => {
  it('has one row per scenario and no `all` row when there is one scenario', () => {
    const text = renderSummaryTable(summary({ greeting: { 'greeting.first_audio_ms': metric(5) } }, { 'greeting.first_audio_ms': metric(5) }), describeMetric);
    expect(rowLabels(text, 'greeting.first_audio_ms')).toEqual(['greeting']);
    expect(text).toContain('greeting.first_audio_ms  (about greeting.first_audio_ms)');
  });

  it('adds an `all` row, last, from the run-wide summary when several scenarios have the metric', () => {
    const text = renderSummaryTable(
      summary(
        { question: { 'turn.response_ms': metric(12, 100) }, 'long-answer': { 'turn.response_ms': metric(30, 300) } },
        { 'turn.response_ms': metric(42, 200) },
      ),
      describeMetric,
    );
    const rows = tableRows(text, 'turn.response_ms');
    expect([...rows.keys()]).toEqual(['question', 'long-answer', 'all']);
    expect(rows.get('question')?.slice(0, 6)).toEqual(['12', '110', '120', '130*', '140*', '150']);
    expect(rows.get('long-answer')?.slice(0, 6)).toEqual(['30', '310', '320', '330', '340*', '350']);
    expect(rows.get('all')?.slice(0, 6)).toEqual(['42', '210', '220', '230', '240*', '250']);
  });

  it('leaves `all` out of a metric only one of several scenarios has', () => {
    const text = renderSummaryTable(
      summary(
        { greeting: { 'greeting.first_audio_ms': metric(3) }, question: { 'greeting.first_audio_ms': metric(4), 'turn.response_ms': metric(4) } },
        { 'greeting.first_audio_ms': metric(7), 'turn.response_ms': metric(4) },
      ),
      describeMetric,
    );
    expect(rowLabels(text, 'greeting.first_audio_ms')).toEqual(['greeting', 'question', 'all']);
    expect(rowLabels(text, 'turn.response_ms')).toEqual(['question']);
  });

  it('puts stage metrics in one table of their own, from the run-wide summaries', () => {
    const text = renderSummaryTable(
      summary({ s: { 'turn.response_ms': metric(1), 'llm.ttft_ms': metric(1) } }, { 'turn.response_ms': metric(1), 'llm.ttft_ms': metric(25, 250), 'tts.ttfb_ms': metric(100, 150) }),
      describeMetric,
    );
    const block = text.split('\n\n').find((b) => b.startsWith('Where the reply time went'));
    expect(block).toBeDefined();
    const lines = block?.split('\n') ?? [];
    expect(lines[1]?.trim().split(/\s{2,}/)[0]).toBe('stage (all scenarios)');
    const rows = new Map(lines.slice(2).map((l) => {
      const cells = l.trim().split(/\s{2,}/);
      return [cells[0], cells.slice(1, 7)];
    }));
    expect(rows).toEqual(
      new Map([
        ['llm.ttft_ms', ['25', '260', '270', '280', '290*', '300']],
        ['tts.ttfb_ms', ['100', '160', '170', '180', '190', '200']],
      ]),
    );
    expect(text).not.toContain('llm.ttft_ms  (about');
  });

  it('says so when no sample was recorded', () => {
    const text = renderSummaryTable(summary({ s: {} }, {}), describeMetric);
    expect(text).toContain('No latency samples were recorded.');
    expect(text).not.toContain(FOOTNOTE);
  });

  it('lists failed, dropped and unanswered calls per scenario with the first three errors', () => {
    const base = summary({ question: { 'turn.response_ms': metric(1) } }, { 'turn.response_ms': metric(1) });
    const scenario = base.scenarios['question'];
    if (scenario === undefined) throw new Error('no scenario');
    Object.assign(scenario, { calls: 5, failedCalls: 2, droppedCalls: 1, unansweredTurns: 3, errors: ['e1', 'e2', 'e3', 'e4'] });
    const text = renderSummaryTable(base, describeMetric);
    expect(text).toContain('question: 2 of 5 calls failed\nquestion: 1 due call(s) dropped (not started)\nquestion: 3 caller turns got no audible reply\n  e1\n  e2\n  e3');
    expect(text).not.toContain('e4');
  });

  it('ends with the pacing line and the bootstrap settings', () => {
    const text = renderSummaryTable(summary({ s: { 'turn.response_ms': metric(100) } }, { 'turn.response_ms': metric(100) }), describeMetric);
    const last = text.split('\n\n').at(-1) ?? '';
    expect(last.startsWith('All times in ms. Caller frame pacing: p50 0.25 ms, p99 1.25 ms, max 3.0 ms late over 500 frames.')).toBe(true);
    expect(last).toContain('p50 CI / p95 CI: 95% bootstrap intervals (1000 resamples, seed 1');
  });
});

describe('describeLoad', () => {
  it('describes a closed model by count, with warm-up calls', () => {
    expect(describeLoad(CLOSED, 3)).toBe(
      'Load: closed model (a new call starts when one ends; hides queueing), 1 call(s) per scenario, concurrency 2: 2 call(s); 3 warm-up call(s) excluded from the statistics.',
    );
  });

  it('describes a closed model by duration', () => {
    expect(describeLoad({ model: 'closed', label: 'closed model', concurrency: 4, durationMs: 90_000, started: 17 }, 0)).toBe(
      'Load: closed model (a new call starts when one ends; hides queueing), calls started for 90 s, concurrency 4: 17 call(s).',
    );
  });

  it('describes an open model with its drops by reason', () => {
    const open: LoadSummary = {
      model: 'open',
      label: 'open model',
      arrivalRate: 2.5,
      durationMs: 1500,
      maxCallsInFlight: 10,
      lateBoundMs: 1000,
      scheduled: 4,
      started: 1,
      dropped: { total: 3, late: 1, maxInFlight: 2 },
    };
    expect(describeLoad(open, 0)).toBe(
      'Load: open model, 2.5 call(s)/s for 1.5 s: 4 due, 1 started, 3 dropped (1 started > 1000 ms late, 2 at the limit of 10 in flight).',
    );
  });
});
