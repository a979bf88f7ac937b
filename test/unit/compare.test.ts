/**
 * callbench compare's library: variants written on the command line, the A B A B order of the
 * calls, the table's statistics on seeded samples (a known slowdown is significant, two samples
 * of one distribution are not), and its renderers: the table with a column group per variant and
 * the target column, the seed's table beside the seed's own figures.
 */
import { describe, expect, it } from 'vitest';
import { analyzeCompare, type VariantResult } from '../../harness/compare/analyze.ts';
import { MATRICES } from '../../harness/compare/matrices.ts';
import { interleavedCall } from '../../harness/compare/run-compare.ts';
import { SEED_ROWS } from '../../harness/compare/seed-figures.ts';
import { splitWords } from '../../harness/compare/shell-words.ts';
import { parseVariantSpec, repeatedName } from '../../harness/compare/variant-spec.ts';
import { outcomeHistograms } from '../../harness/gate/evaluate.ts';
import { parseThresholdFlag } from '../../harness/gate/thresholds.ts';
import { createRng } from '../../harness/random.ts';
import { renderCompareTable } from '../../harness/report/compare-table.ts';
import { renderCompareMarkdown } from '../../harness/report/compare-markdown.ts';
import { seedGrid } from '../../harness/report/seed-table.ts';
import { summarize } from '../../harness/report/summary.ts';
import { evaluateTargets } from '../../harness/report/targets.ts';
import { runOutcome, type Values } from './helpers/run-outcome.ts';

function latencies(n: number, seed: number, median: number, shift = 0): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const u = Math.max(rng(), 1e-12);
    return median * Math.exp(0.12 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng())) + shift;
  });
}

const TARGET = (() => {
  const parsed = parseThresholdFlag('turn.after_final_ms: p(50)<=800');
  if (!parsed.ok) throw new Error(parsed.error.expected);
  return parsed.value;
})();

function variant(name: string, values: Values): VariantResult {
  const outcome = runOutcome([{ name: 'question', values }]);
  const summary = summarize(outcome, '0.0.0', { resamples: 200 });
  return { name, flags: `--${name}`, outcome, summary, targets: evaluateTargets([TARGET], summary, outcomeHistograms(outcome)) };
}

describe('splitWords', () => {
  it('splits as sh does: quotes, escapes, no expansion', () => {
    expect(splitWords(`--agent-cmd "node a.js --x" --preset seed-current`)).toEqual({ ok: true, words: ['--agent-cmd', 'node a.js --x', '--preset', 'seed-current'] });
    expect(splitWords(`--agent-cmd 'PLANT=slow node $HOME/a.mjs'`)).toEqual({ ok: true, words: ['--agent-cmd', 'PLANT=slow node $HOME/a.mjs'] });
    expect(splitWords(`a\\ b "c\\"d" ''`)).toEqual({ ok: true, words: ['a b', 'c"d', ''] });
    expect(splitWords('  ')).toEqual({ ok: true, words: [] });
    expect(splitWords(`--tts "rest`)).toEqual({ ok: false, expected: 'an unterminated double quote' });
  });
});

describe('parseVariantSpec', () => {
  it("reads NAME='FLAGS', an empty FLAGS included (the reference agent's defaults)", () => {
    expect(parseVariantSpec('current=--preset seed-current')).toEqual({ ok: true, value: { name: 'current', flags: '--preset seed-current', argv: ['--preset', 'seed-current'] } });
    expect(parseVariantSpec('defaults=')).toEqual({ ok: true, value: { name: 'defaults', flags: '', argv: [] } });
  });

  it('refuses a missing =, a bad name and bad quoting with what it expected', () => {
    expect(parseVariantSpec('--preset seed-current')).toMatchObject({ ok: false, expected: expect.stringMatching(/^expected NAME='FLAGS'/) });
    expect(parseVariantSpec('a b=--tts ws')).toEqual({ ok: false, expected: "expected a variant name of letters, digits, '.', '_' or '-' (at most 32) before '=', got 'a b'" });
    expect(parseVariantSpec(`x=--agent-cmd 'node`)).toEqual({ ok: false, expected: 'its flags have an unterminated single quote' });
  });

  it('finds a name given twice', () => {
    const specs = MATRICES.tts.variants;
    expect(repeatedName(specs)).toBeUndefined();
    expect(repeatedName([...specs, ...specs.slice(0, 1)])).toBe('rest');
  });
});

describe('interleavedCall', () => {
  it('plays every variant of a pair in turn: A B A B, scenario by scenario', () => {
    const order = Array.from({ length: 8 }, (_, k) => interleavedCall(k, 2, 2)).map((c) => `s${c.scenario}#${c.index}${'AB'[c.variant]} p${c.pair}`);
    expect(order).toEqual(['s0#0A p0', 's0#0B p0', 's0#1A p1', 's0#1B p1', 's1#0A p2', 's1#0B p2', 's1#1A p3', 's1#1B p3']);
  });
});

describe('analyzeCompare', () => {
  const slow = variant('current', { 'turn.after_final_ms': latencies(30, 1, 2000), 'llm.ttft_ms': latencies(30, 2, 300), 'bargein.clear_ms': latencies(5, 3, 700) });
  const fast = variant('target', { 'turn.after_final_ms': latencies(30, 4, 1000), 'llm.ttft_ms': latencies(30, 5, 300), 'bargein.clear_ms': latencies(5, 6, 700) });

  it('finds the faster design significantly faster, with its ratio and interval, and no difference where there is none', () => {
    const analysis = analyzeCompare([slow, fast], 1, { resamples: 400 });
    const total = analysis.rows.find((r) => r.metric === 'turn.after_final_ms')?.ratios[1];
    expect(total?.kind).toBe('tested');
    if (total?.kind === 'tested') {
      expect(total.verdict).toBe('faster');
      expect(total.p50?.value).toBeCloseTo(0.5, 1);
      expect(total.p50?.ci[1]).toBeLessThan(1);
    }
    const ttft = analysis.rows.find((r) => r.metric === 'llm.ttft_ms')?.ratios[1];
    expect(ttft?.kind === 'tested' && ttft.verdict).toBe('no significant difference');
    expect(analysis.rows.find((r) => r.metric === 'bargein.clear_ms')?.ratios[1]).toMatchObject({ kind: 'too-few', needed: 10 });
    expect(analysis.tested).toBe(2);
  });

  it('puts headline metrics before the stages', () => {
    expect(analyzeCompare([slow, fast], 1, { resamples: 200 }).rows.map((r) => `${r.metric}${r.stage ? ' (stage)' : ''}`)).toEqual(['turn.after_final_ms', 'bargein.clear_ms', 'llm.ttft_ms (stage)']);
  });

  it("renders a column group per variant, the ratio to the first with its word, and each variant's target marks", () => {
    const analysis = analyzeCompare([slow, fast], 1, { resamples: 200 });
    const table = renderCompareTable(analysis, ['current', 'target']);
    const [header, first] = table.split('\n');
    expect(header).toMatch(/^metric \(all scenarios\)\s+current n\s+current p50 \(95% CI\)\s+current p95 \(95% CI\)\s+target n\s+target p50 \(95% CI\)\s+target p95 \(95% CI\)\s+target\/current p50\s+target\/current p95\s+target$/);
    expect(first).toMatch(/^turn\.after_final_ms\s+30\s+\d+ \(\d+–\d+\)\s+\d+ \(\d+–\d+\)\s+30 .* 0\.\d\d× \(0\.\d\d×–0\.\d\d×\) faster .* ✗ ✗ p\(50\)<=800$/);
    expect(table).toContain('Holm-corrected over 2 test(s)');
    const markdown = renderCompareMarkdown({ title: 'callbench compare current vs target', description: ['Compared.'], analysis, variants: [slow, fast] });
    expect(markdown).toContain('| metric (all scenarios) | current n |');
    expect(markdown).toContain("## The seed analysis's table, measured");
  });

  it("gives the seed's table, its five rows with the seed's own figures, only for current and target", () => {
    const analysis = analyzeCompare([slow, fast], 1, { resamples: 200 });
    const grid = seedGrid(analysis, ['current', 'target']);
    expect(grid?.map((r) => r[0])).toEqual(['seed row', ...SEED_ROWS.map((r) => r.label)]);
    expect(grid?.[4]).toEqual(expect.arrayContaining(['Total Response Latency', 'turn.after_final_ms', '~3-4s', '~600-800ms', '✗ p(50)<=800']));
    expect(grid?.[1]?.[2]).toBe('-');
    expect(seedGrid(analysis, ['rest', 'ws'])).toBeUndefined();
  });
});
