/**
 * Regression rules, the gate of a baseline comparison: `turn.response_ms: p(95) +10%` fails the
 * run (exit 99) when that metric's p95 is both significantly above the baseline's and more than
 * 10% above it; `+50ms` gives the tolerance in ms. `METRIC{scenario:NAME}` scopes a rule to one
 * scenario, as thresholds do; `med` is p(50). Rules come from `--regression` flags or a file: one
 * rule a line (blank lines and `#` comments skipped), or JSON, `{"turn.response_ms": ["p(95)
 * +10%"]}`. Parsing is pure: every problem is a RuleError naming where the rule came from and
 * what was expected.
 *
 * Judging (judgeRules): the difference of the two samples' percentiles with a bootstrap
 * interval at 1 − α/k for k rules (Bonferroni: a handful of rules named in advance, so the
 * chance that any one fails on noise stays at α); significant when its lower end is above 0.
 */
import { parseMetricKey, type ThresholdSource } from '../gate/thresholds.ts';
import type { MetricName } from '../metrics/definitions.ts';
import { seriesSeed } from '../statistics/bootstrap.ts';
import { bootstrapPercentileDifference, resamplesFor } from '../statistics/difference.ts';
import type { Interval } from '../statistics/bootstrap.ts';
import { describeJsonError } from '../scenario/json-syntax.ts';
import { valuesOf, type ScenarioSamples } from './compare.ts';
import { DEFAULT_ALPHA, MIN_VERDICT_SAMPLES } from './compare.ts';

export type Tolerance = { kind: 'percent'; value: number } | { kind: 'ms'; value: number };

export interface RegressionRule {
  metric: MetricName;
  scenario?: string;
  /** 0 < percentile < 100. */
  percentile: number;
  tolerance: Tolerance;
  /** As written after the metric, normalised: `p(95) +10%`. */
  expression: string;
  source: ThresholdSource;
}

export type RuleErrorCode = 'rule_shape' | 'unknown_metric' | 'bad_tag' | 'bad_aggregation' | 'bad_tolerance' | 'not_json' | 'file_shape' | 'no_rules' | 'unknown_scenario';

export interface RuleError {
  code: RuleErrorCode;
  source: ThresholdSource;
  expected: string;
}

export type RuleParsed<T> = { ok: true; value: T } | { ok: false; error: RuleError };

export const RULE_EXAMPLE = 'turn.response_ms: p(95) +10%';
const NUMBER = /^\d+(\.\d+)?$/;

type Step<T> = { ok: true; value: T } | { ok: false; code: RuleErrorCode; expected: string };

/** `p(95) +10%`, `med +50ms`, `p(99.9) +20 %`. */
export function parseRuleExpression(text: string): Step<Pick<RegressionRule, 'percentile' | 'tolerance' | 'expression'>> {
  const m = /^\s*(p\(\s*([^)]*?)\s*\)|med|[A-Za-z_]\w*)\s*(.*?)\s*$/.exec(text);
  if (m === null || m[1] === undefined) return { ok: false, code: 'rule_shape', expected: `expected 'p(N) +TOLERANCE' (a percentage or ms), e.g. 'p(95) +10%', got '${text.trim()}'` };
  const [, head, percentileText, rest = ''] = m;
  let percentile: number;
  if (head === 'med') percentile = 50;
  else if (percentileText !== undefined) {
    percentile = Number(percentileText);
    if (!NUMBER.test(percentileText) || percentile <= 0 || percentile >= 100) {
      return { ok: false, code: 'bad_aggregation', expected: `p(N) expects N above 0 and below 100 (e.g. p(95)), got 'p(${percentileText})'` };
    }
  } else {
    return { ok: false, code: 'bad_aggregation', expected: `a regression rule compares a percentile: p(N) or med (e.g. 'p(95) +10%'), got '${head}'` };
  }
  const tol = /^\+?\s*(\d+(?:\.\d+)?)\s*(%|ms)$/.exec(rest);
  if (tol?.[1] === undefined || tol[2] === undefined) {
    return { ok: false, code: 'bad_tolerance', expected: `expected a tolerance after '${head}': +N% (of the baseline's value) or +Nms, e.g. 'p(95) +10%' or 'med +50ms', got '${rest}'` };
  }
  const value = Number(tol[1]);
  const tolerance: Tolerance = tol[2] === '%' ? { kind: 'percent', value } : { kind: 'ms', value };
  const name = head === 'med' ? 'med' : `p(${percentileText ?? ''})`;
  return { ok: true, value: { percentile, tolerance, expression: `${name} +${value}${tol[2]}` } };
}

function combine(key: string, expression: string, source: ThresholdSource): RuleParsed<RegressionRule> {
  const metricKey = parseMetricKey(key);
  if (!metricKey.ok) return { ok: false, error: { code: metricKey.problem.code === 'bad_tag' ? 'bad_tag' : 'unknown_metric', source, expected: metricKey.problem.expected } };
  const parsed = parseRuleExpression(expression);
  if (!parsed.ok) return { ok: false, error: { code: parsed.code, source, expected: parsed.expected } };
  return { ok: true, value: { ...metricKey.value, ...parsed.value, source } };
}

/** One `--regression` value: `METRIC: p(N) +TOLERANCE`. */
export function parseRegressionFlag(text: string): RuleParsed<RegressionRule> {
  const source: ThresholdSource = { kind: 'flag', text };
  const m = /^\s*([^\s{:]+(?:\{[^}]*\})?)\s*:(.*)$/s.exec(text);
  if (m?.[1] === undefined || m[2] === undefined) return { ok: false, error: { code: 'rule_shape', source, expected: `expected 'METRIC: p(N) +TOLERANCE', e.g. '${RULE_EXAMPLE}'` } };
  return combine(m[1], m[2], source);
}

/** A rules file: JSON (`{"METRIC": ["p(95) +10%"]}`) or one `METRIC: p(N) +TOLERANCE` a line. */
export function parseRegressionFile(file: string, text: string): RuleParsed<RegressionRule[]> {
  const at = (field: string): ThresholdSource => ({ kind: 'file', file, field });
  const rules: RegressionRule[] = [];
  if (text.trimStart().startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      return { ok: false, error: { code: 'not_json', source: at(''), expected: `is not valid JSON: ${describeJsonError(text, error)}` } };
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, error: { code: 'file_shape', source: at(''), expected: `expected a JSON object such as {"turn.response_ms": ["p(95) +10%"]}` } };
    for (const [key, list] of Object.entries(data)) {
      if (!Array.isArray(list) || list.length === 0) return { ok: false, error: { code: 'file_shape', source: at(key), expected: `expected a non-empty array of rules such as ["p(95) +10%"]` } };
      for (const [i, item] of list.entries()) {
        if (typeof item !== 'string') return { ok: false, error: { code: 'file_shape', source: at(`${key}[${i}]`), expected: `expected a rule string such as "p(95) +10%"` } };
        const rule = combine(key, item, at(`${key}[${i}]`));
        if (!rule.ok) return rule;
        rules.push(rule.value);
      }
    }
  } else {
    for (const [i, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.replace(/#.*$/, '').trim();
      if (line === '') continue;
      const parsed = parseRegressionFlag(line);
      if (!parsed.ok) return { ok: false, error: { ...parsed.error, source: at(`line ${i + 1}`) } };
      rules.push({ ...parsed.value, source: at(`line ${i + 1}`) });
    }
  }
  if (rules.length === 0) return { ok: false, error: { code: 'no_rules', source: at(''), expected: `has no rules; expected one a line such as '${RULE_EXAMPLE}', or JSON {"turn.response_ms": ["p(95) +10%"]}` } };
  return { ok: true, value: rules };
}

/** The first rule scoped to a scenario the run does not play, as an error. */
export function findUnknownRuleScenario(rules: readonly RegressionRule[], scenarios: readonly string[]): RuleError | undefined {
  const rule = rules.find((r) => r.scenario !== undefined && !scenarios.includes(r.scenario));
  if (rule?.scenario === undefined) return undefined;
  return { code: 'unknown_scenario', source: rule.source, expected: `unknown scenario '${rule.scenario}' in {scenario:${rule.scenario}}; this run plays ${scenarios.join(', ')}` };
}

export interface RuleNumbers {
  base: number;
  run: number;
  diff: number;
  diffCi: Interval;
  /** The most the rule allows above the baseline, ms. */
  allowedMs: number;
  /** Confidence level of diffCi (1 − α/k). */
  level: number;
  baseN: number;
  runN: number;
}

export type RuleResult =
  | ({ kind: 'regressed'; rule: RegressionRule } & RuleNumbers)
  | ({ kind: 'passed'; rule: RegressionRule; why: 'within the tolerance' | 'not significant' } & RuleNumbers)
  | { kind: 'not-judged'; rule: RegressionRule; why: string; baseN: number; runN: number }
  /** The baseline had samples and the run has none: a gate that passed on missing data would be a trap. */
  | { kind: 'vanished'; rule: RegressionRule; baseN: number };

export function ruleFailed(result: RuleResult): boolean {
  return result.kind === 'regressed' || result.kind === 'vanished';
}

/** Fewest samples for p(N) to be an estimate rather than the largest sample (p95: 20, p99: 100), and never fewer than a verdict needs. */
export function samplesNeeded(percentile: number): number {
  return Math.max(MIN_VERDICT_SAMPLES, percentile > 50 ? Math.ceil(100 / (100 - percentile)) : 0);
}

export function judgeRules(rules: readonly RegressionRule[], baseline: ScenarioSamples, run: ScenarioSamples, options: { seed: number; alpha?: number }): RuleResult[] {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const level = 1 - alpha / Math.max(1, rules.length);
  const resamples = resamplesFor(level);
  return rules.map((rule, i): RuleResult => {
    const baseValues = valuesOf(baseline, rule.metric, rule.scenario);
    const runValues = valuesOf(run, rule.metric, rule.scenario);
    const counts = { baseN: baseValues.length, runN: runValues.length };
    if (baseValues.length > 0 && runValues.length === 0) return { kind: 'vanished', rule, baseN: baseValues.length };
    const needed = samplesNeeded(rule.percentile);
    if (baseValues.length < needed || runValues.length < needed) {
      return { kind: 'not-judged', rule, why: `p(${rule.percentile}) needs ${needed} samples on each side; the baseline has ${baseValues.length}, this run ${runValues.length}`, ...counts };
    }
    const [d] = bootstrapPercentileDifference(baseValues, runValues, { seed: seriesSeed(options.seed, 'rule', String(i), rule.metric), percentiles: [rule.percentile], resamples, level }) ?? [];
    if (d === undefined) return { kind: 'not-judged', rule, why: 'no samples', ...counts };
    const allowedMs = rule.tolerance.kind === 'ms' ? rule.tolerance.value : (rule.tolerance.value / 100) * d.base;
    const numbers: RuleNumbers = { base: d.base, run: d.next, diff: d.diff, diffCi: d.diffCi, allowedMs, level, ...counts };
    if (d.diffCi[0] <= 0) return { kind: 'passed', rule, why: 'not significant', ...numbers };
    if (d.diff <= allowedMs) return { kind: 'passed', rule, why: 'within the tolerance', ...numbers };
    return { kind: 'regressed', rule, ...numbers };
  });
}
