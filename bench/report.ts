/**
 * Renders the benchmark results: a table row per task (ops/s and the median and p99 of the
 * per-op latency, never a lone mean) and the derived capacity lines. A derived line charges a
 * path 50 frames per call-second at the median frame cost, plus the script matches it made in a
 * call-second at the median match cost, and says how many such calls one core could drive at
 * 50 % CPU: 500 000 µs of CPU a second divided by the µs one call-second costs. It is an upper
 * bound: the agent, the I/O (system calls, TCP, timers) and garbage collection are not in it.
 */
import type { Task } from 'tinybench';

export const FRAMES_PER_CALL_SECOND = 50;
/** µs of CPU a core has each second at 50 % utilisation. */
const BUDGET_US = 500_000;

/** The median per-op latency of a finished task, in µs: what the capacity lines are computed from. */
export interface OpLatency {
  medianUs: number;
}

export function opLatency(task: Task): OpLatency {
  const result = task.result;
  if (result.state !== 'completed') {
    throw new Error(`benchmark "${task.name}" did not complete: ${result.state === 'errored' ? result.error.message : result.state}`);
  }
  return { medianUs: result.latency.p50 * 1000 };
}

/** µs with about three significant figures: 5.70, 81.2, 257. */
const usText = (value: number): string => value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0);
const us = (value: number): number => Number(usText(value));

/** A console.table row for a task: tinybench's figures, median and p99 only. */
export function tableRow(task: Task): Record<string, string | number> {
  const result = task.result;
  if (result.state !== 'completed') return { 'Task name': task.name, State: result.state };
  return {
    'Task name': task.name,
    'ops/s (median)': Math.round(result.throughput.p50),
    'latency median (µs)': us(result.latency.p50 * 1000),
    'latency p99 (µs)': us(result.latency.p99 * 1000),
    samples: result.latency.samplesCount,
  };
}

/** One part of a path's cost per call-second: `perSecond` ops (`unit`, e.g. frames) at the median of `op`. */
export interface CostPart {
  label: string;
  unit: 'frames' | 'matches';
  perSecond: number;
  op: OpLatency;
}

/** µs of CPU per call-second of the parts, from their medians. */
export function callSecondUs(parts: readonly CostPart[]): number {
  return parts.reduce((sum, part) => sum + part.perSecond * part.op.medianUs, 0);
}

/** Rounds to two significant figures (a capacity estimate is no more precise than that). */
function roughly(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 0;
  const scale = 10 ** Math.max(0, Math.floor(Math.log10(value)) - 1);
  return Math.floor(value / scale) * scale;
}

/** The derived line: "per call-second (50 frames): X µs of CPU → about N concurrent calls per core at 50 % CPU". */
export function capacityLine(name: string, parts: readonly CostPart[]): string {
  const cost = callSecondUs(parts);
  const terms = parts
    .map((part) => `${Number.isInteger(part.perSecond) ? part.perSecond : part.perSecond.toFixed(2)} ${part.unit} × ${usText(part.op.medianUs)} µs ${part.label}`)
    .join(' + ');
  return `${name}: per call-second (50 frames): ${cost.toFixed(1)} µs of CPU → about ${roughly(BUDGET_US / cost)} concurrent calls per core at 50 % CPU\n    (${terms})`;
}
