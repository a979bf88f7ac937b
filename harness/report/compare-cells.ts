/**
 * The cells of the comparison's tables, shared by the terminal (compare-table.ts) and Markdown
 * (compare-markdown.ts) renderers: the same figures, the same words. Pure.
 */
import type { CompareAnalysis, CompareRow, RatioCell } from '../compare/analyze.ts';
import type { ThresholdResult } from '../gate/evaluate.ts';
import type { MetricSummary } from './summary.ts';

const whole = (value: number): string => value.toFixed(0);

/** `560 (540–580)`, or `560` without an interval (fewer than 10 samples); `*` where p95 rests on fewer than 20. */
export function percentileCell(summary: MetricSummary | undefined, key: 'p50' | 'p95'): string {
  if (summary === undefined) return '-';
  const ci = summary.ci?.[key];
  const star = key === 'p95' && summary.count < 20 ? '*' : '';
  return ci === undefined ? `${whole(summary[key])}${star}` : `${whole(summary[key])} (${whole(ci[0])}–${whole(ci[1])})${star}`;
}

const times = (value: number): string => `${value.toFixed(2)}×`;

/** `0.53× (0.49–0.58)`: a ratio and its interval. */
function ratioText(ratio: { value: number; ci: [number, number] } | null): string {
  return ratio === null ? 'n/a' : `${times(ratio.value)} (${times(ratio.ci[0])}–${times(ratio.ci[1])})`;
}

/** The p50 ratio cell with its verdict word, or the p95 ratio cell. */
export function ratioCell(cell: RatioCell | undefined, key: 'p50' | 'p95'): string {
  if (cell === undefined) return '';
  if (cell.kind === 'missing') return '-';
  if (cell.kind === 'too-few') {
    const point = cell[key];
    return `${point === null ? 'n/a' : times(point)} (n < ${cell.needed})`;
  }
  if (key === 'p95') return ratioText(cell.p95);
  const verdict = cell.verdict === 'no significant difference' ? '=' : cell.verdict;
  return `${ratioText(cell.p50)} ${verdict}`;
}

/** Every variant's ✓/✗ on each target of the metric, in column order: `✗ ✓ p(50)<=800`. */
export function compareTargetCell(row: CompareRow): string {
  const expressions = [...new Set(row.targets.flatMap((list) => list.map((t) => t.expression)))];
  return expressions
    .map((expression) => {
      const marks = row.targets.map((list) => {
        const result: ThresholdResult | undefined = list.find((t) => t.expression === expression);
        return result === undefined || result.observed === null ? '-' : result.ok ? '✓' : '✗';
      });
      return `${marks.join(' ')} ${expression}`;
    })
    .join('  ');
}

export function hasTargets(analysis: CompareAnalysis): boolean {
  return analysis.rows.some((row) => row.targets.some((list) => list.length > 0));
}

/** The header and rows of the comparison table (metric, per variant n / p50 / p95, per later variant its ratios, target). */
export function compareGrid(analysis: CompareAnalysis, names: readonly string[]): string[][] {
  const [first = ''] = names;
  const targets = hasTargets(analysis);
  const header = [
    'metric (all scenarios)',
    ...names.flatMap((name) => [`${name} n`, `${name} p50 (95% CI)`, `${name} p95 (95% CI)`]),
    ...names.slice(1).flatMap((name) => [`${name}/${first} p50`, `${name}/${first} p95`]),
    ...(targets ? ['target'] : []),
  ];
  const rows = analysis.rows.map((row) => [
    row.metric,
    ...row.cells.flatMap((cell) => [cell === undefined ? '0' : String(cell.count), percentileCell(cell, 'p50'), percentileCell(cell, 'p95')]),
    ...row.ratios.slice(1).flatMap((cell) => [ratioCell(cell, 'p50'), ratioCell(cell, 'p95')]),
    ...(targets ? [compareTargetCell(row)] : []),
  ]);
  return [header, ...rows];
}

/** What the table's marks mean. */
export function compareFootnote(analysis: CompareAnalysis, names: readonly string[]): string {
  const [first = ''] = names;
  return (
    `All times in ms, over every scenario. (CI): 95% bootstrap intervals of each variant's own samples (none below 10 samples; * p95 from fewer than 20). ` +
    `Ratios: a variant's percentile over ${first}'s, with 95% bootstrap intervals; faster / slower: the Mann–Whitney U test of the two variants' samples, ` +
    `Holm-corrected over ${analysis.tested} test(s), p < ${analysis.alpha}; =: no significant difference.` +
    (hasTargets(analysis) ? ` target: ✓ met, ✗ missed, - no samples, one mark per variant in column order (informational).` : '')
  );
}
