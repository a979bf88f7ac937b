/**
 * Writes a run's report files into its report directory, beside result.json: the only impure
 * part of harness/report (it writes files; every renderer it calls is pure and returns a string
 * or bytes). See README "Reports".
 */
import { mkdir } from 'node:fs/promises';
import type { ThresholdResult } from '../gate/evaluate.ts';
import type { RunOutcome } from './fold.ts';
import type { ReportCollection } from './report-collector.ts';
import type { RunSummary } from './summary.ts';

export interface ReportInput {
  outcome: RunOutcome;
  summary: RunSummary;
  /** The thresholds' verdicts (those of --targets-gate among them). */
  gate: readonly ThresholdResult[];
  /** The targets' verdicts (targets.ts), informational. */
  targets: readonly ThresholdResult[];
  collection: ReportCollection;
  /** $GITHUB_STEP_SUMMARY when set: summary.md is appended to it too. */
  stepSummary?: string | undefined;
}

export interface WrittenReports {
  dir: string;
  /** The files written, relative to `dir`, calls/ excepted. */
  files: string[];
  /** Calls given a calls/<n>/ folder, and those left out (beyond the collector's limit). */
  calls: number;
  omittedCalls: number;
  /** Whether summary.md was appended to $GITHUB_STEP_SUMMARY. */
  stepSummary: boolean;
}

export async function writeReports(dir: string, input: ReportInput): Promise<WrittenReports> {
  await mkdir(dir, { recursive: true });
  return { dir, files: [], calls: 0, omittedCalls: input.collection.omittedCalls, stepSummary: false };
}

/** The line after `Report: …/result.json` naming the other files. */
export function reportFilesLine(written: WrittenReports): string {
  const calls = written.calls > 0 ? `, calls/<n>/ for ${written.calls} call(s)${written.omittedCalls > 0 ? ` (${written.omittedCalls} more left out)` : ''}` : '';
  const step = written.stepSummary ? '; summary.md appended to $GITHUB_STEP_SUMMARY' : '';
  return `Also: ${written.files.join(', ')}${calls}${step}`;
}
