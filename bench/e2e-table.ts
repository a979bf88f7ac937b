/**
 * Rendering for the end-to-end benchmarks: plain text tables (right-aligned figures), distribution
 * summaries that always give the median and upper percentiles (never a lone mean), and the
 * machine the figures came from, since on a shared machine they mean little without it.
 */
import os from 'node:os';
import { percentileOfSorted } from '../harness/statistics/bootstrap.ts';

/** A distribution of samples in ms. */
export interface Spread {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** ms with two decimals below 10, one below 100, none above; 'n/a' for no figure. */
export function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  return value.toFixed(abs < 10 ? 2 : abs < 100 ? 1 : 0);
}

/** The five columns of a spread, as table cells. */
export function spreadCells(spread: Spread): string[] {
  return [String(spread.n), ms(spread.p50), ms(spread.p95), ms(spread.p99), ms(spread.max)];
}

/** A table: the first column left-aligned, the rest right-aligned, two spaces apart. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  load: readonly number[];
}

export function machineNow(): Machine {
  return { cores: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? 'unknown CPU', node: process.version, load: os.loadavg() };
}

export const loadText = (load: readonly number[]): string => load.map((l) => l.toFixed(2)).join(' / ');

/**
 * Whether other work held the machine while a figure was measured: a 1-minute load average at or
 * above the core count means runnable processes were waiting for a CPU, so the harness's own
 * timers were too, and its figures say as much about the neighbours as about the harness.
 */
export function loaded(load: readonly number[], cores: number): boolean {
  return (load[0] ?? 0) >= cores;
}
