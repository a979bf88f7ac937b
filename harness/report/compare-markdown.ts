/**
 * summary.md of `callbench compare`: what was compared and how, the table (compare-cells.ts), the
 * seed's table for `--matrix seed` (seed-table.ts), and each variant's failed calls and checks.
 * Pure: returns the Markdown.
 */
import type { CompareAnalysis, VariantResult } from '../compare/analyze.ts';
import { failedErrorChecks } from '../checks/summary.ts';
import { compareFootnote, compareGrid } from './compare-cells.ts';
import { mdCell } from './markdown-summary.ts';
import { seedFootnote, seedGrid } from './seed-table.ts';

function table(grid: readonly string[][], leftColumns: ReadonlySet<number>): string {
  const [header = [], ...rows] = grid;
  const align = header.map((_, i) => (leftColumns.has(i) ? ':---' : '---:'));
  return [`| ${header.map(mdCell).join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`)].join('\n');
}

export interface CompareMarkdownInput {
  title: string;
  /** What was played and how, one sentence each. */
  description: readonly string[];
  analysis: CompareAnalysis;
  variants: readonly VariantResult[];
}

export function renderCompareMarkdown(input: CompareMarkdownInput): string {
  const { analysis, variants } = input;
  const names = variants.map((v) => v.name);
  const grid = compareGrid(analysis, names);
  const last = (grid[0]?.length ?? 1) - 1;
  const blocks = [
    `# ${mdCell(input.title)}`,
    input.description.map(mdCell).join(' '),
    variants.map((v) => `- **${mdCell(v.name)}**: \`${v.flags === '' ? '(defaults)' : v.flags.replace(/`/g, "'")}\`: ${mdCell(v.summary.agent)}`).join('\n'),
    '## Latency (ms)',
    table(grid, new Set([0, ...(grid[0]?.[last] === 'target' ? [last] : [])])),
    mdCell(compareFootnote(analysis, names)),
  ];
  const seed = seedGrid(analysis, names);
  if (seed !== undefined) blocks.push("## The seed analysis's table, measured", table(seed, new Set([0, 1, 4, 7, 9])), mdCell(seedFootnote()));
  const problems = variants.flatMap((v) => {
    const failedCalls = Object.values(v.summary.scenarios).reduce((sum, s) => sum + s.failedCalls, 0);
    const failedChecks = failedErrorChecks(v.summary.checks);
    return [
      ...(failedCalls > 0 ? [`- ${mdCell(v.name)}: ${failedCalls} call(s) failed`] : []),
      ...(failedChecks.length > 0 ? [`- ${mdCell(v.name)}: error checks failed: ${failedChecks.map((id) => `\`${id}\``).join(', ')}`] : []),
      ...v.summary.warnings.map((w) => `- ${mdCell(v.name)}: warning \`${w.code}\`: ${mdCell(w.message)}`),
    ];
  });
  blocks.push(problems.length === 0 ? 'Every call of every variant ran, and no error check failed.' : `## Problems\n\n${problems.join('\n')}`);
  return `${blocks.join('\n\n')}\n`;
}
