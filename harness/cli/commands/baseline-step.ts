/**
 * The baseline part of a finished run (`run --baseline`, `--regression`, `--save-baseline`):
 * compare the run with its baseline, judge the regression rules, save the run as a baseline.
 * Returns what goes into result.json, the text for the terminal and the rules that failed; the
 * caller (run-session.ts) prints and picks the exit code.
 */
import { writeFile } from 'node:fs/promises';
import { buildBaseline } from '../../baseline/build.ts';
import { compareToBaseline, type BaselineComparison, type ScenarioSamples } from '../../baseline/compare.ts';
import { currentVersions, machineFacts } from '../../baseline/environment.ts';
import type { BaselinePlan } from '../../baseline/format.ts';
import type { PlanNote } from '../../baseline/plan.ts';
import { judgeRules, ruleFailed, type RuleResult } from '../../baseline/rules.ts';
import { METRIC_NAMES } from '../../metrics/definitions.ts';
import type { RunOutcome } from '../../report/fold.ts';
import { renderBaselineComparison, renderBaselineMarkdown, renderRules, ruleLine } from '../../report/baseline-table.ts';
import type { RegressionCase } from '../../report/junit.ts';
import type { RunSummary } from '../../report/summary.ts';
import type { BaselineFlags } from '../baseline-flags.ts';

export interface BaselineStep {
  flags: BaselineFlags;
  /** This run's plan, as a baseline records it. */
  plan: BaselinePlan;
  /** What differs from the baseline without making it incomparable (checkBaselineAgainst). */
  notes: readonly PlanNote[];
  version: string;
}

export interface BaselineOutcome {
  /** For result.json: `baseline` (the comparison) and `regressions` (each rule's verdict), when asked for. */
  json: Record<string, unknown>;
  /** For the terminal, after the thresholds ('' for nothing). */
  text: string;
  /** The rules that failed, one line each with the numbers. */
  failed: string[];
  /** The rules that could not be judged (too few samples), one line each with the reason. */
  unjudged: string[];
  /** For the report files: the comparison's section of summary.md and each rule as a junit.xml case; undefined without --baseline. */
  report: { markdown: string; regressions: RegressionCase[] } | undefined;
}

/** A run's samples per scenario, as a baseline keeps them. */
function samplesOf(outcome: RunOutcome): ScenarioSamples {
  return Object.fromEntries(outcome.scenarios.map((s) => [s.name, Object.fromEntries(METRIC_NAMES.filter((m) => s.samples[m].length > 0).map((m) => [m, s.samples[m]]))]));
}

export async function finishBaseline(step: BaselineStep, outcome: RunOutcome, summary: RunSummary): Promise<BaselineOutcome> {
  const { flags } = step;
  const json: Record<string, unknown> = {};
  const text: string[] = [];
  let failed: string[] = [];
  let unjudged: string[] = [];
  let report: BaselineOutcome['report'];
  if (flags.against !== undefined) {
    const { baseline, shown } = flags.against;
    const base: ScenarioSamples = Object.fromEntries(Object.entries(baseline.scenarios).map(([name, s]) => [name, s.samples]));
    const run = samplesOf(outcome);
    const comparison: BaselineComparison = compareToBaseline(base, run, { seed: outcome.seed });
    const rules: RuleResult[] = judgeRules(flags.rules, base, run, { seed: outcome.seed });
    json['baseline'] = { file: shown, savedAt: baseline.savedAt, calls: baseline.run.calls, notes: step.notes, ...comparison };
    if (flags.rules.length > 0) json['regressions'] = rules.map((r) => ({ ...r, rule: { metric: r.rule.metric, ...(r.rule.scenario === undefined ? {} : { scenario: r.rule.scenario }), expression: r.rule.expression }, failed: ruleFailed(r) }));
    const header = { file: shown, savedAt: baseline.savedAt, calls: baseline.run.calls, notes: step.notes.map((n) => n.message) };
    text.push(renderBaselineComparison(comparison, header));
    report = {
      markdown: renderBaselineMarkdown(comparison, header, rules),
      regressions: rules.map((r) => ({ name: `${r.rule.metric}${r.rule.scenario === undefined ? '' : `{scenario:${r.rule.scenario}}`} ${r.rule.expression}`, failed: ruleFailed(r), line: ruleLine(r) })),
    };
    const rendered = renderRules(rules);
    if (rendered !== '') text.push(rendered);
    failed = rules.filter(ruleFailed).map(ruleLine);
    unjudged = rules.filter((r) => r.kind === 'not-judged').map(ruleLine);
  }
  if (flags.save !== undefined) {
    if (summary.partial === true) {
      text.push(`Baseline not saved to ${flags.save.shown}: the run was stopped before its end, and a partial run is no baseline.`);
    } else {
      const saved = buildBaseline({ outcome, plan: step.plan, versions: currentVersions(step.version), machine: machineFacts(), warnings: summary.warnings.map((w) => w.code), savedAt: new Date().toISOString() });
      await writeFile(flags.save.file, `${JSON.stringify(saved)}\n`);
      json['savedBaseline'] = flags.save.shown;
      text.push(`Baseline saved: ${flags.save.shown} (${saved.run.calls} call(s)${saved.run.warnings.length > 0 ? `; measured on a loaded machine: ${saved.run.warnings.join(', ')}` : ''}).`);
    }
  }
  return { json, text: text.join('\n\n'), failed, unjudged, report };
}
