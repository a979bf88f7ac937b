/**
 * summary.md: the run for people reading CI (GitHub renders it in the job summary when it is
 * appended to $GITHUB_STEP_SUMMARY): how the calls were started, the trust warnings first, one
 * Markdown table per metric with the target column, the stage breakdown, the checks with their
 * evidence and skip reasons, the thresholds, the targets, and how the upstream connections were
 * tied to calls. Pure: returns the Markdown.
 */
import { CHECK_IDS } from '../checks/check.ts';
import type { ChecksSummary } from '../checks/summary.ts';
import type { ThresholdResult } from '../gate/evaluate.ts';
import type { RunSummary } from './summary.ts';
import { COLUMNS, describeLoad, describePartial, isStage, summaryRow } from './table.ts';
import { hasTargetOn, headlineTargets, targetCell, targetsOf } from './targets.ts';
import { renderUpstream } from './upstream-table.ts';

export interface MarkdownInput {
  summary: RunSummary;
  gate: readonly ThresholdResult[];
  targets: readonly ThresholdResult[];
  /** What a metric measures, for its table's caption. */
  describe: (metric: string) => string;
  /** run --baseline: the comparison with the baseline and the regression rules, as Markdown (harness/report/baseline-table.ts). */
  baseline?: string;
}

/** A table cell: one line, no unescaped pipe. */
export function mdCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Inline code that survives backticks inside it. */
function code(text: string): string {
  const ticks = text.includes('`') ? '``' : '`';
  return `${ticks}${text.includes('`') ? ` ${text} ` : text}${ticks}`;
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, rightFrom = 1): string {
  const align = header.map((_, i) => (i >= rightFrom && header[i] !== 'target' ? '---:' : ':---'));
  return [`| ${header.map(mdCell).join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`)].join('\n');
}

const mark = (ok: boolean): string => (ok ? '✓' : '✗');

function label(r: ThresholdResult): string {
  return r.scenario === undefined ? r.metric : `${r.metric}{scenario:${r.scenario}}`;
}

function observed(r: ThresholdResult): string {
  return r.observed === null ? 'no samples' : `${r.observed}${r.underSampled === true ? '*' : ''} (n ${r.samples})`;
}

function metricTables(input: MarkdownInput): string[] {
  const { summary, targets } = input;
  const blocks: string[] = [];
  const stages: string[][] = [];
  const stageTargets = Object.keys(summary.metrics).some((m) => isStage(m) && hasTargetOn(targets, m));
  for (const metric of Object.keys(summary.metrics)) {
    const all = summary.metrics[metric];
    if (all === undefined) continue;
    if (isStage(metric)) {
      stages.push([...summaryRow(metric, all), ...(stageTargets ? [targetCell(targetsOf(targets, metric, undefined))] : [])]);
      continue;
    }
    const targeted = hasTargetOn(targets, metric);
    const rows: string[][] = [];
    for (const [name, scenario] of Object.entries(summary.scenarios)) {
      const s = scenario.metrics[metric];
      if (s !== undefined) rows.push([...summaryRow(name, s), ...(targeted ? [targetCell(targetsOf(targets, metric, name))] : [])]);
    }
    if (rows.length > 1) rows.push([...summaryRow('all', all), ...(targeted ? [targetCell(targetsOf(targets, metric, undefined))] : [])]);
    blocks.push(`### ${code(metric)}\n\n${input.describe(metric)}\n\n${table(['scenario', ...COLUMNS.slice(1), ...(targeted ? ['target'] : [])], rows)}`);
  }
  if (stages.length > 0) blocks.push(`### Where the reply time went\n\nFrom the mock journals, over all scenarios.\n\n${table(['stage', ...COLUMNS.slice(1), ...(stageTargets ? ['target'] : [])], stages)}`);
  if (blocks.length === 0) blocks.push('No latency samples were recorded.');
  return blocks;
}

function checksBlock(checks: ChecksSummary): string {
  const shown = CHECK_IDS.filter((id) => checks[id].checked + checks[id].skipped > 0);
  if (shown.length === 0) return '## Conformance checks\n\nNo check judged any call.';
  const symbol = { passed: '✓', failed: '✗', skipped: '–' } as const;
  const rows = shown.map((id) => {
    const s = checks[id];
    return [`${symbol[s.status]} ${code(id)}`, s.severity, String(s.checked - s.failed), String(s.failed), String(s.skipped)];
  });
  const lines = [`## Conformance checks\n\n${table(['check', 'severity', 'passed', 'failed', 'skipped'], rows, 2)}`];
  const evidence = CHECK_IDS.filter((id) => checks[id].failed > 0).flatMap((id) => checks[id].evidence.map((e) => `- ${code(id)} ${e.scenario} #${e.call}: ${mdCell(e.line)}`));
  if (evidence.length > 0) lines.push(`**Evidence** (times in seconds after \`start\`):\n\n${evidence.join('\n')}`);
  const skips = CHECK_IDS.flatMap((id) => checks[id].skipReasons.map((r) => `- ${code(id)}: ${mdCell(r.reason)} (${r.calls} call${r.calls === 1 ? '' : 's'})`));
  if (skips.length > 0) lines.push(`<details><summary>Skipped checks and why</summary>\n\n${skips.join('\n')}\n\n</details>`);
  return lines.join('\n\n');
}

function verdictList(title: string, results: readonly ThresholdResult[], note: string): string {
  const failed = results.filter((r) => !r.ok).length;
  const head = `## ${title}: ${failed === 0 ? `all ${results.length} met` : `${failed} of ${results.length} missed`}`;
  return `${head}\n\n${note}\n\n${results.map((r) => `- ${mark(r.ok)} ${code(`${label(r)} ${r.expression}`)}: ${observed(r)}`).join('\n')}`;
}

export function renderMarkdownSummary(input: MarkdownInput): string {
  const { summary, gate, targets } = input;
  const blocks: string[] = [`# callbench run ${summary.startedAt}`];
  if (summary.partial === true) blocks.push(`> **${mdCell(describePartial(summary))}**`);
  if (summary.warnings.length > 0) {
    blocks.push(
      [`> **WARNING: this run cannot be trusted** (\`--strict\` makes this a failure, exit 3):`, ...summary.warnings.map((w) => `> - ${code(w.code)}: ${mdCell(w.message)}`)].join('\n'),
    );
  }
  blocks.push(
    `Agent: ${mdCell(summary.agent)}. Profile ${code(summary.profile)}, seed ${summary.seed}, ${(summary.durationMs / 1000).toFixed(1)} s. ${mdCell(describeLoad(summary.load, summary.warmup.calls))}`,
  );
  blocks.push('## Latency (ms)', ...metricTables(input));
  blocks.push(
    '`*`: fewer samples than this percentile needs (p90: 10, p95: 20, p99: 100): it is the largest sample. CI: 95% bootstrap intervals, `-` below 10 samples.' +
      (targets.length > 0 ? ' target: ✓ met, ✗ missed on that row (informational unless `--targets-gate`).' : ''),
  );
  const problems = Object.entries(summary.scenarios).flatMap(([name, s]) => [
    ...(s.failedCalls > 0 ? [`- ${mdCell(name)}: ${s.failedCalls} of ${s.calls} calls failed`] : []),
    ...s.errors.slice(0, 3).map((e) => `  - ${mdCell(e)}`),
    ...(s.unansweredTurns > 0 ? [`- ${mdCell(name)}: ${s.unansweredTurns} caller turn(s) got no audible reply`] : []),
  ]);
  if (problems.length > 0) blocks.push(`## Failed calls\n\n${problems.join('\n')}`);
  blocks.push(checksBlock(summary.checks));
  if (gate.length > 0) blocks.push(verdictList('Thresholds', gate, 'A missed threshold fails the run (exit 99).'));
  if (input.baseline !== undefined && input.baseline !== '') blocks.push(input.baseline);
  if (targets.length > 0) blocks.push(verdictList('Targets', headlineTargets(targets), 'Each as written (over all scenarios unless scoped); informational unless `--targets-gate`.'));
  const upstream = renderUpstream(summary);
  if (upstream !== '') blocks.push(`## Upstream connections\n\n${upstream.split('\n').map((l) => `- ${mdCell(l.trim())}`).join('\n')}`);
  return `${blocks.join('\n\n')}\n`;
}
