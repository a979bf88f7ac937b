/**
 * The part of `callbench run` after the flags: start the run, subscribe the progress printer
 * (stderr) and the result fold to its events, then write reports/<run-id>/result.json, render it
 * (stdout) and pick the exit code. A run stopped early (Ctrl-C, SIGTERM, the agent exiting) still
 * gets its report, marked partial.
 */
import { writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import path from 'node:path';
import type { Clock } from '../../clock.ts';
import { failedErrorChecks } from '../../checks/summary.ts';
import { evaluateThresholds, outcomeHistograms } from '../../gate/evaluate.ts';
import type { Threshold } from '../../gate/thresholds.ts';
import { METRICS, type MetricName } from '../../metrics/definitions.ts';
import { renderChecks } from '../../report/checks-table.ts';
import { renderUpstream } from '../../report/upstream-table.ts';
import { createRunFold } from '../../report/fold.ts';
import { attachProgress } from '../../report/progress-driver.ts';
import { createReportCollector } from '../../report/report-collector.ts';
import { evaluateTargets } from '../../report/targets.ts';
import { reportFilesLine, writeReports } from '../../report/write-reports.ts';
import { summarize } from '../../report/summary.ts';
import { renderSummaryTable } from '../../report/table.ts';
import { renderThresholds } from '../../report/thresholds-table.ts';
import type { TrustBounds } from '../../report/trust-bounds.ts';
import { renderWarnings } from '../../report/warnings.ts';
import { AgentUnreachableError } from '../../runner/external-agent.ts';
import { AgentStartError } from '../../runner/process-agent.ts';
import type { RunPlan } from '../../runner/run.ts';
import { startRun } from '../../runner/start-run.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { makeReportDir, runId } from '../report-dir.ts';
import { finishBaseline, type BaselineStep } from './baseline-step.ts';
import { UsageError } from '../usage-error.ts';
import type { CaptureScenario } from '../capture-scenario.ts';
import { createReplayCollector, renderReplayReport, replayJson } from '../../replay/replay-report.ts';
import type { BaselinePlan } from '../../baseline/format.ts';
import { shardPartOf } from '../../shard/shard-part.ts';

export interface RunSession {
  plan: RunPlan;
  clock: Clock;
  io: CommandIo;
  /** One JSON object on stdout instead of the tables. */
  json: boolean;
  thresholds: readonly Threshold[];
  /** Aborted with the signal's name ('SIGINT', 'SIGTERM') to stop the run early. */
  signal: AbortSignal | undefined;
  /** The --mock-port value, for the error when it is taken. */
  mockPort: string | undefined;
  /** --strict: a run that cannot be trusted (any summary warning) fails, exit 3. */
  strict: boolean;
  /** Beyond these the run gets warnings (harness/report/trust-bounds.ts). */
  trustBounds: Readonly<TrustBounds>;
  version: string;
  /** --out DIR (absolute), else undefined for ./reports/<run-id>/ of `cwd`. */
  out: string | undefined;
  /** The working directory: reports go under it, and paths are shown relative to it. */
  cwd: string;
  /** What ran, for the run id (report-dir.ts agentLabel). */
  agentLabel: string;
  /** Informational targets (harness/report/targets.ts): a ✓/✗ target column in every table and report. */
  targets: readonly Threshold[];
  /** $GITHUB_STEP_SUMMARY when set: summary.md is appended to it. */
  stepSummary: string | undefined;
  /** --baseline / --regression / --save-baseline (baseline-step.ts). */
  baseline?: BaselineStep;
  /** A capture replayed (`callbench replay`, `run --scenario CAPTURE`): its verdicts' identity and timing join the report. */
  replay?: CaptureScenario;
  /** --shard: the whole plan, for result.json's forMerge (harness/shard/shard-part.ts). */
  shardPlan?: BaselinePlan;
}

/** A process stopped by a signal exits 128 + its number: 130 for SIGINT, 143 for SIGTERM. */
function signalExitCode(reason: string): number {
  const number = (constants.signals as Record<string, number | undefined>)[reason];
  return number === undefined ? EXIT.internal : 128 + number;
}

export async function playAndReport(session: RunSession): Promise<number> {
  const { io, plan } = session;
  const run = startRun(plan, { clock: session.clock, ...(session.signal === undefined ? {} : { signal: session.signal }) });
  const fold = createRunFold();
  const reports = createReportCollector();
  const replayed = session.replay === undefined ? undefined : createReplayCollector(session.replay.plan, session.replay.source);
  run.subscribe((event) => {
    fold.add(event);
    reports.add(event);
    replayed?.add(event);
  });
  attachProgress(run, io, session.clock);
  const ended = await run.result.catch((error: unknown) => {
    // What the user can fix: the agent command or URL, or ports taken by something else.
    if (error instanceof AgentStartError) throw new UsageError(`--agent-cmd: ${error.message}`);
    if (error instanceof AgentUnreachableError) throw new UsageError(`--agent-url ${error.message}`);
    if (session.mockPort !== undefined && (error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const port = Number(session.mockPort);
      throw new UsageError(`--mock-port ${session.mockPort}: port ${port}, ${port + 1} or ${port + 2} is already in use`);
    }
    throw error;
  });
  const outcome = fold.outcome();
  const summary = summarize(outcome, session.version, { trustBounds: session.trustBounds });
  const gate = evaluateThresholds(session.thresholds, summary, outcomeHistograms(outcome));
  const targets = evaluateTargets(session.targets, summary, outcomeHistograms(outcome));
  const gating = session.baseline === undefined ? undefined : await finishBaseline(session.baseline, outcome, summary);
  const replayReport = replayed?.report();
  const replayPart = session.replay !== undefined && replayReport !== undefined ? { replay: replayJson(session.replay.plan, replayReport, session.replay.dir) } : {};
  const result = { ...summary, thresholds: gate, targets, ...gating?.json, ...replayPart, ...(session.shardPlan === undefined ? {} : { forMerge: shardPartOf(outcome, session.shardPlan) }) };

  const dir = await makeReportDir(session.out, session.cwd, runId(outcome.startedAt, outcome.profile, session.agentLabel));
  const relative = path.relative(session.cwd, path.join(dir, 'result.json'));
  // A --out outside the working directory is shown as given rather than as ../../…
  const reportLine = `Report: ${relative.startsWith('..') ? path.join(dir, 'result.json') : relative}`;
  await writeFile(path.join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  const written = await writeReports(dir, { outcome, summary, gate, targets, collection: reports.collection(), stepSummary: session.stepSummary, baseline: gating?.report });

  const warnings = renderWarnings(summary.warnings);
  if (session.json) {
    io.out(JSON.stringify(result));
    // stdout is for the machine; a person watching stderr should still see that the figures cannot be trusted.
    if (warnings !== '') io.progress(warnings);
    // So is a regression rule that could not be judged: the gate passed it without evidence.
    for (const line of gating?.unjudged ?? []) io.progress(`callbench: ${line.replace(/^\? /, 'regression ')}`);
    // Where the report went is not part of the JSON (which is the report); it goes where a person or a CI log sees it.
    io.progress(reportLine);
  } else {
    io.out(renderSummaryTable(summary, (metric) => METRICS[metric as MetricName] ?? metric, targets));
    io.out(`\n${renderChecks(summary.checks)}`);
    const upstream = renderUpstream(summary);
    if (upstream !== '') io.out(`\n${upstream}`);
    if (gate.length > 0) io.out(`\n${renderThresholds(gate)}`);
    if (gating !== undefined && gating.text !== '') io.out(`\n${gating.text}`);
    if (session.replay !== undefined && replayReport !== undefined) io.out(`\n${renderReplayReport(session.replay.plan, replayReport)}`);
    if (warnings !== '') io.out(`\n${warnings}`);
    io.out(`\n${reportLine}`);
    io.out(reportFilesLine(written));
  }
  switch (ended.state) {
    case 'interrupted':
      return signalExitCode(ended.reason);
    case 'agent-exited':
      // One line for the cause, rather than the same failure on every call after it.
      io.progress(`callbench: ${ended.message}`);
      return EXIT.conformance;
    case 'completed': {
      const failed = outcome.scenarios.reduce((sum, s) => sum + s.failedCalls, 0);
      // A failed call or error-severity check is a conformance failure and wins over a threshold breach.
      if (failed > 0 || failedErrorChecks(summary.checks).length > 0) return EXIT.conformance;
      // A run that cannot be trusted has not shown its thresholds hold (or fail): under --strict it fails as a conformance failure does.
      if (session.strict && summary.warnings.length > 0) {
        io.progress(`callbench: --strict: this run cannot be trusted (${summary.warnings.map((w) => w.code).join(', ')}); exit 3`);
        return EXIT.conformance;
      }
      // A regression (--regression) fails as a threshold does, one line with its numbers for each.
      for (const line of gating?.failed ?? []) io.progress(`callbench: regression: ${line.replace(/^✗ /, '')}`);
      return gate.some((r) => !r.ok) || (gating?.failed.length ?? 0) > 0 ? EXIT.threshold : EXIT.ok;
    }
  }
}
