/**
 * Check verdicts aggregated over calls, per scenario or over the whole run: for each check id how
 * many calls it was checked on (passed or failed), failed on and skipped on (with each reason), and
 * the first EVIDENCE_LINES evidence lines of its failures with the scenario and call they come from.
 */
import { CHECK_IDS, CHECKS, type CallVerdicts, type CheckId, type CheckStatus, type Severity } from './check.ts';

/** Evidence lines a summary keeps per check. */
export const EVIDENCE_LINES = 3;

export interface CheckEvidence {
  scenario: string;
  /** 1-based index of the measured call within its scenario. */
  call: number;
  line: string;
}

export interface CheckSummary {
  severity: Severity;
  /** failed if it failed on any call, passed if it was checked on some and failed on none, skipped if it applied to none. */
  status: CheckStatus;
  /** Calls it applied to (passed or failed). */
  checked: number;
  failed: number;
  skipped: number;
  /** Why it was skipped, with how many calls each reason covers, most frequent first. */
  skipReasons: Array<{ reason: string; calls: number }>;
  evidence: CheckEvidence[];
}

export type ChecksSummary = Record<CheckId, CheckSummary>;

export interface ScenarioVerdicts {
  scenario: string;
  calls: readonly CallVerdicts[];
}

/** Aggregates the verdicts of the given scenarios' calls (scenarios in the order given, calls by index). */
export function summarizeChecks(groups: readonly ScenarioVerdicts[]): ChecksSummary {
  const calls = groups.flatMap((g) => [...g.calls].sort((a, b) => a.call - b.call).map((c) => ({ scenario: g.scenario, ...c })));
  const entries = CHECK_IDS.map((id): [CheckId, CheckSummary] => {
    let checked = 0;
    let failed = 0;
    let skipped = 0;
    const reasons = new Map<string, number>();
    const evidence: CheckEvidence[] = [];
    for (const call of calls) {
      for (const verdict of call.verdicts) {
        if (verdict.id !== id) continue;
        if (verdict.status === 'skipped') {
          skipped++;
          reasons.set(verdict.reason, (reasons.get(verdict.reason) ?? 0) + 1);
          continue;
        }
        checked++;
        if (verdict.status !== 'failed') continue;
        failed++;
        for (const line of verdict.evidence) if (evidence.length < EVIDENCE_LINES) evidence.push({ scenario: call.scenario, call: call.call, line });
      }
    }
    const status: CheckStatus = failed > 0 ? 'failed' : checked > 0 ? 'passed' : 'skipped';
    const skipReasons = [...reasons].map(([reason, n]) => ({ reason, calls: n })).sort((a, b) => b.calls - a.calls);
    return [id, { severity: CHECKS[id].severity, status, checked, failed, skipped, skipReasons, evidence }];
  });
  return Object.fromEntries(entries) as ChecksSummary;
}

/** The error-severity checks that failed on some call: any of them fails the run (exit 3). */
export function failedErrorChecks(summary: ChecksSummary): CheckId[] {
  return CHECK_IDS.filter((id) => summary[id].severity === 'error' && summary[id].failed > 0);
}

/**
 * Adds check summaries of disjoint sets of calls (the shards of a run, or its scenarios) into the
 * one summarizeChecks would give over all of them: counts and skip reasons added, the status
 * decided again, and the first EVIDENCE_LINES evidence lines in the order summarizeChecks keeps
 * them (scenarios in `scenarioOrder`, then by call; each part already holds its own first ones).
 */
export function addCheckSummaries(parts: readonly ChecksSummary[], scenarioOrder: readonly string[]): ChecksSummary {
  const rank = (scenario: string): number => {
    const i = scenarioOrder.indexOf(scenario);
    return i < 0 ? scenarioOrder.length : i;
  };
  const entries = CHECK_IDS.map((id): [CheckId, CheckSummary] => {
    const of = parts.map((part) => part[id]).filter((s): s is CheckSummary => s !== undefined);
    const checked = of.reduce((sum, s) => sum + s.checked, 0);
    const failed = of.reduce((sum, s) => sum + s.failed, 0);
    const skipped = of.reduce((sum, s) => sum + s.skipped, 0);
    const reasons = new Map<string, number>();
    for (const s of of) for (const r of s.skipReasons) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + r.calls);
    // A stable sort: a call's lines come from one part, in their order.
    const evidence = of
      .flatMap((s) => s.evidence)
      .sort((a, b) => rank(a.scenario) - rank(b.scenario) || a.call - b.call)
      .slice(0, EVIDENCE_LINES);
    const status: CheckStatus = failed > 0 ? 'failed' : checked > 0 ? 'passed' : 'skipped';
    const skipReasons = [...reasons].map(([reason, n]) => ({ reason, calls: n })).sort((a, b) => b.calls - a.calls);
    return [id, { severity: CHECKS[id].severity, status, checked, failed, skipped, skipReasons, evidence }];
  });
  return Object.fromEntries(entries) as ChecksSummary;
}
