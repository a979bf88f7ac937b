/**
 * Threshold parsing: k6 expressions (p(N), med, min, max, count; six operators; a number), the
 * `METRIC: EXPRESSION` flag, the JSON file, the `{scenario:NAME}` tag, and every refusal with its
 * code, its source (flag text, or file and field) and its exact message. `avg` is refused.
 */
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../harness/metrics/definitions.ts';
import {
  findUnknownScenario,
  parseExpression,
  parseThresholdFile,
  parseThresholdFlag,
  type Parsed,
  type Threshold,
  type ThresholdError,
} from '../../harness/gate/thresholds.ts';

const FILE = 'gate/thresholds.json';
const METRICS_LIST = METRIC_NAMES.join(', ');

function value<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new Error(`expected a threshold, got ${parsed.error.code}: ${parsed.error.expected}`);
  return parsed.value;
}

function error<T>(parsed: Parsed<T>): ThresholdError {
  if (parsed.ok) throw new Error('expected an error');
  return parsed.error;
}

describe('parseExpression', () => {
  it.each([
    ['p(95)<1500', { kind: 'percentile', percentile: 95 }, '<', 1500, 'p(95)<1500'],
    ['p(99.9) <= 2000.5', { kind: 'percentile', percentile: 99.9 }, '<=', 2000.5, 'p(99.9)<=2000.5'],
    ['  p( 75 )>10 ', { kind: 'percentile', percentile: 75 }, '>', 10, 'p(75)>10'],
    ['p(100)<3000', { kind: 'percentile', percentile: 100 }, '<', 3000, 'p(100)<3000'],
    ['med<1000', { kind: 'percentile', percentile: 50 }, '<', 1000, 'med<1000'],
    ['min>=0', { kind: 'min' }, '>=', 0, 'min>=0'],
    ['max<0.001', { kind: 'max' }, '<', 0.001, 'max<0.001'],
    ['count==20', { kind: 'count' }, '==', 20, 'count==20'],
    ['count != 0', { kind: 'count' }, '!=', 0, 'count!=0'],
  ])('%j', (text, aggregation, operator, number, expression) => {
    expect(parseExpression(text)).toEqual({ ok: true, value: { aggregation, operator, value: number, expression } });
  });

  it.each([
    ['<1500', 'syntax', "expected an aggregation (p(N), med, min, max or count), an operator and a number, e.g. p(95)<1500, got '<1500'"],
    ['', 'syntax', "expected an aggregation (p(N), med, min, max or count), an operator and a number, e.g. p(95)<1500, got ''"],
    [
      'avg<1500',
      'mean_refused',
      'avg is not allowed: callbench never gates on a lone mean, which hides how slow the slow calls are (19 replies of 500 ms and one of 5 s average 725 ms); use med or p(N), e.g. p(95)<1500',
    ],
    [
      'mean<1500',
      'mean_refused',
      'mean is not allowed: callbench never gates on a lone mean, which hides how slow the slow calls are (19 replies of 500 ms and one of 5 s average 725 ms); use med or p(N), e.g. p(95)<1500',
    ],
    ['rate<0.01', 'unknown_aggregation', "unknown aggregation 'rate'; expected p(N), med, min, max or count, e.g. p(95)<1500"],
    ['p95<1500', 'unknown_aggregation', "unknown aggregation 'p95'; expected p(N), med, min, max or count, e.g. p(95)<1500"],
    ['p(0)<1500', 'bad_percentile', "p(N) expects N above 0 and at most 100 (e.g. p(95), p(99.9)), got 'p(0)'"],
    ['p(100.5)<1500', 'bad_percentile', "p(N) expects N above 0 and at most 100 (e.g. p(95), p(99.9)), got 'p(100.5)'"],
    ['p(x)<1500', 'bad_percentile', "p(N) expects N above 0 and at most 100 (e.g. p(95), p(99.9)), got 'p(x)'"],
    ['p(95)=1500', 'bad_operator', "expected an operator (<, <=, >, >=, == or !=) after 'p(95)', got '=1500'"],
    ['max', 'bad_operator', "expected an operator (<, <=, >, >=, == or !=) after 'max', got ''"],
    ['p(95)<1.5s', 'bad_value', "expected a number of ms after 'p(95)<' (no unit, e.g. p(95)<1500), got '1.5s'"],
    ['med<-1', 'bad_value', "expected a number of ms after 'med<' (no unit, e.g. p(95)<1500), got '-1'"],
    ['p(95)===1500', 'bad_value', "expected a number of ms after 'p(95)==' (no unit, e.g. p(95)<1500), got '=1500'"],
    ['count>=many', 'bad_value', "expected a number of samples after 'count>=' (e.g. count>=20), got 'many'"],
  ])('refuses %j', (text, code, expected) => {
    expect(parseExpression(text)).toEqual({ ok: false, problem: { code, expected } });
  });
});

describe('parseThresholdFlag', () => {
  it('reads METRIC: EXPRESSION', () => {
    const text = 'turn.response_ms: p(95)<1500';
    expect(value(parseThresholdFlag(text))).toEqual<Threshold>({
      metric: 'turn.response_ms',
      aggregation: { kind: 'percentile', percentile: 95 },
      operator: '<',
      value: 1500,
      expression: 'p(95)<1500',
      source: { kind: 'flag', text },
    });
  });

  it('reads a scenario tag, k6 style', () => {
    const t = value(parseThresholdFlag('bargein.clear_ms{scenario:barge-in-mid-sentence}:max<300'));
    expect(t.metric).toBe('bargein.clear_ms');
    expect(t.scenario).toBe('barge-in-mid-sentence');
    expect(t.expression).toBe('max<300');
    expect('scenario' in value(parseThresholdFlag('bargein.clear_ms: max<300'))).toBe(false);
  });

  it.each([
    ['turn.response_ms p(95)<1500', 'flag_shape', "expected 'METRIC: EXPRESSION', e.g. 'turn.response_ms: p(95)<1500'"],
    [': p(95)<1500', 'flag_shape', "expected 'METRIC: EXPRESSION', e.g. 'turn.response_ms: p(95)<1500'"],
    ['turn.response_ms{scenario:x p(95)<1500', 'flag_shape', "expected 'METRIC: EXPRESSION', e.g. 'turn.response_ms: p(95)<1500'"],
    ['http_req_duration: p(95)<1500', 'unknown_metric', `unknown metric 'http_req_duration'; expected one of ${METRICS_LIST}`],
    ['turn.response_ms{type:API}: p(95)<1500', 'bad_tag', "expected {scenario:NAME} after the metric name (scenario is the only tag), got '{type:API}'"],
    ['turn.response_ms{scenario:a,kind:b}: p(95)<1500', 'bad_tag', "expected {scenario:NAME} after the metric name (scenario is the only tag), got '{scenario:a,kind:b}'"],
    ['turn.response_ms{scenario:}: p(95)<1500', 'bad_tag', "expected {scenario:NAME} after the metric name (scenario is the only tag), got '{scenario:}'"],
    ['turn.response_ms: avg<1500', 'mean_refused', 'avg is not allowed: callbench never gates on a lone mean, which hides how slow the slow calls are (19 replies of 500 ms and one of 5 s average 725 ms); use med or p(N), e.g. p(95)<1500'],
  ])('refuses %j, naming the flag value', (text, code, expected) => {
    expect(error(parseThresholdFlag(text))).toEqual({ code, source: { kind: 'flag', text }, expected });
  });
});

describe('parseThresholdFile', () => {
  const at = (field: string) => ({ kind: 'file', file: FILE, field }) as const;

  it('reads k6 thresholds objects, in order, each item with its field', () => {
    const text = JSON.stringify({
      'turn.response_ms': ['p(95)<1500', 'p(50)<1000'],
      'bargein.clear_ms{scenario:barge-in-mid-sentence}': ['max<300'],
    });
    const thresholds = value(parseThresholdFile(FILE, text));
    expect(thresholds.map((t) => [t.metric, t.scenario, t.expression, t.source])).toEqual([
      ['turn.response_ms', undefined, 'p(95)<1500', at('turn.response_ms[0]')],
      ['turn.response_ms', undefined, 'p(50)<1000', at('turn.response_ms[1]')],
      ['bargein.clear_ms', 'barge-in-mid-sentence', 'max<300', at('bargein.clear_ms{scenario:barge-in-mid-sentence}[0]')],
    ]);
  });

  it.each([
    ['{ "turn.response_ms": ', 'not_json', '', 'is not valid JSON: line 1, column 23: expected a value (an object, array, string, number, true, false or null), found the end of the file'],
    // V8 would quote the text around the error raw, its line break included: the line and column say where instead.
    ['{\n  "turn.response_ms": ["p(95)<1500",]\n}', 'not_json', '', "is not valid JSON: line 2, column 37: expected a value (an object, array, string, number, true, false or null), found ']'"],
    ['[]', 'file_shape', '', 'expected a JSON object mapping metric names to arrays of threshold expressions, e.g. {"turn.response_ms": ["p(95)<1500"]}, got an array'],
    ['null', 'file_shape', '', 'expected a JSON object mapping metric names to arrays of threshold expressions, e.g. {"turn.response_ms": ["p(95)<1500"]}, got null'],
    ['"p(95)<1500"', 'file_shape', '', 'expected a JSON object mapping metric names to arrays of threshold expressions, e.g. {"turn.response_ms": ["p(95)<1500"]}, got a string'],
    ['{}', 'no_thresholds', '', 'has no thresholds; expected at least one metric, e.g. {"turn.response_ms": ["p(95)<1500"]}'],
    ['{"turn.response_ms": []}', 'no_thresholds', 'turn.response_ms', 'expected at least one threshold expression such as "p(95)<1500", got []'],
    ['{"turn.response_ms": "p(95)<1500"}', 'file_shape', 'turn.response_ms', 'expected an array of threshold expressions such as ["p(95)<1500"], got a string'],
    ['{"turn.response_ms": {"p(95)": 1500}}', 'file_shape', 'turn.response_ms', 'expected an array of threshold expressions such as ["p(95)<1500"], got an object'],
    ['{"turn.response_ms": ["p(95)<1500", 1500]}', 'file_shape', 'turn.response_ms[1]', 'expected a threshold expression string such as "p(95)<1500", got a number'],
    [
      '{"turn.response_ms": [{"threshold": "p(95)<1500", "abortOnFail": true}]}',
      'file_shape',
      'turn.response_ms[0]',
      'k6\'s object form ({threshold, abortOnFail}) is not supported; write the expression as a string such as "p(95)<1500"',
    ],
    ['{"turn.response": ["p(95)<1500"]}', 'unknown_metric', 'turn.response', `unknown metric 'turn.response'; expected one of ${METRICS_LIST}`],
    ['{"turn response_ms": ["p(95)<1500"]}', 'unknown_metric', 'turn response_ms', "expected a metric name, or METRIC{scenario:NAME}, got 'turn response_ms'"],
    ['{"turn.response_ms{name:x}": ["p(95)<1500"]}', 'bad_tag', 'turn.response_ms{name:x}', "expected {scenario:NAME} after the metric name (scenario is the only tag), got '{name:x}'"],
    [
      '{"turn.response_ms": ["p(95)<1500", "avg<900"]}',
      'mean_refused',
      'turn.response_ms[1]',
      'avg is not allowed: callbench never gates on a lone mean, which hides how slow the slow calls are (19 replies of 500 ms and one of 5 s average 725 ms); use med or p(N), e.g. p(95)<1500',
    ],
    ['{"bargein.clear_ms": ["max<300ms"]}', 'bad_value', 'bargein.clear_ms[0]', "expected a number of ms after 'max<' (no unit, e.g. p(95)<1500), got '300ms'"],
  ])('refuses %s', (text, code, field, expected) => {
    expect(error(parseThresholdFile(FILE, text))).toEqual({ code, source: at(field), expected });
  });
});

describe('findUnknownScenario', () => {
  const thresholds = [
    value(parseThresholdFlag('turn.response_ms{scenario:greeting}: p(95)<1500')),
    value(parseThresholdFlag('turn.response_ms: p(95)<1500')),
    value(parseThresholdFlag('bargein.clear_ms{scenario:barge-in}: max<300')),
  ];

  it('accepts thresholds on scenarios the run plays, and unscoped ones', () => {
    expect(findUnknownScenario(thresholds, ['greeting', 'barge-in'])).toBeUndefined();
  });

  it('names the first scenario the run does not play, with the threshold\'s source', () => {
    expect(findUnknownScenario(thresholds, ['greeting', 'long-answer'])).toEqual({
      code: 'unknown_scenario',
      source: { kind: 'flag', text: 'bargein.clear_ms{scenario:barge-in}: max<300' },
      expected: "unknown scenario 'barge-in' in {scenario:barge-in}; this run plays greeting, long-answer",
    });
    const fromFile = value(parseThresholdFile(FILE, '{"turn.gap_ms{scenario:nope}": ["max<100"]}'));
    expect(findUnknownScenario(fromFile, ['greeting'])).toEqual({
      code: 'unknown_scenario',
      source: { kind: 'file', file: FILE, field: 'turn.gap_ms{scenario:nope}[0]' },
      expected: "unknown scenario 'nope' in {scenario:nope}; this run plays greeting",
    });
  });
});
