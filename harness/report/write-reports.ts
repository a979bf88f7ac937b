/**
 * Writes a run's report files into its report directory, beside result.json: the only impure
 * part of harness/report (it writes files; every renderer it calls is pure and returns a string
 * or bytes). See README "Reports".
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ThresholdResult } from '../gate/evaluate.ts';
import { METRICS, type MetricName } from '../metrics/definitions.ts';
import { renderCallJson } from './call-json.ts';
import { renderCallWav } from './call-wav.ts';
import type { RunOutcome } from './fold.ts';
import { renderHistogramLog } from './hlog.ts';
import { renderHtmlReport } from './html-report.ts';
import { renderJunit, type RegressionCase } from './junit.ts';
import { renderMarkdownSummary } from './markdown-summary.ts';
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
  /** run --baseline: the comparison as Markdown (a section of summary.md), and each regression rule's verdict (junit.xml). */
  baseline?: { markdown: string; regressions: readonly RegressionCase[] } | undefined;
}

export interface WrittenReports {
  dir: string;
  /** The files written, relative to `dir`, calls/ excepted. */
  files: string[];
  /** Calls given a calls/<n>/ folder, and those left out (beyond the collector's limit). */
  calls: number;
  omittedCalls: number;
  /** Calls given a call.wav (run --call-audio). */
  audioCalls: number;
  /** Whether summary.md was appended to $GITHUB_STEP_SUMMARY (false: not set), or why it could not be. */
  stepSummary: boolean | { error: string };
}

const describe = (metric: string): string => METRICS[metric as MetricName] ?? metric;

export async function writeReports(dir: string, input: ReportInput): Promise<WrittenReports> {
  const { outcome, summary, gate, targets, collection } = input;
  await mkdir(dir, { recursive: true });
  const withAudio = new Set<number>();
  for (const call of collection.calls) {
    const callDir = path.join(dir, 'calls', String(call.n));
    await mkdir(callDir, { recursive: true });
    await writeFile(path.join(callDir, 'timeline.json'), renderCallJson(call));
    const wav = renderCallWav(call.record.timeline, call.record.audio);
    if (wav !== undefined) {
      await writeFile(path.join(callDir, 'call.wav'), wav);
      withAudio.add(call.n);
    }
  }
  const markdown = renderMarkdownSummary({ summary, gate, targets, describe, ...(input.baseline === undefined ? {} : { baseline: input.baseline.markdown }) });
  const files: Array<[string, string]> = [
    ['report.html', renderHtmlReport({ outcome, summary, gate, targets, collection, describe, withAudio })],
    ['summary.md', markdown],
    ['junit.xml', renderJunit(outcome, summary, gate, input.baseline?.regressions ?? [])],
    ['histograms.hlog', renderHistogramLog({ startedAt: summary.startedAt, version: summary.callbench.version, intervals: collection.intervals })],
  ];
  for (const [name, text] of files) await writeFile(path.join(dir, name), text);
  let stepSummary: WrittenReports['stepSummary'] = false;
  if (input.stepSummary !== undefined) {
    try {
      await appendFile(input.stepSummary, `${markdown}\n`);
      stepSummary = true;
    } catch (error) {
      // A CI nicety must not fail a run whose results are written: say so instead.
      stepSummary = { error: `${(error as NodeJS.ErrnoException).code ?? 'error'}: ${(error as Error).message}` };
    }
  }
  return { dir, files: files.map(([name]) => name), calls: collection.calls.length, omittedCalls: collection.omittedCalls, stepSummary, audioCalls: withAudio.size };
}

/** The line after `Report: …/result.json` naming the other files. */
export function reportFilesLine(written: WrittenReports): string {
  const audio = written.audioCalls > 0 ? ' with call.wav' : '';
  const calls = written.calls > 0 ? `, calls/<n>/ for ${written.calls} call(s)${audio}${written.omittedCalls > 0 ? ` (${written.omittedCalls} more left out)` : ''}` : '';
  const step =
    written.stepSummary === true ? '; summary.md appended to $GITHUB_STEP_SUMMARY' : written.stepSummary === false ? '' : `; could not append summary.md to $GITHUB_STEP_SUMMARY (${written.stepSummary.error})`;
  return `Also: ${written.files.join(', ')}${calls}${step}`;
}
