/**
 * junit.xml: the run as JUnit test results, the schema CI servers read (Jenkins, GitLab, GitHub
 * test-report actions): <testsuites> of <testsuite> of <testcase>, with <failure> and <skipped>.
 *
 * - One testsuite per scenario, `callbench.<scenario>`: per measured call a `call` testcase (a
 *   failure when the call failed, with its error), then one testcase per check verdict of the call
 *   (classname `callbench.<scenario>.call-<n>`, name the check id): a failed error check is a
 *   <failure> with its evidence, a skipped check <skipped> with its reason. A failed
 *   warning-severity check passes with its evidence in <system-out>: warnings never fail a run
 *   (its exit code), and a CI server must not read the run as failed when callbench does not.
 * - `callbench.thresholds`: one testcase per threshold (those of --targets-gate among them), a
 *   failure with what it observed.
 * - `callbench.regressions` (run --baseline with --regression): one testcase per regression rule,
 *   a failure when the rule failed, its line of numbers the message.
 * - `callbench.run`: whether the run ran to its end (a partial run is a failure), with the trust
 *   warnings in <system-err>.
 *
 * Counts (tests, failures, errors, skipped) are computed from the testcases written. Pure.
 */
import type { CallVerdicts, CheckVerdict } from '../checks/check.ts';
import type { ThresholdResult } from '../gate/evaluate.ts';
import type { RunOutcome } from './fold.ts';
import type { RunSummary } from './summary.ts';
import { escapeXml } from './xml-escape.ts';

interface TestCase {
  name: string;
  classname: string;
  result: { kind: 'passed'; out?: string } | { kind: 'failure'; type: string; message: string; body: string } | { kind: 'skipped'; message: string };
}

/** A regression rule's verdict (harness/baseline/rules.ts) as its one line of numbers. */
export interface RegressionCase {
  /** The rule as written: `turn.response_ms p(95) +10%`. */
  name: string;
  failed: boolean;
  line: string;
}

interface Suite {
  name: string;
  cases: TestCase[];
  err?: string;
}

function thresholdLabel(r: ThresholdResult): string {
  return `${r.scenario === undefined ? r.metric : `${r.metric}{scenario:${r.scenario}}`} ${r.expression}`;
}

function verdictCase(scenario: string, call: number, v: CheckVerdict): TestCase {
  const classname = `callbench.${scenario}.call-${call}`;
  const name = v.id;
  switch (v.status) {
    case 'passed':
      return { name, classname, result: { kind: 'passed' } };
    case 'skipped':
      return { name, classname, result: { kind: 'skipped', message: v.reason } };
    case 'failed':
      if (v.severity === 'warning') return { name, classname, result: { kind: 'passed', out: `warning check failed (warnings never fail a run):\n${v.evidence.join('\n')}` } };
      return { name, classname, result: { kind: 'failure', type: `${v.severity}`, message: v.evidence[0] ?? 'failed', body: v.evidence.join('\n') } };
  }
}

/** fold.ts writes each failed call's error as `call <n>: <error>`. */
function callErrors(errors: readonly string[]): Map<number, string> {
  const byCall = new Map<number, string>();
  for (const line of errors) {
    const m = /^call (\d+): ([\s\S]*)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) byCall.set(Number(m[1]), m[2]);
  }
  return byCall;
}

/**
 * The measured calls of a scenario: those with verdicts and those that failed (a call that never
 * connected has no verdicts), by number; an open model's dropped calls leave gaps.
 */
function scenarioSuite(name: string, errors: readonly string[], checks: readonly CallVerdicts[]): Suite {
  const failures = callErrors(errors);
  const verdicts = new Map(checks.map((c) => [c.call, c.verdicts]));
  const numbers = [...new Set([...verdicts.keys(), ...failures.keys()])].sort((a, b) => a - b);
  const cases: TestCase[] = [];
  for (const n of numbers) {
    const classname = `callbench.${name}.call-${n}`;
    const error = failures.get(n);
    cases.push({ name: 'call', classname, result: error === undefined ? { kind: 'passed' } : { kind: 'failure', type: 'call', message: error, body: error } });
    for (const v of verdicts.get(n) ?? []) cases.push(verdictCase(name, n, v));
  }
  return { name: `callbench.${name}`, cases };
}

function thresholdSuite(gate: readonly ThresholdResult[]): Suite {
  return {
    name: 'callbench.thresholds',
    cases: gate.map((r) => {
      const observed = r.observed === null ? 'no samples' : `observed ${r.observed}${r.underSampled === true ? ' (fewer samples than this percentile needs: the largest sample)' : ''}`;
      return {
        name: thresholdLabel(r),
        classname: 'callbench.thresholds',
        result: r.ok ? { kind: 'passed', out: `${observed}, ${r.samples} sample(s)` } : { kind: 'failure', type: 'threshold', message: `${thresholdLabel(r)}: ${observed}`, body: `${observed}, ${r.samples} sample(s)` },
      };
    }),
  };
}

function regressionSuite(rules: readonly RegressionCase[]): Suite {
  return {
    name: 'callbench.regressions',
    cases: rules.map((r) => ({
      name: r.name,
      classname: 'callbench.regressions',
      result: r.failed ? { kind: 'failure', type: 'regression', message: r.line, body: r.line } : { kind: 'passed', out: r.line },
    })),
  };
}

function runSuite(summary: RunSummary): Suite {
  const partial = summary.stopped;
  const run: TestCase = {
    name: 'run completed',
    classname: 'callbench.run',
    result: partial === undefined ? { kind: 'passed' } : { kind: 'failure', type: partial.reason, message: `partial run: ${partial.message}`, body: partial.message },
  };
  const warnings = summary.warnings.map((w) => `${w.code}: ${w.message}`).join('\n');
  return { name: 'callbench.run', cases: [run], ...(warnings === '' ? {} : { err: `this run cannot be trusted:\n${warnings}` }) };
}

function counts(cases: readonly TestCase[]): { tests: number; failures: number; skipped: number } {
  return { tests: cases.length, failures: cases.filter((c) => c.result.kind === 'failure').length, skipped: cases.filter((c) => c.result.kind === 'skipped').length };
}

function renderCase(c: TestCase): string {
  const open = `    <testcase name="${escapeXml(c.name)}" classname="${escapeXml(c.classname)}" time="0"`;
  switch (c.result.kind) {
    case 'passed':
      return c.result.out === undefined ? `${open}/>` : `${open}>\n      <system-out>${escapeXml(c.result.out)}</system-out>\n    </testcase>`;
    case 'skipped':
      return `${open}>\n      <skipped message="${escapeXml(c.result.message)}"/>\n    </testcase>`;
    case 'failure':
      return `${open}>\n      <failure message="${escapeXml(c.result.message)}" type="${escapeXml(c.result.type)}">${escapeXml(c.result.body)}</failure>\n    </testcase>`;
  }
}

export function renderJunit(outcome: RunOutcome, summary: RunSummary, gate: readonly ThresholdResult[], regressions: readonly RegressionCase[] = []): string {
  const suites: Suite[] = [
    ...outcome.scenarios.map((s) => scenarioSuite(s.name, s.errors, s.checks)),
    ...(gate.length > 0 ? [thresholdSuite(gate)] : []),
    ...(regressions.length > 0 ? [regressionSuite(regressions)] : []),
    runSuite(summary),
  ];
  const time = (summary.durationMs / 1000).toFixed(3);
  const all = counts(suites.flatMap((s) => s.cases));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="callbench" tests="${all.tests}" failures="${all.failures}" errors="0" skipped="${all.skipped}" time="${time}">`,
  ];
  for (const [id, suite] of suites.entries()) {
    const c = counts(suite.cases);
    lines.push(
      `  <testsuite name="${escapeXml(suite.name)}" id="${id}" tests="${c.tests}" failures="${c.failures}" errors="0" skipped="${c.skipped}" time="0" timestamp="${escapeXml(summary.startedAt.replace(/\.\d+Z$/, ''))}">`,
      ...suite.cases.map(renderCase),
      ...(suite.err === undefined ? [] : [`    <system-err>${escapeXml(suite.err)}</system-err>`]),
      '  </testsuite>',
    );
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
