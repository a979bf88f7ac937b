/**
 * Targets: thresholds (k6 syntax, harness/gate/thresholds.ts) that are informational by default,
 * applied to every scope a table shows. A target written without a scenario is judged over all
 * scenarios and over each scenario that has samples of its metric; `METRIC{scenario:NAME}` only
 * over that one. The results have the thresholds' shape (ThresholdResult, `scenario` absent for
 * the overall scope), so the JSON, the tables and the reports read both alike. `run
 * --targets-gate` makes the targets thresholds as well (exit 99 on a breach). Pure.
 */
import { evaluateThreshold, type HistogramLookup, type ThresholdResult } from '../gate/evaluate.ts';
import type { Threshold } from '../gate/thresholds.ts';
import type { RunSummary } from './summary.ts';

export function evaluateTargets(targets: readonly Threshold[], summary: RunSummary, histograms: HistogramLookup): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  for (const target of targets) {
    if (target.scenario !== undefined) {
      results.push(evaluateThreshold(target, summary, histograms));
      continue;
    }
    results.push(evaluateThreshold(target, summary, histograms));
    for (const [name, scenario] of Object.entries(summary.scenarios)) {
      if ((scenario.metrics[target.metric]?.count ?? 0) === 0) continue;
      results.push(evaluateThreshold({ ...target, scenario: name }, summary, histograms));
    }
  }
  return results;
}

/** The results on `metric` in one scope (`scenario` undefined: over all scenarios). */
export function targetsOf(results: readonly ThresholdResult[], metric: string, scenario: string | undefined): ThresholdResult[] {
  return results.filter((r) => r.metric === metric && r.scenario === scenario);
}

/** `✓ p(50)<=100`, `✗ p(50)<=800`, `✗ p(50)<=800 (no samples)`: several targets on one metric side by side. */
export function targetCell(results: readonly ThresholdResult[]): string {
  return results.map((r) => `${r.ok ? '✓' : '✗'} ${r.expression}${r.observed === null ? ' (no samples)' : ''}`).join('  ');
}

/** Whether any target is on a metric (the tables give a target column only then). */
export function hasTargetOn(results: readonly ThresholdResult[], metric: string): boolean {
  return results.some((r) => r.metric === metric);
}

/**
 * Each target once, as written: its overall result, or for a target scoped to a scenario
 * (`METRIC{scenario:NAME}`) that scenario's. The per-scenario results of an unscoped target are
 * left out (the tables show them).
 */
export function headlineTargets(results: readonly ThresholdResult[]): ThresholdResult[] {
  const overall = new Set(results.filter((r) => r.scenario === undefined).map((r) => `${r.metric} ${r.expression}`));
  return results.filter((r) => r.scenario === undefined || !overall.has(`${r.metric} ${r.expression}`));
}
