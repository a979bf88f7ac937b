/**
 * The terminal's baseline section: how the run compares with its baseline, metric by metric and
 * scenario by scenario (harness/baseline/compare.ts), and the verdict of each regression rule
 * (harness/baseline/rules.ts), one line each with its numbers. Pure: returns the text.
 */
import type { BaselineComparison, ComparisonRow, Verdict } from '../baseline/compare.ts';
import type { RuleResult } from '../baseline/rules.ts';
import type { PercentileDifference } from '../statistics/difference.ts';

const signed = (value: number): string => `${value > 0 ? '+' : value < 0 ? '−' : '±'}${Math.abs(value).toFixed(0)}`;
const ms = (value: number | null): string => (value === null ? '-' : value.toFixed(0));

/** A p-value as people read it: two significant digits, or an exponent when tiny. */
export function formatP(p: number): string {
  if (p < 0.001) return p.toExponential(0);
  return Number(p.toPrecision(2)).toString();
}

function deltaCell(d: PercentileDifference | undefined): string {
  if (d === undefined) return '-';
  return `${signed(d.diff)} (${signed(d.diffCi[0])}…${signed(d.diffCi[1])})`;
}

function pairCell(base: number | null, run: number | null): string {
  return `${ms(base)} → ${ms(run)}`;
}

export function verdictText(verdict: Verdict): string {
  switch (verdict.kind) {
    case 'regressed':
      return `✗ regressed ${signed(verdict.shiftMs)} ms (p ${formatP(verdict.pAdjusted)})`;
    case 'improved':
      return `✓ improved ${signed(verdict.shiftMs)} ms (p ${formatP(verdict.pAdjusted)})`;
    case 'no-change':
      return verdict.why === 'not significant' ? 'no significant change' : `no significant change (${signed(verdict.shiftMs)} ms: under the noise floor)`;
    case 'too-few':
      return `too few samples for a verdict (< ${verdict.needed})`;
    case 'vanished':
      return '✗ no samples in this run (the baseline had some)';
    case 'new':
      return 'new: the baseline has no samples';
  }
}

function row(r: ComparisonRow, first: boolean): string[] {
  return [first ? r.metric : '', r.scenario ?? 'all', `${r.base.n}/${r.run.n}`, pairCell(r.base.p50, r.run.p50), deltaCell(r.p50), pairCell(r.base.p95, r.run.p95), deltaCell(r.p95), verdictText(r.verdict)];
}

function renderColumns(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  // Text columns (metric, scope, verdict) are left-aligned, figures right-aligned.
  const left = new Set([0, 1, 7]);
  return rows.map((r) => r.map((cell, i) => (left.has(i) ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

/** The one-line tally: how many comparisons went which way. */
export function comparisonTally(c: BaselineComparison): string {
  const parts = [`${c.counts.regressed} regressed`, `${c.counts.improved} improved`, `${c.counts['no-change']} no significant change`];
  if (c.counts['too-few'] > 0) parts.push(`${c.counts['too-few']} with too few samples`);
  if (c.counts.vanished > 0) parts.push(`${c.counts.vanished} with no samples left`);
  if (c.counts.new > 0) parts.push(`${c.counts.new} new`);
  return parts.join(', ');
}

export interface BaselineHeader {
  /** The baseline file, as the user named it. */
  file: string;
  savedAt: string;
  calls: number;
  /** One line each: the machine, versions, agent command or size that differ (harness/baseline/plan.ts). */
  notes: readonly string[];
}

export function renderBaselineComparison(c: BaselineComparison, header: BaselineHeader): string {
  const rows: string[][] = [['metric', 'scenario', 'n base/run', 'p50 base → run', 'Δp50 (95% CI)', 'p95 base → run', 'Δp95 (95% CI)', 'verdict']];
  let last: string | undefined;
  for (const r of c.rows) {
    rows.push(row(r, r.metric !== last));
    last = r.metric;
  }
  const lines = [
    `Against the baseline ${header.file} (saved ${header.savedAt}, ${header.calls} call(s)): ${comparisonTally(c)}.`,
    ...header.notes.map((note) => `  note: ${note}`),
    renderColumns(rows),
    `Δ: this run − the baseline, ms, with 95% bootstrap intervals. Verdict: Mann–Whitney U test of the raw samples, Holm-corrected over ${c.tested} comparison(s) at α ${c.alpha}; ` +
      `a shift (Hodges–Lehmann) under max(${c.floorMs} ms, ${Math.round(c.floorFraction * 100)}% of the baseline's p50) is machine drift, not a change.`,
  ];
  return lines.join('\n');
}

function ruleLabel(result: RuleResult): string {
  const { rule } = result;
  return `${rule.metric}${rule.scenario === undefined ? '' : `{scenario:${rule.scenario}}`} ${rule.expression}`;
}

function levelText(level: number): string {
  return `${Number((level * 100).toFixed(2))}% CI`;
}

/** One line per rule, with its numbers: what the gate decided and why. */
export function ruleLine(result: RuleResult): string {
  const label = ruleLabel(result);
  switch (result.kind) {
    case 'vanished':
      return `✗ ${label}: no samples in this run, ${result.baseN} in the baseline`;
    case 'not-judged':
      return `? ${label}: not judged: ${result.why}`;
    case 'regressed':
    case 'passed': {
      const numbers = `${ms(result.run)} ms against ${ms(result.base)} ms in the baseline: ${signed(result.diff)} ms (${levelText(result.level)} ${signed(result.diffCi[0])}…${signed(result.diffCi[1])} ms), allowed +${result.allowedMs.toFixed(0)} ms`;
      if (result.kind === 'regressed') return `✗ ${label}: ${numbers}: a significant regression beyond the tolerance`;
      return `✓ ${label}: ${numbers}: ${result.why}`;
    }
  }
}

export function renderRules(results: readonly RuleResult[]): string {
  if (results.length === 0) return '';
  const failed = results.filter((r) => r.kind === 'regressed' || r.kind === 'vanished').length;
  const unjudged = results.filter((r) => r.kind === 'not-judged').length;
  const head =
    failed > 0
      ? `Regression rules: ${failed} of ${results.length} failed.`
      : unjudged > 0
        ? `Regression rules: none failed; ${unjudged} of ${results.length} not judged (too few samples: run more calls).`
        : `Regression rules: all ${results.length} passed.`;
  return [head, ...results.map((r) => `  ${ruleLine(r)}`)].join('\n');
}

/** A Markdown table cell: one line, no unescaped pipe. */
function md(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** The baseline section of summary.md: the tally, the notes, the table and the rules. */
export function renderBaselineMarkdown(c: BaselineComparison, header: BaselineHeader, rules: readonly RuleResult[]): string {
  const head = ['metric', 'scenario', 'n base/run', 'p50 base → run', 'Δp50 (95% CI)', 'p95 base → run', 'Δp95 (95% CI)', 'verdict'];
  const rows = c.rows.map((r) => row(r, true));
  const blocks = [
    `## Against the baseline\n\n\`${md(header.file)}\` (saved ${md(header.savedAt)}, ${header.calls} call(s)): ${comparisonTally(c)}.`,
    ...(header.notes.length > 0 ? [header.notes.map((n) => `- note: ${md(n)}`).join('\n')] : []),
    [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => ([0, 1, 7].includes(i) ? ':---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.map(md).join(' | ')} |`)].join('\n'),
    md(
      `Δ: this run − the baseline, ms, 95% bootstrap intervals. Verdict: Mann–Whitney U, Holm-corrected over ${c.tested} comparison(s) at α ${c.alpha}; a shift under max(${c.floorMs} ms, ${Math.round(c.floorFraction * 100)}% of the baseline's p50) is machine drift.`,
    ),
  ];
  if (rules.length > 0) blocks.push(`### ${md(renderRules(rules).split('\n')[0] ?? '')}\n\n${rules.map((r) => `- ${md(ruleLine(r))}`).join('\n')}`);
  return blocks.join('\n\n');
}
