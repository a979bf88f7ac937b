/**
 * Targets: the seed's, shipped as scenarios/targets.json on the metrics that measure them, judged
 * over all scenarios and over each scenario with samples (a scoped target over its scenario only);
 * the terminal tables get a target column only where a target applies, ✓/✗ per row, and say which
 * targets had no samples to judge; a targets file with a problem is one InputError naming it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TARGETS_FILE, parseReportFlags } from '../../harness/cli/report-flags.ts';
import { outcomeHistograms } from '../../harness/gate/evaluate.ts';
import { parseThresholdFlag, type Threshold } from '../../harness/gate/thresholds.ts';
import { summarize } from '../../harness/report/summary.ts';
import { renderSummaryTable } from '../../harness/report/table.ts';
import { evaluateTargets, headlineTargets, targetCell } from '../../harness/report/targets.ts';
import { InputError } from '../../harness/scenario/errors.ts';
import { runOutcome } from './helpers/run-outcome.ts';

function target(text: string): Threshold {
  const parsed = parseThresholdFlag(text);
  if (!parsed.ok) throw new Error(parsed.error.expected);
  return parsed.value;
}

function judged(targets: readonly Threshold[]) {
  const outcome = runOutcome([
    { name: 'greeting', values: { 'turn.after_final_ms': [500, 600, 700], 'llm.ttft_ms': [250] } },
    { name: 'barge-in', values: { 'turn.after_final_ms': [900, 950], 'bargein.clear_ms': [150], 'llm.ttft_ms': [350, 400] } },
  ]);
  const summary = summarize(outcome, '1.0.0', { resamples: 10 });
  return { summary, results: evaluateTargets(targets, summary, outcomeHistograms(outcome)) };
}

describe('the shipped targets', () => {
  it('are the seed’s "Expected Performance After Fixes", each on the metric that measures it', async () => {
    const { targets, targetsFile, targetsGate, callAudio } = await parseReportFlags({});
    expect(targetsFile).toBe(DEFAULT_TARGETS_FILE);
    expect(targetsGate).toBe(false);
    expect(callAudio).toBe(false);
    expect(targets.map((t) => `${t.metric} ${t.expression}`)).toEqual([
      'agent.stt_to_llm_ms p(50)<=100',
      'llm.ttft_ms p(50)<=300',
      'tts.ttfb_ms p(50)<=300',
      'turn.after_final_ms p(50)<=800',
      'bargein.clear_ms p(50)<=200',
    ]);
  });
});

describe('evaluateTargets', () => {
  it('judges a target over all scenarios and over each scenario that has its metric', () => {
    const { results } = judged([target('turn.after_final_ms: p(50)<=800'), target('bargein.clear_ms: p(50)<=200')]);
    expect(results.map((r) => [r.metric, r.scenario ?? 'all', r.observed === null ? null : Math.round(r.observed), r.ok])).toEqual([
      ['turn.after_final_ms', 'all', 700, true],
      ['turn.after_final_ms', 'greeting', 600, true],
      ['turn.after_final_ms', 'barge-in', 900, false],
      ['bargein.clear_ms', 'all', 150, true],
      ['bargein.clear_ms', 'barge-in', 150, true],
    ]);
  });

  it('judges a scoped target over its scenario only, and a metric with no samples as missed', () => {
    const { results } = judged([target('llm.ttft_ms{scenario:greeting}: p(50)<=300'), target('tts.ttfb_ms: p(50)<=300')]);
    expect(results.map((r) => [r.metric, r.scenario ?? 'all', r.observed === null ? null : Math.round(r.observed), r.ok])).toEqual([
      ['llm.ttft_ms', 'greeting', 250, true],
      ['tts.ttfb_ms', 'all', null, false],
    ]);
    expect(targetCell(results.slice(1))).toBe('✗ p(50)<=300 (no samples)');
    expect(headlineTargets(results).map((r) => r.scenario ?? 'all')).toEqual(['greeting', 'all']);
  });
});

describe('the target column of the terminal tables', () => {
  it('is on the tables of targeted metrics only, a ✓/✗ per row, with a footnote', () => {
    const { summary, results } = judged([target('turn.after_final_ms: p(50)<=800'), target('llm.ttft_ms: p(50)<=300'), target('tts.ttfb_ms: p(50)<=300')]);
    const text = renderSummaryTable(summary, (m) => m, results);
    const block = (title: string): string[] => (text.split('\n\n').find((b) => b.startsWith(title)) ?? '').split('\n');
    const afterFinal = block('turn.after_final_ms');
    expect(afterFinal[1]).toMatch(/p95 CI {2}target$/);
    expect(afterFinal[2]).toMatch(/^greeting .* {2}✓ p\(50\)<=800$/);
    expect(afterFinal[3]).toMatch(/^barge-in .* {2}✗ p\(50\)<=800$/);
    expect(afterFinal[4]).toMatch(/^all .* {2}✓ p\(50\)<=800$/);
    // bargein.clear_ms has no target here: its table is as before.
    expect(block('bargein.clear_ms')[1]).toMatch(/p95 CI$/);
    const stages = block('Where the reply time went');
    expect(stages[1]).toMatch(/p95 CI {2}target$/);
    expect(stages.find((l) => l.startsWith('llm.ttft_ms'))).toMatch(/✗ p\(50\)<=300$/);
    expect(text).toContain('target: ✓ met, ✗ missed on that row (informational; --targets-gate makes the targets thresholds). No samples to judge: tts.ttfb_ms p(50)<=300.');
  });

  it('is absent without targets', () => {
    const { summary } = judged([]);
    const text = renderSummaryTable(summary, (m) => m);
    expect(text).not.toContain('target');
  });
});

describe('--targets FILE', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'callbench-targets-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces the seed’s targets', async () => {
    const file = path.join(dir, 'mine.json');
    await writeFile(file, JSON.stringify({ 'turn.response_ms': ['p(95)<1200'] }));
    const flags = await parseReportFlags({ targets: file, 'targets-gate': true, 'call-audio': true });
    expect(flags.targets.map((t) => `${t.metric} ${t.expression}`)).toEqual(['turn.response_ms p(95)<1200']);
    expect(flags).toMatchObject({ targetsFile: file, targetsGate: true, callAudio: true });
  });

  it('names the file and the field of a problem, as a thresholds file does', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ 'turn.response_ms': ['avg<1200'] }));
    const error = await parseReportFlags({ targets: file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).field).toBe('turn.response_ms[0]');
    expect((error as InputError).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: turn\\.response_ms\\[0\\]: avg is not allowed`));
    const missing = await parseReportFlags({ targets: path.join(dir, 'none.json') }).catch((e: unknown) => e);
    expect((missing as InputError).message).toContain('none.json: cannot be read (ENOENT); --targets expects a JSON file of k6 thresholds');
  });
});

describe('the targets footnote of a run with nothing to judge', () => {
  it('names the targets without samples, and no column it does not show', () => {
    const { summary, results } = judged([target('tts.ttfb_ms: p(50)<=300')]);
    const text = renderSummaryTable(summary, (m) => m, results);
    expect(text).toContain('\nTargets: no samples to judge: tts.ttfb_ms p(50)<=300.');
    expect(text).not.toContain('target: ✓ met');
  });
});
