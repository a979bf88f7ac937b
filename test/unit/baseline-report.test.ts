/**
 * A baseline saved from a run's outcome reads back as one, and the terminal's baseline section:
 * the comparison table with its tally and method line, and one line per regression rule with
 * its numbers.
 */
import { describe, expect, it } from 'vitest';
import { buildBaseline } from '../../harness/baseline/build.ts';
import { compareToBaseline } from '../../harness/baseline/compare.ts';
import { parseBaseline } from '../../harness/baseline/read.ts';
import { judgeRules, parseRegressionFlag } from '../../harness/baseline/rules.ts';
import { createRng } from '../../harness/random.ts';
import { renderBaselineComparison, renderBaselineMarkdown, renderRules, ruleLine } from '../../harness/report/baseline-table.ts';
import { renderJunit } from '../../harness/report/junit.ts';
import { renderMarkdownSummary } from '../../harness/report/markdown-summary.ts';
import { summarize } from '../../harness/report/summary.ts';
import { runOutcome } from './helpers/run-outcome.ts';

function latencies(n: number, seed: number, median: number, shift = 0): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => median * Math.exp(0.1 * Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-12))) * Math.cos(2 * Math.PI * rng())) + shift);
}

const MACHINE = { os: 'linux 6.1.0', arch: 'x64', cpus: { model: 'Test CPU', count: 2 }, totalMemoryBytes: 8 * 2 ** 30 };

describe('buildBaseline', () => {
  it("keeps every scenario's raw samples and histograms, and reads back", () => {
    const outcome = runOutcome([
      { name: 'greeting', values: { 'greeting.first_audio_ms': [500, 520] } },
      { name: 'question', values: { 'turn.response_ms': [900, 950, 1000] } },
    ]);
    const baseline = buildBaseline({
      outcome,
      plan: { scenarios: [{ name: 'greeting', digest: 'a' }, { name: 'question', digest: 'b' }], profile: 'reference', seed: 7, load: { model: 'closed', calls: 1, concurrency: 1 }, warmup: 0, agent: { kind: 'reference', design: 'x' } },
      versions: { callbench: '0.1.0', node: '20.11.0', sdks: { openai: null } },
      machine: MACHINE,
      warnings: ['pacing.late'],
      savedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(baseline.scenarios['question']?.samples).toEqual({ 'turn.response_ms': [900, 950, 1000] });
    expect(Object.keys(baseline.scenarios['question']?.histograms ?? {})).toEqual(['turn.response_ms']);
    expect(baseline.run).toMatchObject({ calls: 2, failedCalls: 0, warnings: ['pacing.late'] });
    expect(parseBaseline(JSON.stringify(baseline))).toEqual({ ok: true, baseline });
  });
});

describe('the baseline section', () => {
  const base = { q: { 'turn.response_ms': latencies(20, 1, 900), 'bargein.clear_ms': latencies(3, 2, 30) } };
  const run = { q: { 'turn.response_ms': latencies(20, 3, 900, 150), 'bargein.clear_ms': latencies(3, 4, 30) } };

  it('tallies the verdicts, shows each row with its differences, and says how it judged', () => {
    const text = renderBaselineComparison(compareToBaseline(base, run, { seed: 1 }), { file: 'reports/baselines/main.json', savedAt: '2026-01-01T00:00:00.000Z', calls: 20, notes: ['the baseline was measured on another machine'] });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Against the baseline reports/baselines/main.json (saved 2026-01-01T00:00:00.000Z, 20 call(s)): 1 regressed, 0 improved, 0 no significant change, 1 with too few samples.');
    expect(lines[1]).toBe('  note: the baseline was measured on another machine');
    expect(lines[2]).toMatch(/^metric\s+scenario\s+n base\/run\s+p50 base → run\s+Δp50 \(95% CI\)\s+p95 base → run\s+Δp95 \(95% CI\)\s+verdict$/);
    expect(lines[3]).toMatch(/^turn\.response_ms\s+q\s+20\/20\s+\d+ → \d+\s+\+1\d\d \(\+\d+…\+\d+\)\s+.*✗ regressed \+1\d\d ms \(p [\d.e-]+\)$/);
    expect(lines[4]).toMatch(/^bargein\.clear_ms\s+q\s+3\/3 .*too few samples for a verdict \(< 10\)$/);
    expect(lines[5]).toMatch(/^Δ: this run − the baseline, ms, with 95% bootstrap intervals\. Verdict: Mann–Whitney U test of the raw samples, Holm-corrected over 1 comparison\(s\) at α 0\.05;/);
  });

  it('gives each rule one line with its numbers', () => {
    const rules = ['turn.response_ms: med +10%', 'turn.response_ms: p(95) +50%', 'bargein.clear_ms: med +5ms'].map((text) => {
      const parsed = parseRegressionFlag(text);
      if (!parsed.ok) throw new Error(parsed.error.expected);
      return parsed.value;
    });
    const results = judgeRules(rules, base, run, { seed: 1 });
    const lines = results.map(ruleLine);
    expect(lines[0]).toMatch(/^✗ turn\.response_ms med \+10%: \d+ ms against \d+ ms in the baseline: \+1\d\d ms \(98\.33% CI \+\d+…\+\d+ ms\), allowed \+\d+ ms: a significant regression beyond the tolerance$/);
    expect(lines[1]).toMatch(/^✓ turn\.response_ms p\(95\) \+50%: .*: within the tolerance$/);
    expect(lines[2]).toBe('? bargein.clear_ms med +5ms: not judged: p(50) needs 10 samples on each side; the baseline has 3, this run 3');
    expect(renderRules(results).split('\n')[0]).toBe('Regression rules: 1 of 3 failed.');
  });
});

describe('the baseline in the report files', () => {
  const base = { q: { 'turn.response_ms': latencies(20, 1, 900) } };
  const run = { q: { 'turn.response_ms': latencies(20, 3, 900, 150) } };
  const parsed = parseRegressionFlag('turn.response_ms: med +10%');
  if (!parsed.ok) throw new Error(parsed.error.expected);
  const rules = judgeRules([parsed.value], base, run, { seed: 1 });
  const outcome = runOutcome([{ name: 'q', values: { 'turn.response_ms': run.q['turn.response_ms'] } }]);
  const summary = summarize(outcome, '1.0.0', { resamples: 10 });

  it('junit.xml: a callbench.regressions suite, a failure per failed rule with its line of numbers', () => {
    const xml = renderJunit(outcome, summary, [], [{ name: 'turn.response_ms med +10%', failed: true, line: ruleLine(rules[0] as (typeof rules)[number]) }]);
    expect(xml).toMatch(/<testsuite name="callbench\.regressions" id="\d+" tests="1" failures="1" /);
    expect(xml).toMatch(/<testcase name="turn\.response_ms med \+10%" classname="callbench\.regressions" time="0">\n\s+<failure message="✗ turn\.response_ms med \+10%: \d+ ms against \d+ ms in the baseline: /);
    expect(renderJunit(outcome, summary, [])).not.toContain('callbench.regressions');
  });

  it('summary.md: a section with the tally, the table and the rules', () => {
    const section = renderBaselineMarkdown(compareToBaseline(base, run, { seed: 1 }), { file: 'main.json', savedAt: 'then', calls: 20, notes: [] }, rules);
    expect(section).toMatch(/^## Against the baseline\n\n`main\.json` \(saved then, 20 call\(s\)\): 1 regressed, 0 improved, 0 no significant change\./);
    expect(section).toContain('| metric | scenario | n base/run | p50 base → run | Δp50 (95% CI) | p95 base → run | Δp95 (95% CI) | verdict |');
    expect(section).toContain('### Regression rules: 1 of 1 failed.');
    const markdown = renderMarkdownSummary({ summary, gate: [], targets: [], describe: (m) => m, baseline: section });
    expect(markdown).toContain('## Against the baseline');
  });
});
