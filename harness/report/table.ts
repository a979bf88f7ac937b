/** The terminal summary: one table per metric, a row per scenario and one for all of them. */
import type { LatencySummary } from '../metrics/histogram.ts';
import type { RunSummary } from './summary.ts';

const COLUMNS = ['', 'n', 'p50', 'p90', 'p95', 'p99', 'max'] as const;

/** Stage metrics (joined from the mock journals) are shown together in one table. */
const STAGE_PREFIXES = ['stt.', 'agent.', 'llm.', 'tts.'];
function isStage(metric: string): boolean {
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

function renderTable(rows: string[][]): string {
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row) => row.map((value, i) => (i === 0 ? value.padEnd(widths[i] ?? 0) : value.padStart(widths[i] ?? 0))).join('  '))
    .join('\n');
}

export function renderSummaryTable(summary: RunSummary, describe: (metric: string) => string): string {
  const blocks: string[] = [];
  let starred = false;
  const stages: string[][] = [['stage (all scenarios)', 'n', 'p50', 'p90', 'p95', 'p99', 'max']];
  for (const metric of Object.keys(summary.metrics)) {
    const all = summary.metrics[metric];
    if (isStage(metric)) {
      if (all !== undefined) stages.push([metric, String(all.count), cell(all, 'p50'), cell(all, 'p90'), cell(all, 'p95'), cell(all, 'p99'), cell(all, 'max')]);
      continue;
    }
    const rows: string[][] = [[...COLUMNS]];
    for (const [name, scenario] of Object.entries(summary.scenarios)) {
      const s = scenario.metrics[metric];
      if (s !== undefined) rows.push([name, String(s.count), cell(s, 'p50'), cell(s, 'p90'), cell(s, 'p95'), cell(s, 'p99'), cell(s, 'max')]);
    }
    if (all !== undefined && rows.length > 2) rows.push(['all', String(all.count), cell(all, 'p50'), cell(all, 'p90'), cell(all, 'p95'), cell(all, 'p99'), cell(all, 'max')]);
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
  const lines = [blocks.join('\n\n')];
  const problems = Object.entries(summary.scenarios).flatMap(([name, s]) => [
    ...(s.failedCalls > 0 ? [`${name}: ${s.failedCalls} of ${s.calls} calls failed`] : []),
    ...(s.unansweredTurns > 0 ? [`${name}: ${s.unansweredTurns} caller turns got no audible reply`] : []),
    ...s.errors.slice(0, 3).map((error) => `  ${error}`),
  ]);
  if (problems.length > 0) lines.push(problems.join('\n'));
  const late = summary.pacing.framesLateMs;
  lines.push(
    `All times in ms. Caller frame pacing: p50 ${late.p50.toFixed(2)} ms, p99 ${late.p99.toFixed(2)} ms, max ${late.max.toFixed(1)} ms late over ${late.count} frames.` +
      (starred ? '\n* fewer samples than this percentile needs (p90: 10, p95: 20, p99: 100): it is the largest sample, not an estimate.' : ''),
  );
  return lines.join('\n\n');
}
