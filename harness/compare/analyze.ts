/**
 * The comparison's table as data: a row per metric (headline metrics, then the stages), over
 * every scenario; per variant its count, p50 and p95 with their bootstrap intervals (from its run
 * summary), and for every variant after the first its ratio to the first (p50 and p95, with
 * bootstrap intervals of the ratio from the raw samples, harness/statistics/difference.ts) and
 * whether it differs significantly: a Mann–Whitney U test of the two variants' samples,
 * Holm-corrected over every test in the table (harness/statistics/holm.ts). No noise floor: the
 * variants' calls were interleaved, so the machine's drift falls on them alike. Pure.
 */
import type { ThresholdResult } from '../gate/evaluate.ts';
import { METRIC_NAMES, type MetricName } from '../metrics/definitions.ts';
import type { RunOutcome } from '../report/fold.ts';
import type { MetricSummary, RunSummary } from '../report/summary.ts';
import { isStage } from '../report/table.ts';
import { percentileOfSorted, seriesSeed, type Interval } from '../statistics/bootstrap.ts';
import { bootstrapPercentileDifference } from '../statistics/difference.ts';
import { holmAdjust } from '../statistics/holm.ts';
import { hodgesLehmannShift, mannWhitney } from '../statistics/mann-whitney.ts';

export interface VariantResult {
  name: string;
  flags: string;
  outcome: RunOutcome;
  summary: RunSummary;
  /** The targets judged on this variant's summary (harness/report/targets.ts). */
  targets: readonly ThresholdResult[];
}

export interface Ratio {
  value: number;
  ci: Interval;
}

export type RatioCell =
  | {
      kind: 'tested';
      /** This variant's percentile over the first variant's; null when the first's is 0. */
      p50: Ratio | null;
      p95: Ratio | null;
      /** Hodges–Lehmann shift of this variant over the first, ms. */
      shiftMs: number;
      p: number;
      pAdjusted: number;
      /** pAdjusted < α: 'slower' or 'faster' than the first variant by the shift's sign. */
      verdict: 'slower' | 'faster' | 'no significant difference';
    }
  /** Too few samples for intervals and a test: the ratios of the point estimates only (null when the first's is 0). */
  | { kind: 'too-few'; needed: number; p50: number | null; p95: number | null }
  | { kind: 'missing' };

export interface CompareRow {
  metric: MetricName;
  stage: boolean;
  /** Per variant, in order: its summary of the metric over every scenario (undefined: no samples). */
  cells: Array<MetricSummary | undefined>;
  /** Per variant, in order: undefined for the first (the reference of the ratios). */
  ratios: Array<RatioCell | undefined>;
  /** Per variant: its targets on this metric over every scenario. */
  targets: ThresholdResult[][];
}

export interface CompareAnalysis {
  rows: CompareRow[];
  alpha: number;
  /** Tests in the Holm family. */
  tested: number;
  minSamples: number;
}

export const COMPARE_ALPHA = 0.05;
export const COMPARE_MIN_SAMPLES = 10;

export function analyzeCompare(variants: readonly VariantResult[], seed: number, options: { alpha?: number; resamples?: number } = {}): CompareAnalysis {
  const alpha = options.alpha ?? COMPARE_ALPHA;
  const first = variants[0];
  const metrics = METRIC_NAMES.filter((m) => variants.some((v) => v.outcome.samples[m].length > 0));
  // Headline metrics first, then the stages, each in the definitions' order.
  const ordered = [...metrics.filter((m) => !isStage(m)), ...metrics.filter(isStage)];
  const tests: Array<{ row: number; variant: number; p: number }> = [];
  const rows: CompareRow[] = ordered.map((metric, r) => {
    const base = first?.outcome.samples[metric] ?? [];
    const ratios = variants.map((v, i): RatioCell | undefined => {
      if (i === 0) return undefined;
      const next = v.outcome.samples[metric];
      if (base.length === 0 || next.length === 0) return { kind: 'missing' };
      if (base.length < COMPARE_MIN_SAMPLES || next.length < COMPARE_MIN_SAMPLES) {
        const point = (p: number): number | null => {
          const b = percentileOfSorted([...base].sort((x, y) => x - y), p);
          return b > 0 ? percentileOfSorted([...next].sort((x, y) => x - y), p) / b : null;
        };
        return { kind: 'too-few', needed: COMPARE_MIN_SAMPLES, p50: point(50), p95: point(95) };
      }
      const test = mannWhitney(base, next);
      const [d50, d95] = bootstrapPercentileDifference(base, next, { seed: seriesSeed(seed, 'compare', v.name, metric), ...(options.resamples === undefined ? {} : { resamples: options.resamples }) }) ?? [];
      const ratio = (d: typeof d50): Ratio | null => (d?.ratio === null || d?.ratio === undefined || d.ratioCi === null ? null : { value: d.ratio, ci: d.ratioCi });
      tests.push({ row: r, variant: i, p: test?.p ?? 1 });
      return { kind: 'tested', p50: ratio(d50), p95: ratio(d95), shiftMs: hodgesLehmannShift(base, next), p: test?.p ?? 1, pAdjusted: 1, verdict: 'no significant difference' };
    });
    return {
      metric,
      stage: isStage(metric),
      cells: variants.map((v) => v.summary.metrics[metric]),
      ratios,
      targets: variants.map((v) => v.targets.filter((t) => t.metric === metric && t.scenario === undefined)),
    };
  });
  const adjusted = holmAdjust(tests.map((t) => t.p));
  tests.forEach((t, k) => {
    const cell = rows[t.row]?.ratios[t.variant];
    if (cell?.kind !== 'tested') return;
    cell.pAdjusted = adjusted[k] ?? 1;
    if (cell.pAdjusted < alpha) cell.verdict = cell.shiftMs > 0 ? 'slower' : 'faster';
  });
  return { rows, alpha, tested: tests.length, minSamples: COMPARE_MIN_SAMPLES };
}
