/**
 * A run against its baseline, metric by metric and scope by scope (each scenario, and all of
 * them): p50 and p95 of both, their differences with bootstrap confidence intervals
 * (harness/statistics/difference.ts), and a verdict.
 *
 * The verdict is on a shift of location: a Mann–Whitney U test (harness/statistics/mann-whitney.ts)
 * of the raw samples, its p-value Holm-corrected over every comparison in the report (eighty
 * tests at α = 0.05 would otherwise flag four "changes" between two runs of one build), and the
 * Hodges–Lehmann shift at least the noise floor: max(floorMs, floorFraction × the baseline's
 * p50). Why a floor: a baseline and a run are measured at different times on a machine others
 * share, and its load moves every figure a little the same way; no test on the two samples can
 * tell that from the build, so a shift smaller than that drift is not called a change. (callbench
 * compare interleaves its variants' calls, so drift cancels there and it uses no floor.) Pure.
 */
import type { MetricName } from '../metrics/definitions.ts';
import { METRIC_NAMES } from '../metrics/definitions.ts';
import { percentileOfSorted, seriesSeed } from '../statistics/bootstrap.ts';
import { bootstrapPercentileDifference, type PercentileDifference } from '../statistics/difference.ts';
import { holmAdjust } from '../statistics/holm.ts';
import { hodgesLehmannShift, mannWhitney } from '../statistics/mann-whitney.ts';
import type { MetricValues } from './format.ts';

/** Samples per scenario, as a baseline or a run has them. */
export type ScenarioSamples = Readonly<Record<string, MetricValues>>;

export interface CompareOptions {
  seed: number;
  /** Family-wise significance level (default 0.05). */
  alpha?: number;
  /** The noise floor: no shift below max(floorMs, floorFraction × baseline p50) is a change. */
  floorMs?: number;
  floorFraction?: number;
  /** Fewest samples on each side for a verdict (default 10). */
  minSamples?: number;
  resamples?: number;
}

export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_FLOOR_MS = 10;
export const DEFAULT_FLOOR_FRACTION = 0.05;
export const MIN_VERDICT_SAMPLES = 10;

export interface SideStats {
  n: number;
  p50: number | null;
  p95: number | null;
}

export type Verdict =
  | { kind: 'improved' | 'regressed'; shiftMs: number; p: number; pAdjusted: number }
  | { kind: 'no-change'; shiftMs: number; p: number; pAdjusted: number; why: 'not significant' | 'below the noise floor' }
  | { kind: 'too-few'; needed: number }
  /** The baseline had samples of this metric in this scope and the run has none: whatever produced them no longer happens. */
  | { kind: 'vanished' }
  /** The run has samples the baseline had none of. */
  | { kind: 'new' };

export interface ComparisonRow {
  metric: MetricName;
  /** undefined: over every scenario. */
  scenario: string | undefined;
  base: SideStats;
  run: SideStats;
  /** p50 and p95 differences (run − baseline) with 95% bootstrap intervals, when both sides have samples. */
  p50: PercentileDifference | undefined;
  p95: PercentileDifference | undefined;
  verdict: Verdict;
}

export interface BaselineComparison {
  rows: ComparisonRow[];
  alpha: number;
  floorMs: number;
  floorFraction: number;
  minSamples: number;
  /** Rows with a test, the family Holm's correction ran over. */
  tested: number;
  counts: Record<Verdict['kind'], number>;
}

function stats(values: readonly number[]): SideStats {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: values.length, p50: values.length === 0 ? null : percentileOfSorted(sorted, 50), p95: values.length === 0 ? null : percentileOfSorted(sorted, 95) };
}

/** Every sample of `metric` in `scenario`, or in every scenario (undefined). */
export function valuesOf(samples: ScenarioSamples, metric: MetricName, scenario: string | undefined): number[] {
  if (scenario !== undefined) return [...(samples[scenario]?.[metric] ?? [])];
  return Object.values(samples).flatMap((s) => s[metric] ?? []);
}

interface Pending {
  row: Omit<ComparisonRow, 'verdict'>;
  baseValues: number[];
  runValues: number[];
}

export function compareToBaseline(baseline: ScenarioSamples, run: ScenarioSamples, options: CompareOptions): BaselineComparison {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const floorMs = options.floorMs ?? DEFAULT_FLOOR_MS;
  const floorFraction = options.floorFraction ?? DEFAULT_FLOOR_FRACTION;
  const minSamples = options.minSamples ?? MIN_VERDICT_SAMPLES;
  const scenarios = Object.keys(baseline).filter((name) => run[name] !== undefined);
  const pending: Pending[] = [];
  for (const metric of METRIC_NAMES) {
    for (const scenario of [...scenarios, undefined]) {
      const baseValues = valuesOf(baseline, metric, scenario);
      const runValues = valuesOf(run, metric, scenario);
      if (baseValues.length === 0 && runValues.length === 0) continue;
      // The overall row of a metric seen in one scenario only would repeat that scenario's row.
      if (scenario === undefined && scenarios.filter((s) => valuesOf(baseline, metric, s).length + valuesOf(run, metric, s).length > 0).length < 2) continue;
      const differences = bootstrapPercentileDifference(baseValues, runValues, {
        seed: seriesSeed(options.seed, 'baseline', scenario ?? '*', metric),
        percentiles: [50, 95],
        ...(options.resamples === undefined ? {} : { resamples: options.resamples }),
      });
      pending.push({ row: { metric, scenario, base: stats(baseValues), run: stats(runValues), p50: differences?.[0], p95: differences?.[1] }, baseValues, runValues });
    }
  }

  const tests = pending.map((p) => (p.baseValues.length >= minSamples && p.runValues.length >= minSamples ? mannWhitney(p.baseValues, p.runValues) : undefined));
  const testedIndexes = tests.flatMap((t, i) => (t === undefined ? [] : [i]));
  const adjusted = holmAdjust(testedIndexes.map((i) => tests[i]?.p ?? 1));
  const adjustedOf = new Map(testedIndexes.map((i, k) => [i, adjusted[k] ?? 1]));

  const rows = pending.map(({ row, baseValues, runValues }, i): ComparisonRow => {
    if (runValues.length === 0) return { ...row, verdict: { kind: 'vanished' } };
    if (baseValues.length === 0) return { ...row, verdict: { kind: 'new' } };
    const test = tests[i];
    if (test === undefined) return { ...row, verdict: { kind: 'too-few', needed: minSamples } };
    const pAdjusted = adjustedOf.get(i) ?? 1;
    const shiftMs = hodgesLehmannShift(baseValues, runValues);
    const floor = Math.max(floorMs, floorFraction * (row.base.p50 ?? 0));
    if (pAdjusted >= alpha) return { ...row, verdict: { kind: 'no-change', shiftMs, p: test.p, pAdjusted, why: 'not significant' } };
    if (Math.abs(shiftMs) < floor) return { ...row, verdict: { kind: 'no-change', shiftMs, p: test.p, pAdjusted, why: 'below the noise floor' } };
    return { ...row, verdict: { kind: shiftMs > 0 ? 'regressed' : 'improved', shiftMs, p: test.p, pAdjusted } };
  });
  const counts: Record<Verdict['kind'], number> = { improved: 0, regressed: 0, 'no-change': 0, 'too-few': 0, vanished: 0, new: 0 };
  for (const row of rows) counts[row.verdict.kind]++;
  return { rows, alpha, floorMs, floorFraction, minSamples, tested: testedIndexes.length, counts };
}
