/** A baseline made from a finished run's outcome (harness/report/fold.ts). Pure. */
import { METRIC_NAMES } from '../metrics/definitions.ts';
import type { RunOutcome } from '../report/fold.ts';
import { BASELINE_FORMAT, BASELINE_VERSION, type Baseline, type BaselinePlan, type BaselineScenario, type MachineFacts, type Versions } from './format.ts';

export interface BaselineInput {
  outcome: RunOutcome;
  plan: BaselinePlan;
  versions: Versions;
  machine: MachineFacts;
  /** Codes of the run's trust warnings. */
  warnings: readonly string[];
  savedAt: string;
}

export function buildBaseline(input: BaselineInput): Baseline {
  const { outcome } = input;
  const scenarios: Record<string, BaselineScenario> = {};
  for (const s of outcome.scenarios) {
    const entry: BaselineScenario = { calls: s.calls, failedCalls: s.failedCalls, samples: {}, histograms: {} };
    for (const name of METRIC_NAMES) {
      if (s.samples[name].length === 0) continue;
      entry.samples[name] = [...s.samples[name]];
      entry.histograms[name] = s.metrics[name].encode();
    }
    scenarios[s.name] = entry;
  }
  const histograms: Baseline['histograms'] = {};
  for (const name of METRIC_NAMES) if (outcome.metrics[name].count > 0) histograms[name] = outcome.metrics[name].encode();
  return {
    format: BASELINE_FORMAT,
    version: BASELINE_VERSION,
    savedAt: input.savedAt,
    plan: input.plan,
    versions: input.versions,
    machine: input.machine,
    run: {
      startedAt: outcome.startedAt,
      durationMs: Math.round(outcome.durationMs),
      calls: outcome.scenarios.reduce((sum, s) => sum + s.calls, 0),
      failedCalls: outcome.scenarios.reduce((sum, s) => sum + s.failedCalls, 0),
      warnings: [...input.warnings],
    },
    scenarios,
    histograms,
  };
}
