/**
 * The part of `callbench compare` after the flags: start the comparison, show its progress
 * (stderr, as a run's), fold each variant's events into its own outcome, analyse the table, write
 * result.json and summary.md into the report folder, print the table (stdout) and pick the exit
 * code. A comparison stopped early (Ctrl-C, an agent exiting) still gets its report, marked partial.
 */
import { appendFile, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import path from 'node:path';
import type { Clock } from '../../clock.ts';
import { failedErrorChecks } from '../../checks/summary.ts';
import { analyzeCompare, type CompareAnalysis, type VariantResult } from '../../compare/analyze.ts';
import type { MatrixName } from '../../compare/matrices.ts';
import { progressView } from '../../compare/progress-view.ts';
import { startCompare, VariantStartError, type ComparePlan } from '../../compare/run-compare.ts';
import { SEED_ROWS, SEED_SOURCE } from '../../compare/seed-figures.ts';
import { outcomeHistograms } from '../../gate/evaluate.ts';
import type { Threshold } from '../../gate/thresholds.ts';
import { renderCompareMarkdown } from '../../report/compare-markdown.ts';
import { renderCompareTable, renderGrid } from '../../report/compare-table.ts';
import { createRunFold, type RunFold } from '../../report/fold.ts';
import { attachProgress } from '../../report/progress-driver.ts';
import { seedFootnote, seedGrid } from '../../report/seed-table.ts';
import { summarize } from '../../report/summary.ts';
import { evaluateTargets } from '../../report/targets.ts';
import { AgentStartError } from '../../runner/process-agent.ts';
import type { RunResult } from '../../runner/events.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { makeReportDir, runId, safePart } from '../report-dir.ts';
import { UsageError } from '../usage-error.ts';

export interface CompareSession {
  plan: ComparePlan;
  clock: Clock;
  io: CommandIo;
  output: 'table' | 'json' | 'markdown';
  signal: AbortSignal | undefined;
  version: string;
  out: string | undefined;
  cwd: string;
  /** For the report folder's name: the matrix, or the variants' names. */
  label: string;
  matrix: MatrixName | undefined;
  targets: readonly Threshold[];
  stepSummary: string | undefined;
}

function signalExitCode(reason: string): number {
  const number = (constants.signals as Record<string, number | undefined>)[reason];
  return number === undefined ? EXIT.internal : 128 + number;
}

/** What was compared and how, one sentence each (the report's opening). */
function describePlan(session: CompareSession, startedAt: string, durationMs: number, crn: { keyed: number; shared: number } | undefined): string[] {
  const { plan } = session;
  const draws = crn === undefined || crn.keyed + crn.shared === 0 ? '' : ` ${crn.keyed} of ${crn.keyed + crn.shared} upstream delays were drawn from the pair's common stream (the rest before a connection was tied to its call).`;
  return [
    `Compared ${plan.variants.map((v) => v.name).join(' vs ')} on ${plan.scenarios.map((p) => p.scenario.name).join(', ')}: ${plan.calls} call(s) of each per variant` +
      `${plan.warmup > 0 ? ` after ${plan.warmup} warm-up call(s) of each` : ''}, interleaved (A B A B …), concurrency ${plan.concurrency}; profile ${plan.profile.name}, seed ${plan.seed}; started ${startedAt}, ${(durationMs / 1000).toFixed(0)} s.${draws}`,
  ];
}

function seedJson(analysis: CompareAnalysis, names: readonly string[]): unknown[] | undefined {
  const current = names.indexOf('current');
  const target = names.indexOf('target');
  if (current !== 0 || target < 0) return undefined;
  return SEED_ROWS.map((seed) => {
    const row = analysis.rows.find((r) => r.metric === seed.metric);
    const measured = (i: number): unknown => {
      const s = row?.cells[i];
      return s === undefined ? null : { count: s.count, p50: s.p50, p95: s.p95, ...(s.ci === undefined ? {} : { ci: s.ci }) };
    };
    return { label: seed.label, metric: seed.metric, seed: { current: seed.current, target: seed.target, source: SEED_SOURCE }, measured: { current: measured(current), target: measured(target) }, ratio: row?.ratios[target] ?? null };
  });
}

export async function compareAndReport(session: CompareSession): Promise<number> {
  const { io, plan } = session;
  const compare = startCompare(plan, { clock: session.clock, ...(session.signal === undefined ? {} : { signal: session.signal }) });
  const folds: RunFold[] = plan.variants.map(() => createRunFold());
  let startedAt = new Date().toISOString();
  let crn: { keyed: number; shared: number } | undefined;
  compare.subscribe((event) => {
    if (event.type === 'variant-event') folds[event.variant]?.add(event.event);
    else if (event.type === 'compare-started') startedAt = event.startedAt;
    else if (event.type === 'common-random-numbers') crn = { keyed: event.keyed, shared: event.shared };
  });
  attachProgress(progressView(compare), io, session.clock);
  const ended: RunResult = await compare.result.catch((error: unknown) => {
    if (error instanceof VariantStartError && error.cause instanceof AgentStartError) throw new UsageError(`--variant ${error.variant}: --agent-cmd: ${error.cause.message}`);
    throw error;
  });

  const variants: VariantResult[] = plan.variants.map((variant, v) => {
    const outcome = (folds[v] as RunFold).outcome();
    const summary = summarize(outcome, session.version);
    return { name: variant.name, flags: variant.flags, outcome, summary, targets: evaluateTargets(session.targets, summary, outcomeHistograms(outcome)) };
  });
  const analysis = analyzeCompare(variants, plan.seed);
  const names = variants.map((v) => v.name);
  const description = describePlan(session, startedAt, ended.durationMs, crn);
  const partial = ended.state !== 'completed';
  const title = `callbench compare ${names.join(' vs ')} ${startedAt}`;
  const markdown = renderCompareMarkdown({ title, description: partial ? [`PARTIAL: ${ended.state === 'interrupted' ? `interrupted by ${ended.reason}` : ended.message}.`, ...description] : description, analysis, variants });
  const result = {
    callbench: { version: session.version },
    kind: 'compare',
    ...(partial ? { partial: true as const, stopped: ended.state === 'interrupted' ? `interrupted by ${ended.reason}` : ended.message } : {}),
    startedAt,
    durationMs: Math.round(ended.durationMs),
    matrix: session.matrix ?? null,
    profile: plan.profile.name,
    seed: plan.seed,
    scenarios: plan.scenarios.map((p) => p.scenario.name),
    load: { callsPerScenario: plan.calls, concurrency: plan.concurrency, warmup: plan.warmup, interleaved: true },
    commonRandomNumbers: crn ?? null,
    statistics: {
      ci: 'percentile bootstrap of the raw samples (nearest-rank percentiles), 95%',
      ratio: "each variant's percentile over the first variant's, 95% bootstrap interval (independent resamples)",
      test: `Mann–Whitney U (two-sided), Holm-corrected over ${analysis.tested} test(s), alpha ${analysis.alpha}; at least ${analysis.minSamples} samples a side`,
    },
    table: analysis.rows.map((row) => ({
      metric: row.metric,
      stage: row.stage,
      variants: Object.fromEntries(variants.map((v, i) => [v.name, row.cells[i] ?? null])),
      ratios: Object.fromEntries(variants.slice(1).map((v, i) => [v.name, row.ratios[i + 1] ?? null])),
      targets: Object.fromEntries(variants.map((v, i) => [v.name, row.targets[i] ?? []])),
    })),
    ...(session.matrix === 'seed' ? { seedTable: seedJson(analysis, names) ?? null } : {}),
    variants: variants.map((v) => ({ name: v.name, flags: v.flags, agent: v.summary.agent, summary: v.summary, targets: v.targets })),
  };

  const dir = await makeReportDir(session.out, session.cwd, runId(startedAt, plan.profile.name, `compare-${safePart(session.label)}`));
  await writeFile(path.join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(path.join(dir, 'summary.md'), markdown);
  let stepSummary = '';
  if (session.stepSummary !== undefined) {
    stepSummary = await appendFile(session.stepSummary, `${markdown}\n`).then(
      () => '',
      (error: NodeJS.ErrnoException) => `callbench: could not append summary.md to $GITHUB_STEP_SUMMARY (${error.code ?? 'error'})`,
    );
  }
  const reportLine = `Report: ${path.relative(session.cwd, path.join(dir, 'result.json'))} (and summary.md)`;

  switch (session.output) {
    case 'json':
      io.out(JSON.stringify(result));
      io.progress(reportLine);
      break;
    case 'markdown':
      io.out(markdown);
      io.progress(reportLine);
      break;
    case 'table': {
      const blocks = [...(partial ? [`PARTIAL: ${ended.state === 'interrupted' ? `interrupted by ${ended.reason}` : ended.message}; the figures cover the calls that ended before.`] : []), ...description];
      blocks.push(plan.variants.map((v, i) => `  ${v.name}: ${v.flags === '' ? '(defaults)' : v.flags}  →  ${variants[i]?.summary.agent ?? ''}`).join('\n'));
      blocks.push(renderCompareTable(analysis, names));
      const seed = seedGrid(analysis, names);
      if (seed !== undefined) blocks.push(`The seed analysis's table, measured:\n${renderGrid(seed, new Set([0, 1, 4, 7, 9]))}\n${seedFootnote()}`);
      const problems = variants.flatMap((v) => {
        const failed = Object.values(v.summary.scenarios).reduce((sum, s) => sum + s.failedCalls, 0);
        const checks = failedErrorChecks(v.summary.checks);
        return [...(failed > 0 ? [`${v.name}: ${failed} call(s) failed`] : []), ...(checks.length > 0 ? [`${v.name}: error checks failed: ${checks.join(', ')}`] : [])];
      });
      if (problems.length > 0) blocks.push(problems.join('\n'));
      const warned = [...new Set(variants.flatMap((v) => v.summary.warnings.map((w) => w.code)))];
      if (warned.length > 0) blocks.push(`WARNING: the machine was loaded while this ran (${warned.join(', ')}; see result.json): every variant's figures read high, their ratios less so (the calls were interleaved).`);
      blocks.push(reportLine);
      io.out(blocks.join('\n\n'));
      break;
    }
  }
  if (stepSummary !== '') io.progress(stepSummary);

  switch (ended.state) {
    case 'interrupted':
      return signalExitCode(ended.reason);
    case 'agent-exited':
      io.progress(`callbench: ${ended.message}`);
      return EXIT.conformance;
    case 'completed': {
      const failed = variants.some((v) => Object.values(v.summary.scenarios).some((s) => s.failedCalls > 0) || failedErrorChecks(v.summary.checks).length > 0);
      return failed ? EXIT.conformance : EXIT.ok;
    }
  }
}
