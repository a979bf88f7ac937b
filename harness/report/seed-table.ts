/**
 * `callbench compare --matrix seed`: the seed analysis's table ("Expected Performance After
 * Fixes"), its five rows measured on the two designs it describes, with the seed's own figures
 * beside them (harness/compare/seed-figures.ts). Pure: returns the grid; compare-table.ts and
 * compare-markdown.ts lay it out.
 */
import type { CompareAnalysis } from '../compare/analyze.ts';
import { SEED_ROWS, SEED_SOURCE } from '../compare/seed-figures.ts';
import { percentileCell, ratioCell } from './compare-cells.ts';

/** The grid, or undefined when the variants are not the seed's `current` and `target`. */
export function seedGrid(analysis: CompareAnalysis, names: readonly string[]): string[][] | undefined {
  const current = names.indexOf('current');
  const target = names.indexOf('target');
  if (current !== 0 || target < 0) return undefined;
  const header = ['seed row', 'metric', 'Current p50 (95% CI)', 'Current p95', 'seed Current', 'Target p50 (95% CI)', 'Target p95', 'seed Target', 'Target/Current p50', 'target'];
  const rows = SEED_ROWS.map((seed) => {
    const row = analysis.rows.find((r) => r.metric === seed.metric);
    const cell = (i: number, key: 'p50' | 'p95'): string => percentileCell(row?.cells[i], key);
    const targets = row?.targets[target] ?? [];
    const targetMarks = targets.map((t) => `${t.observed === null ? '-' : t.ok ? '✓' : '✗'} ${t.expression}`).join('  ');
    return [seed.label, seed.metric, cell(current, 'p50'), cell(current, 'p95'), seed.current, cell(target, 'p50'), cell(target, 'p95'), seed.target, ratioCell(row?.ratios[target], 'p50'), targetMarks];
  });
  return [header, ...rows];
}

export function seedFootnote(): string {
  return (
    `The seed's figures are quoted from ${SEED_SOURCE}. Measured: p50 and p95 in ms over every scenario, on the mocks' latency profile; ` +
    "'target' is the Target design judged against the seed's targets (scenarios/targets.json)."
  );
}
