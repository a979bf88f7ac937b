/**
 * Latency thresholds in k6 syntax, parsed and validated into data: `p(95)<1500` on a metric, from
 * a `--threshold 'METRIC: EXPRESSION'` flag or a JSON file `{ "METRIC": ["EXPRESSION", …] }`. A
 * metric may be scoped to one scenario with k6's tag syntax, `turn.response_ms{scenario:NAME}`.
 *
 * Aggregations: `p(N)` (0 < N ≤ 100), `med` (= p(50)), `min`, `max`, `count` (samples). `avg` is
 * refused: a CI gate never rests on a lone mean. Operators: < <= > >= == !=. The value is a number
 * of ms (of samples for `count`). Pure: every problem is returned as a ThresholdError naming where
 * the threshold came from, the field and what was expected; nothing here prints or throws.
 */
import { METRIC_NAMES, type MetricName } from '../metrics/definitions.ts';
import { describeJsonError } from '../scenario/json-syntax.ts';

/** What a threshold reads of a metric's samples. `med` is parsed as `{ kind: 'percentile', percentile: 50 }`. */
export type Aggregation = { kind: 'percentile'; percentile: number } | { kind: 'min' } | { kind: 'max' } | { kind: 'count' };

/** Longest first, so that `<=` is not read as `<` followed by `=…`. */
export const OPERATORS = ['<=', '>=', '==', '!=', '<', '>'] as const;
export type Operator = (typeof OPERATORS)[number];

/** Where a threshold (or a problem with one) was written. `field` names the file's key, and `[i]` the array item. */
export type ThresholdSource = { kind: 'flag'; text: string } | { kind: 'file'; file: string; field: string };

/** One expression on one metric, e.g. `turn.response_ms p(95)<1500`. */
export interface Threshold {
  metric: MetricName;
  /** Only this scenario's samples; absent: every scenario's. */
  scenario?: string;
  aggregation: Aggregation;
  operator: Operator;
  /** ms, or a number of samples for `count`. */
  value: number;
  /** The expression as written, without spaces: `p(95)<1500`. */
  expression: string;
  source: ThresholdSource;
}

export type ThresholdErrorCode =
  | 'not_json'
  | 'file_shape'
  | 'no_thresholds'
  | 'flag_shape'
  | 'unknown_metric'
  | 'bad_tag'
  | 'unknown_scenario'
  | 'syntax'
  | 'mean_refused'
  | 'unknown_aggregation'
  | 'bad_percentile'
  | 'bad_operator'
  | 'bad_value';

export interface ThresholdError {
  code: ThresholdErrorCode;
  source: ThresholdSource;
  /** What is wrong and what was expected, e.g. `unknown metric 'x'; expected one of …`. */
  expected: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ThresholdError };

/** A problem before it is tied to a source. */
export interface Problem {
  code: ThresholdErrorCode;
  expected: string;
}
/** A part of a threshold (its expression, or its metric), read. */
export type Step<T> = { ok: true; value: T } | { ok: false; problem: Problem };

const fail = (code: ThresholdErrorCode, expected: string): { ok: false; problem: Problem } => ({ ok: false, problem: { code, expected } });
const failed = (source: ThresholdSource, problem: Problem): { ok: false; error: ThresholdError } => ({ ok: false, error: { ...problem, source } });

const EXAMPLE = 'p(95)<1500';
const AGGREGATIONS = 'p(N), med, min, max or count';
const NUMBER = /^\d+(\.\d+)?$/;

/** k6 expression without the metric: `p(95)<1500`, `med <= 900`, `max<300`, `count>=20`. */
export function parseExpression(text: string): Step<Pick<Threshold, 'aggregation' | 'operator' | 'value' | 'expression'>> {
  const head = /^\s*(?:p\(\s*([^)]*?)\s*\)|([A-Za-z_][A-Za-z0-9_]*))\s*/.exec(text);
  if (head === null) return fail('syntax', `expected an aggregation (${AGGREGATIONS}), an operator and a number, e.g. ${EXAMPLE}, got '${text}'`);
  let aggregation: Aggregation;
  let aggText: string;
  const [matched, percentileText, name] = head;
  if (percentileText !== undefined) {
    const percentile = Number(percentileText);
    if (!NUMBER.test(percentileText) || percentile <= 0 || percentile > 100) {
      return fail('bad_percentile', `p(N) expects N above 0 and at most 100 (e.g. p(95), p(99.9)), got 'p(${percentileText})'`);
    }
    aggregation = { kind: 'percentile', percentile };
    aggText = `p(${percentileText})`;
  } else {
    switch (name) {
      case 'med':
        aggregation = { kind: 'percentile', percentile: 50 };
        break;
      case 'min':
      case 'max':
      case 'count':
        aggregation = { kind: name };
        break;
      case 'avg':
      case 'mean':
        return fail(
          'mean_refused',
          `${name} is not allowed: callbench never gates on a lone mean, which hides how slow the slow calls are (19 replies of 500 ms and one of 5 s average 725 ms); use med or p(N), e.g. ${EXAMPLE}`,
        );
      default:
        return fail('unknown_aggregation', `unknown aggregation '${name ?? ''}'; expected ${AGGREGATIONS}, e.g. ${EXAMPLE}`);
    }
    aggText = name;
  }
  const rest = text.slice(matched.length);
  const operator = OPERATORS.find((op) => rest.startsWith(op));
  if (operator === undefined) return fail('bad_operator', `expected an operator (<, <=, >, >=, == or !=) after '${aggText}', got '${rest.trim()}'`);
  const valueText = rest.slice(operator.length).trim();
  if (!NUMBER.test(valueText)) {
    const what = aggregation.kind === 'count' ? 'a number of samples' : 'a number of ms';
    const example = aggregation.kind === 'count' ? 'e.g. count>=20' : `no unit, e.g. ${EXAMPLE}`;
    return fail('bad_value', `expected ${what} after '${aggText}${operator}' (${example}), got '${valueText}'`);
  }
  return { ok: true, value: { aggregation, operator, value: Number(valueText), expression: `${aggText}${operator}${valueText}` } };
}

/** `turn.response_ms` or `turn.response_ms{scenario:NAME}`. */
export function parseMetricKey(key: string): Step<Pick<Threshold, 'metric' | 'scenario'>> {
  const m = /^\s*([^\s{}]+)\s*(\{[^}]*\})?\s*$/.exec(key);
  if (m?.[1] === undefined) return fail('unknown_metric', `expected a metric name, or METRIC{scenario:NAME}, got '${key.trim()}'`);
  const name = m[1];
  const metric = METRIC_NAMES.find((known) => known === name);
  if (metric === undefined) return fail('unknown_metric', `unknown metric '${name}'; expected one of ${METRIC_NAMES.join(', ')}`);
  const tag = m[2];
  if (tag === undefined) return { ok: true, value: { metric } };
  const scoped = /^\{\s*scenario\s*:\s*([^,:\s}]+)\s*\}$/.exec(tag);
  if (scoped?.[1] === undefined) return fail('bad_tag', `expected {scenario:NAME} after the metric name (scenario is the only tag), got '${tag}'`);
  return { ok: true, value: { metric, scenario: scoped[1] } };
}

function combine(key: Step<Pick<Threshold, 'metric' | 'scenario'>>, text: string, source: ThresholdSource): Parsed<Threshold> {
  if (!key.ok) return failed(source, key.problem);
  const expression = parseExpression(text);
  if (!expression.ok) return failed(source, expression.problem);
  return { ok: true, value: { ...key.value, ...expression.value, source } };
}

/** One `--threshold` value: `METRIC: EXPRESSION` or `METRIC{scenario:NAME}: EXPRESSION`. */
export function parseThresholdFlag(text: string): Parsed<Threshold> {
  const source: ThresholdSource = { kind: 'flag', text };
  const m = /^\s*([^\s{:]+(?:\{[^}]*\})?)\s*:(.*)$/s.exec(text);
  if (m === null || m[1] === undefined || m[2] === undefined) {
    return failed(source, { code: 'flag_shape', expected: `expected 'METRIC: EXPRESSION', e.g. 'turn.response_ms: ${EXAMPLE}'` });
  }
  return combine(parseMetricKey(m[1]), m[2], source);
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A thresholds file's text: `{ "METRIC": ["EXPRESSION", …], … }` (k6's `thresholds` object). */
export function parseThresholdFile(file: string, text: string): Parsed<Threshold[]> {
  const at = (field: string): ThresholdSource => ({ kind: 'file', file, field });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // V8's message quotes the text around the error raw, line breaks and all: say where instead, as scenario files do.
    return failed(at(''), { code: 'not_json', expected: `is not valid JSON: ${describeJsonError(text, error)}` });
  }
  const shape = `{"turn.response_ms": ["${EXAMPLE}"]}`;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return failed(at(''), { code: 'file_shape', expected: `expected a JSON object mapping metric names to arrays of threshold expressions, e.g. ${shape}, got ${describeJson(data)}` });
  }
  const entries = Object.entries(data);
  if (entries.length === 0) return failed(at(''), { code: 'no_thresholds', expected: `has no thresholds; expected at least one metric, e.g. ${shape}` });
  const thresholds: Threshold[] = [];
  for (const [key, list] of entries) {
    const metricKey = parseMetricKey(key);
    if (!metricKey.ok) return failed(at(key), metricKey.problem);
    if (!Array.isArray(list)) {
      return failed(at(key), { code: 'file_shape', expected: `expected an array of threshold expressions such as ["${EXAMPLE}"], got ${describeJson(list)}` });
    }
    if (list.length === 0) return failed(at(key), { code: 'no_thresholds', expected: `expected at least one threshold expression such as "${EXAMPLE}", got []` });
    for (const [i, item] of list.entries()) {
      const source = at(`${key}[${i}]`);
      if (typeof item !== 'string') {
        const objectForm = typeof item === 'object' && item !== null && 'threshold' in item;
        const expected = objectForm
          ? `k6's object form ({threshold, abortOnFail}) is not supported; write the expression as a string such as "${EXAMPLE}"`
          : `expected a threshold expression string such as "${EXAMPLE}", got ${describeJson(item)}`;
        return failed(source, { code: 'file_shape', expected });
      }
      const threshold = combine(metricKey, item, source);
      if (!threshold.ok) return threshold;
      thresholds.push(threshold.value);
    }
  }
  return { ok: true, value: thresholds };
}

/** The first threshold scoped to a scenario the run does not play, as an error; undefined when there is none. */
export function findUnknownScenario(thresholds: readonly Threshold[], scenarios: readonly string[]): ThresholdError | undefined {
  const unknown = thresholds.find((t) => t.scenario !== undefined && !scenarios.includes(t.scenario));
  if (unknown?.scenario === undefined) return undefined;
  return {
    code: 'unknown_scenario',
    source: unknown.source,
    expected: `unknown scenario '${unknown.scenario}' in {scenario:${unknown.scenario}}; this run plays ${scenarios.join(', ')}`,
  };
}
