/**
 * Regression rules: `--regression 'METRIC: p(N) +TOL'` and rule files parsed into data, every
 * mistake one message naming the flag or the file and line; judged on seeded samples, a rule
 * fails only on a regression both significant and beyond its tolerance.
 */
import { describe, expect, it } from 'vitest';
import { findUnknownRuleScenario, judgeRules, parseRegressionFile, parseRegressionFlag, ruleFailed, type RegressionRule } from '../../harness/baseline/rules.ts';
import { createRng } from '../../harness/random.ts';

function latencies(n: number, seed: number, median = 900, shift = 0): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const u = Math.max(rng(), 1e-12);
    return median * Math.exp(0.12 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng())) + shift;
  });
}

function rule(text: string): RegressionRule {
  const parsed = parseRegressionFlag(text);
  if (!parsed.ok) throw new Error(parsed.error.expected);
  return parsed.value;
}

function expectedOf(text: string): string {
  const parsed = parseRegressionFlag(text);
  return parsed.ok ? 'ok' : `${parsed.error.code}: ${parsed.error.expected}`;
}

describe('parseRegressionFlag', () => {
  it('reads a percentile, a scenario tag and a tolerance in % or ms', () => {
    expect(rule('turn.response_ms: p(95) +10%')).toMatchObject({ metric: 'turn.response_ms', percentile: 95, tolerance: { kind: 'percent', value: 10 }, expression: 'p(95) +10%' });
    expect(rule('bargein.clear_ms{scenario:barge-in-mid-sentence}: med +50ms')).toMatchObject({ metric: 'bargein.clear_ms', scenario: 'barge-in-mid-sentence', percentile: 50, tolerance: { kind: 'ms', value: 50 }, expression: 'med +50ms' });
    expect(rule('turn.response_ms:p(99.5)+2.5 %')).toMatchObject({ percentile: 99.5, tolerance: { kind: 'percent', value: 2.5 }, expression: 'p(99.5) +2.5%' });
  });

  it('refuses each malformed rule with what it expected', () => {
    expect(expectedOf('turn.response_ms p(95) +10%')).toBe("rule_shape: expected 'METRIC: p(N) +TOLERANCE', e.g. 'turn.response_ms: p(95) +10%'");
    expect(expectedOf('http_req_duration: p(95) +10%')).toMatch(/^unknown_metric: unknown metric 'http_req_duration'; expected one of greeting\.first_audio_ms, /);
    expect(expectedOf('turn.response_ms{tag:x}: p(95) +10%')).toBe("bad_tag: expected {scenario:NAME} after the metric name (scenario is the only tag), got '{tag:x}'");
    expect(expectedOf('turn.response_ms: avg +10%')).toBe("bad_aggregation: a regression rule compares a percentile: p(N) or med (e.g. 'p(95) +10%'), got 'avg'");
    expect(expectedOf('turn.response_ms: p(100) +10%')).toBe("bad_aggregation: p(N) expects N above 0 and below 100 (e.g. p(95)), got 'p(100)'");
    expect(expectedOf('turn.response_ms: p(95)<1500')).toBe(
      "bad_tolerance: expected a tolerance after 'p(95)': +N% (of the baseline's value) or +Nms, e.g. 'p(95) +10%' or 'med +50ms', got '<1500'",
    );
    expect(expectedOf('turn.response_ms: p(95) +10s')).toMatch(/^bad_tolerance: /);
  });
});

describe('parseRegressionFile', () => {
  it('reads one rule a line, skipping blanks and comments', () => {
    const parsed = parseRegressionFile('rules.txt', '# the gate\nturn.response_ms: p(95) +10%\n\nbargein.clear_ms: med +50ms  # barge-in\n');
    expect(parsed.ok && parsed.value.map((r) => `${r.metric} ${r.expression} ${JSON.stringify(r.source)}`)).toEqual([
      'turn.response_ms p(95) +10% {"kind":"file","file":"rules.txt","field":"line 2"}',
      'bargein.clear_ms med +50ms {"kind":"file","file":"rules.txt","field":"line 4"}',
    ]);
  });

  it('reads JSON in the thresholds file shape', () => {
    const parsed = parseRegressionFile('rules.json', JSON.stringify({ 'turn.response_ms': ['p(95) +10%', 'med +5%'] }));
    expect(parsed.ok && parsed.value.map((r) => r.expression)).toEqual(['p(95) +10%', 'med +5%']);
  });

  it('names the line or field at fault, and refuses a file with no rules', () => {
    const line = parseRegressionFile('rules.txt', 'turn.response_ms: p(95) +10%\nturn.response_ms: p(95) < 10\n');
    expect(!line.ok && line.error.source).toEqual({ kind: 'file', file: 'rules.txt', field: 'line 2' });
    const field = parseRegressionFile('rules.json', JSON.stringify({ 'turn.response_ms': ['p(95) +10%', 3] }));
    expect(!field.ok && field.error).toEqual({ code: 'file_shape', source: { kind: 'file', file: 'rules.json', field: 'turn.response_ms[1]' }, expected: 'expected a rule string such as "p(95) +10%"' });
    const empty = parseRegressionFile('rules.txt', '# nothing\n');
    expect(!empty.ok && empty.error.code).toBe('no_rules');
    const broken = parseRegressionFile('rules.json', '{"turn.response_ms": ');
    expect(!broken.ok && broken.error.code).toBe('not_json');
  });

  it('finds a rule scoped to a scenario the run does not play', () => {
    const error = findUnknownRuleScenario([rule('turn.response_ms{scenario:nope}: med +10%')], ['greeting']);
    expect(error?.expected).toBe("unknown scenario 'nope' in {scenario:nope}; this run plays greeting");
  });
});

describe('judgeRules', () => {
  const base = { s: { 'turn.response_ms': latencies(40, 1) } };

  it('fails a significant regression beyond the tolerance: a planted +150 ms against +10%', () => {
    const [result] = judgeRules([rule('turn.response_ms: p(95) +10%')], base, { s: { 'turn.response_ms': latencies(40, 2, 900, 150) } }, { seed: 1 });
    expect(result?.kind).toBe('regressed');
    expect(result !== undefined && ruleFailed(result)).toBe(true);
    if (result?.kind === 'regressed') {
      expect(result.diffCi[0]).toBeGreaterThan(0);
      expect(result.diff).toBeGreaterThan(result.allowedMs);
      expect(result.level).toBe(0.95);
    }
  });

  it('passes a significant regression within the tolerance, and no change at all', () => {
    const within = judgeRules([rule('turn.response_ms: med +300ms')], base, { s: { 'turn.response_ms': latencies(40, 2, 900, 150) } }, { seed: 1 });
    expect(within[0]).toMatchObject({ kind: 'passed', why: 'within the tolerance' });
    const same = judgeRules([rule('turn.response_ms: p(95) +0%')], base, { s: { 'turn.response_ms': latencies(40, 3) } }, { seed: 1 });
    expect(same[0]).toMatchObject({ kind: 'passed', why: 'not significant' });
  });

  it('widens each interval for several rules (Bonferroni), leaves an under-sampled percentile unjudged, and fails a metric that vanished', () => {
    const run = { s: { 'turn.response_ms': latencies(12, 2) } };
    const results = judgeRules([rule('turn.response_ms: med +10%'), rule('turn.response_ms: p(95) +10%'), rule('bargein.clear_ms: med +10%')], { s: { ...base.s, 'bargein.clear_ms': latencies(12, 4, 30) } }, run, { seed: 1 });
    expect(results.map((r) => r.kind)).toEqual(['passed', 'not-judged', 'vanished']);
    expect(results[0]?.kind === 'passed' && results[0].level).toBeCloseTo(1 - 0.05 / 3, 10);
    expect(results[1]?.kind === 'not-judged' && results[1].why).toBe('p(95) needs 20 samples on each side; the baseline has 40, this run 12');
    expect(results.map(ruleFailed)).toEqual([false, false, true]);
  });
});
