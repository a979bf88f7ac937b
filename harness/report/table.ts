/**
 * The terminal summary: one table per metric, a row per scenario and one for all of them. A metric
 * with a target (targets.ts) gets a `target` column: ✓/✗ and the target, judged on that row.
 */
import type { ThresholdResult } from '../gate/evaluate.ts';
import type { LatencySummary } from '../metrics/histogram.ts';
import type { LoadSummary, MetricSummary, RunSummary } from './summary.ts';
import { hasTargetOn, targetCell, targetsOf } from './targets.ts';

/** The columns of every metric table (the first, the row's label, unnamed). */
export const COLUMNS = ['', 'n', 'p50', 'p90', 'p95', 'p99', 'max', 'p50 CI', 'p95 CI'] as const;

/** Stage metrics (joined from the mock journals) are shown together in one table. */
export const STAGE_PREFIXES = ['stt.', 'agent.', 'llm.', 'tts.', 'realtime.'];
export function isStage(metric: string): boolean {
  return STAGE_PREFIXES.some((prefix) => metric.startsWith(prefix));
}

/** Fewest samples for which a percentile is more than the largest sample: p90 needs 10, p99 100. */
function supported(count: number, percentile: number): boolean {
  return count >= 100 / (100 - percentile);
}

function cell(summary: LatencySummary, key: 'p50' | 'p90' | 'p95' | 'p99' | 'max'): string {
  const value = summary[key].toFixed(0);
  if (key === 'max' || key === 'p50') return value;
  return supported(summary.count, Number(key.slice(1))) ? value : `${value}*`;
}

/** A 95% bootstrap interval as `lo–hi`, or `-` when there is none (fewer than 10 samples). */
function ciCell(summary: MetricSummary, key: 'p50' | 'p95'): string {
  const ci = summary.ci?.[key];
  if (ci === undefined) return '-';
  const text = `${ci[0].toFixed(0)}–${ci[1].toFixed(0)}`;
  return key === 'p95' && !supported(summary.count, 95) ? `${text}*` : text;
}

/** A table row's cells: label, n, p50 … max (`*` where under-sampled), p50 CI, p95 CI; the Markdown and HTML reports use it too. */
export function summaryRow(label: string, s: MetricSummary): string[] {
  return [label, String(s.count), cell(s, 'p50'), cell(s, 'p90'), cell(s, 'p95'), cell(s, 'p99'), cell(s, 'max'), ciCell(s, 'p50'), ciCell(s, 'p95')];
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** One line on how the calls were started: closed or open model, and what was dropped. */
export function describeLoad(load: LoadSummary, warmupCalls: number): string {
  const warm = warmupCalls > 0 ? `; ${warmupCalls} warm-up call(s) excluded from the statistics` : '';
  if (load.model === 'closed') {
    const bound = load.durationMs !== undefined ? `calls started for ${seconds(load.durationMs)}` : `${load.callsPerScenario ?? 0} call(s) per scenario`;
    const concurrency = load.stages !== undefined ? `concurrency ramped by stages ${load.stages} (peak ${load.concurrency})` : `concurrency ${load.concurrency}`;
    return `Load: closed model (a new call starts when one ends; hides queueing), ${bound}, ${concurrency}: ${load.started} call(s)${warm}.`;
  }
  const rate = load.stages !== undefined ? `a rate ramped by stages ${load.stages} (peak ${load.arrivalRate} call(s)/s)` : `${load.arrivalRate} call(s)/s`;
  return (
    `Load: open model, ${rate} for ${seconds(load.durationMs)}: ${load.scheduled} due, ${load.started} started, ` +
    `${load.dropped.total} dropped (${load.dropped.late} started > ${load.lateBoundMs} ms late, ${load.dropped.maxInFlight} at the limit of ${load.maxCallsInFlight} in flight)${warm}.`
  );
}

/** A shard's or a merged run's line: which part of the plan the figures cover. */
function describeShards(summary: RunSummary): string[] {
  if (summary.shard !== undefined) return [`Shard ${summary.shard.index} of ${summary.shard.count}: these figures cover its part of the plan only (callbench merge adds the shards).`];
  if (summary.merged !== undefined) {
    const { shards, of } = summary.merged;
    return [`Merged from ${shards} of ${of} shard(s)${shards < of ? ': some shards are missing, the figures are partial' : ''}. The load line is the whole plan's; each shard ran its share.`];
  }
  return [];
}

/** The first line of a stopped run's report: why it stopped, and that its figures are partial. */
export function describePartial(summary: RunSummary): string {
  const stopped = Object.values(summary.scenarios).reduce((sum, s) => sum + (s.stoppedCalls ?? 0), 0);
  const cut = stopped > 0 ? ` (${stopped} call(s) hung up early are left out)` : '';
  const missing = summary.merged !== undefined && summary.merged.missing.length > 0 ? `shard(s) ${summary.merged.missing.join(', ')} of ${summary.merged.of} missing` : undefined;
  return `PARTIAL RUN: ${[summary.stopped?.message, missing].filter((m) => m !== undefined).join('; ') || 'stopped early'}. The figures cover only the calls that ended before it stopped${cut}.`;
}

/** The target column is left-aligned (it is text, the other columns figures) and only as wide as it needs. */
function renderTable(rows: string[][]): string {
  const columns = Math.max(...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const target = rows[0]?.[columns - 1] === 'target' ? columns - 1 : -1;
  return rows
    .map((row) =>
      row
        .map((value, i) => (i === target ? value : i === 0 ? value.padEnd(widths[i] ?? 0) : value.padStart(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** What the target column means, and the targets no table shows (their metric has no samples). */
function targetsFootnote(targets: readonly ThresholdResult[]): string {
  const unjudged = targets.filter((r) => r.scenario === undefined && r.observed === null).map((r) => `${r.metric} ${r.expression}`);
  const shown = targets.some((r) => r.observed !== null);
  return [
    ...(shown ? ['target: ✓ met, ✗ missed on that row (informational; --targets-gate makes the targets thresholds).'] : []),
    ...(unjudged.length > 0 ? [`${shown ? 'No samples to judge' : 'Targets: no samples to judge'}: ${unjudged.join(', ')}.`] : []),
  ].join(' ');
}

/** `targets`: the results of evaluateTargets (targets.ts); none, no target column. */
export function renderSummaryTable(summary: RunSummary, describe: (metric: string) => string, targets: readonly ThresholdResult[] = []): string {
  const blocks: string[] = [];
  let starred = false;
  const stageTargets = Object.keys(summary.metrics).some((metric) => isStage(metric) && hasTargetOn(targets, metric));
  const stages: string[][] = [['stage (all scenarios)', ...COLUMNS.slice(1), ...(stageTargets ? ['target'] : [])]];
  /** A row, with its target cell when the table has a target column. */
  const withTarget = (cells: string[], on: boolean, metric: string, scenario: string | undefined): string[] => (on ? [...cells, targetCell(targetsOf(targets, metric, scenario))] : cells);
  for (const metric of Object.keys(summary.metrics)) {
    const all = summary.metrics[metric];
    if (isStage(metric)) {
      if (all !== undefined) stages.push(withTarget(summaryRow(metric, all), stageTargets, metric, undefined));
      continue;
    }
    const targeted = hasTargetOn(targets, metric);
    const rows: string[][] = [[...COLUMNS, ...(targeted ? ['target'] : [])]];
    for (const [name, scenario] of Object.entries(summary.scenarios)) {
      const s = scenario.metrics[metric];
      if (s !== undefined) rows.push(withTarget(summaryRow(name, s), targeted, metric, name));
    }
    if (all !== undefined && rows.length > 2) rows.push(withTarget(summaryRow('all', all), targeted, metric, undefined));
    const table = renderTable(rows);
    if (table.includes('*')) starred = true;
    blocks.push(`${metric}  (${describe(metric)})\n${table}`);
  }
  if (stages.length > 1) {
    const table = renderTable(stages);
    if (table.includes('*')) starred = true;
    blocks.push(`Where the reply time went (from the mock journals):\n${table}`);
  }
  if (blocks.length === 0) blocks.push('No latency samples were recorded.');
  const lines = [...(summary.partial === true ? [describePartial(summary)] : []), ...describeShards(summary), describeLoad(summary.load, summary.warmup.calls), blocks.join('\n\n')];
  const problems = Object.entries(summary.scenarios).flatMap(([name, s]) => [
    ...(s.failedCalls > 0 ? [`${name}: ${s.failedCalls} of ${s.calls} calls failed`] : []),
    ...(s.droppedCalls > 0 ? [`${name}: ${s.droppedCalls} due call(s) dropped (not started)`] : []),
    ...(s.unansweredTurns > 0 ? [`${name}: ${s.unansweredTurns} caller turns got no audible reply`] : []),
    ...s.errors.slice(0, 3).map((error) => `  ${error}`),
  ]);
  if (problems.length > 0) lines.push(problems.join('\n'));
  const late = summary.pacing.framesLateMs;
  lines.push(
    `All times in ms. Caller frame pacing: p50 ${late.p50.toFixed(2)} ms, p99 ${late.p99.toFixed(2)} ms, max ${late.max.toFixed(1)} ms late over ${summary.pacing.framesSent} frames.` +
      (summary.eventLoop === null ? '' : ` Harness event-loop delay: p99 ${summary.eventLoop.delayMs.p99.toFixed(2)} ms, max ${summary.eventLoop.delayMs.max.toFixed(1)} ms.`) +
      ` p50 CI / p95 CI: ${Math.round(summary.statistics.level * 100)}% bootstrap intervals (${summary.statistics.resamples} resamples, seed ${summary.statistics.seed}; - below ${summary.statistics.minSamples} samples).` +
      (starred ? '\n* fewer samples than this percentile needs (p90: 10, p95: 20, p99: 100): it is the largest sample, not an estimate.' : '') +
      (targets.length > 0 ? `\n${targetsFootnote(targets)}` : ''),
  );
  return lines.join('\n\n');
}
