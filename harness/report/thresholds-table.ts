/**
 * The terminal's thresholds section, k6 style: one ✓/✗ line per threshold with the value it
 * observed, e.g. `✗ turn.response_ms p(95)<1500 (observed 1612.4)`. Empty when there are none.
 */
import type { ThresholdResult } from '../gate/evaluate.ts';

function label(result: ThresholdResult): string {
  return result.scenario === undefined ? result.metric : `${result.metric}{scenario:${result.scenario}}`;
}

function observed(result: ThresholdResult): string {
  if (result.observed === null) return 'no samples';
  return `observed ${result.observed}${result.underSampled === true ? '*' : ''}`;
}

export function renderThresholds(results: readonly ThresholdResult[]): string {
  if (results.length === 0) return '';
  const failed = results.filter((r) => !r.ok).length;
  const head = failed === 0 ? `Thresholds: all ${results.length} passed.` : `Thresholds: ${failed} of ${results.length} failed.`;
  const lines = results.map((r) => `  ${r.ok ? '✓' : '✗'} ${label(r)} ${r.expression} (${observed(r)})`);
  const notes = [
    ...(results.some((r) => r.underSampled === true) ? ['* fewer samples than this percentile needs (p(95): 20, p(99): 100): it is the largest sample.'] : []),
    ...(results.some((r) => r.observed === null) ? ['A threshold on a metric with no samples fails: a gate does not pass on missing data.'] : []),
  ];
  return [head, ...lines, ...notes].join('\n');
}
