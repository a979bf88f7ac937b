/**
 * The terminal report of `callbench compare`: what was compared and how, the table (metrics and
 * stages as rows, variants as columns: compare-cells.ts), and for `--matrix seed` the seed
 * analysis's own table measured (seed-table.ts). Pure.
 */
import type { CompareAnalysis } from '../compare/analyze.ts';
import { compareFootnote, compareGrid } from './compare-cells.ts';

/** Columns padded to their widths: text left (the first and the target), figures right. */
export function renderGrid(rows: readonly string[][], leftColumns: ReadonlySet<number>): string {
  const columns = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  const pad = (cell: string, i: number): string => {
    const fill = ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...cell].length));
    return leftColumns.has(i) ? cell + fill : fill + cell;
  };
  return rows.map((r) => r.map(pad).join('  ').trimEnd()).join('\n');
}

export function renderCompareTable(analysis: CompareAnalysis, names: readonly string[]): string {
  const grid = compareGrid(analysis, names);
  const last = (grid[0]?.length ?? 1) - 1;
  const left = new Set([0, ...(grid[0]?.[last] === 'target' ? [last] : [])]);
  return `${renderGrid(grid, left)}\n${compareFootnote(analysis, names)}`;
}
