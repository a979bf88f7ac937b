/**
 * summary.md: the trust warnings first, a Markdown table per metric (with the target column where
 * a target applies), the stage table, the checks with their evidence and skip reasons, the
 * thresholds, the targets and the upstream ties; text from outside cannot break a table.
 */
import { describe, expect, it } from 'vitest';
import { passed, skipped, verdictOf } from '../../harness/checks/check.ts';
import { outcomeHistograms, type ThresholdResult } from '../../harness/gate/evaluate.ts';
import { parseThresholdFlag } from '../../harness/gate/thresholds.ts';
import { mdCell, renderMarkdownSummary } from '../../harness/report/markdown-summary.ts';
import { summarize } from '../../harness/report/summary.ts';
import { evaluateTargets } from '../../harness/report/targets.ts';
import { runOutcome } from './helpers/run-outcome.ts';

function render(): string {
  const outcome = runOutcome([
    {
      name: 'barge-in',
      values: { 'turn.response_ms': [800, 900], 'bargein.clear_ms': [150], 'llm.ttft_ms': [320] },
      extra: {
        failedCalls: 1,
        calls: 2,
        errors: ['call 2: the agent | said nothing'],
        checks: [{ call: 1, verdicts: [passed('twilio.protocol'), verdictOf('bargein.no-leak', ['clear at 6.040 s: 300 ms | arrived after it']), skipped('realtime.truncate-accepted', 'no Realtime connection')] }],
      },
    },
    { name: 'greeting', values: { 'turn.response_ms': [700] } },
  ]);
  outcome.upstream = { ties: { byMethod: { header: 3, audio: 0, text: 0, content: 0 }, untied: 0, byService: {} }, refusals: [] };
  const summary = { ...summarize(outcome, '1.0.0', { resamples: 10 }), warnings: [{ code: 'pacing.late' as const, message: 'frames went out late' }] };
  const targets = evaluateTargets(
    ['bargein.clear_ms: p(50)<=200', 'llm.ttft_ms: p(50)<=300'].map((t) => {
      const parsed = parseThresholdFlag(t);
      if (!parsed.ok) throw new Error('bad');
      return parsed.value;
    }),
    summary,
    outcomeHistograms(outcome),
  );
  const gate: ThresholdResult[] = [{ metric: 'turn.response_ms', expression: 'p(95)<850', observed: 900, ok: false, samples: 3, underSampled: true }];
  return renderMarkdownSummary({ summary, gate, targets, describe: (m) => `what ${m} measures` });
}

/** The Markdown table right after the line `heading`, as rows of cells. */
function tableAfter(md: string, heading: string): string[][] {
  const lines = md.split('\n');
  const at = lines.indexOf(heading);
  expect(at, md).toBeGreaterThanOrEqual(0);
  const start = lines.findIndex((l, i) => i > at && l.startsWith('|'));
  const rows: string[][] = [];
  for (let i = start; i < lines.length && lines[i]?.startsWith('|') === true; i++) {
    rows.push((lines[i] ?? '').slice(2, -2).split(/ (?<!\\)\| /));
  }
  return rows;
}

describe('summary.md', () => {
  it('puts the trust warning first, then the load', () => {
    const md = render();
    expect(md.startsWith('# callbench run 2025-06-01T12:00:00.000Z\n')).toBe(true);
    expect(md.indexOf('WARNING: this run cannot be trusted')).toBeLessThan(md.indexOf('## Latency'));
    expect(md).toContain('> - `pacing.late`: frames went out late');
  });

  it('has a table per metric, the target column only where a target applies', () => {
    const md = render();
    const clear = tableAfter(md, '### `bargein.clear_ms`');
    expect(clear[0]).toEqual(['scenario', 'n', 'p50', 'p90', 'p95', 'p99', 'max', 'p50 CI', 'p95 CI', 'target']);
    expect(clear[2]).toEqual(['barge-in', '1', '150', '150*', '150*', '150*', '150', '-', '-', '✓ p(50)<=200']);
    const response = tableAfter(md, '### `turn.response_ms`');
    expect(response[0]?.at(-1)).toBe('p95 CI');
    expect(response.map((r) => r[0])).toEqual(['scenario', ':---', 'barge-in', 'greeting', 'all']);
    const stages = tableAfter(md, '### Where the reply time went');
    expect(stages[2]).toEqual(['llm.ttft_ms', '1', '320', '320*', '320*', '320*', '320', '-', '-', '✗ p(50)<=300']);
  });

  it('lists the checks with evidence and skip reasons, the thresholds, the targets and the ties', () => {
    const md = render();
    const checks = tableAfter(md, '## Conformance checks');
    expect(checks.find((r) => r[0] === '✗ `bargein.no-leak`')).toEqual(['✗ `bargein.no-leak`', 'error', '0', '1', '0']);
    // A pipe in the evidence is escaped: the list item and the tables stay whole.
    expect(md).toContain('- `bargein.no-leak` barge-in #1: clear at 6.040 s: 300 ms \\| arrived after it');
    expect(md).toContain('- `realtime.truncate-accepted`: no Realtime connection (1 call)');
    expect(md).toContain('## Thresholds: 1 of 1 missed');
    expect(md).toContain('- ✗ `turn.response_ms p(95)<850`: 900* (n 3)');
    expect(md).toContain('## Targets: 1 of 2 missed');
    expect(md).toContain('- ✓ `bargein.clear_ms p(50)<=200`: 150 (n 1)');
    expect(md).toContain('- barge-in: 1 of 2 calls failed\n  - call 2: the agent \\| said nothing');
    expect(md).toContain('## Upstream connections\n\n- Upstream connections: 3, all tied to their calls (3 by x-callbench-call header).');
  });

  it('keeps a cell on one line with no bare pipe', () => {
    expect(mdCell('a|b\nc\\d')).toBe('a\\|b c\\\\d');
  });
});
