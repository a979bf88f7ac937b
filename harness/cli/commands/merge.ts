/**
 * `callbench merge DIR...`: adds the report folders of `callbench run --shard i/n` (one per
 * machine, pod or CI job) into the whole run's result (harness/shard/merge.ts), prints it as run
 * prints a run, and writes result.json, summary.md and histograms.hlog into the merged folder.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { failedErrorChecks } from '../../checks/summary.ts';
import { evaluateThresholds } from '../../gate/evaluate.ts';
import { METRICS, type MetricName } from '../../metrics/definitions.ts';
import { renderChecks } from '../../report/checks-table.ts';
import { renderHistogramLog } from '../../report/hlog.ts';
import { renderMarkdownSummary } from '../../report/markdown-summary.ts';
import { renderSummaryTable } from '../../report/table.ts';
import { renderThresholds } from '../../report/thresholds-table.ts';
import { trustBoundsFrom } from '../trust-bounds-env.ts';
import { renderUpstream } from '../../report/upstream-table.ts';
import { renderWarnings } from '../../report/warnings.ts';
import { mergeShards } from '../../shard/merge.ts';
import { readShard, type ShardReport } from '../../shard/read-shard.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { checkedArgs, parseFlags } from '../parse-flags.ts';
import { packageVersion } from '../paths.ts';
import { checkOutDir, makeReportDir, runId } from '../report-dir.ts';
import { checkThresholdScenarios, parseThresholdFlags, THRESHOLD_OPTIONS } from '../threshold-flags.ts';
import { UsageError } from '../usage-error.ts';

export const MERGE_HELP = `Usage: callbench merge DIR... [options]

Adds the report folders of the shards of one run (callbench run --shard i/n, each on its own
machine, pod or CI job) into the whole run's result, exactly where figures add: each metric's HDR
histogram per scenario is the sum of the shards' (from their histograms.hlog, held to the raw
sample counts in their result.json), the raw samples are pooled for the confidence intervals,
and the call, turn and check tallies and the caller's pacing histograms are added. The harness's
event-loop delay is the worst shard's. It prints the tables run prints and writes result.json
("merged": shards, of, missing), summary.md and histograms.hlog.

Each DIR holds a shard's result.json and histograms.hlog. Shards of different plans (scenarios
or their audio, profile, seed, load, warm-up, agent), of different splits (2/3 beside 1/2), or the
same shard twice are refused in one line, exit 2. Missing shards are said: the result is partial
("partial": true) and the exit code 3.

Options:
  --out DIR             write the merged report into DIR (default ./reports/<time>-<profile>-merged/)
  --json                print the merged result.json on stdout instead of the tables
  --threshold 'metric[{scenario:NAME}]: p(95)<1500'  gate the merged run (repeatable; exit 99)
  --thresholds FILE     thresholds from a JSON file, as run takes them
  -h, --help            show this help

Exit codes: 0 ok, 2 usage or input error, 3 a shard is missing or was stopped, a call failed or
an error-severity check failed, 99 a threshold failed.`;

const MERGE_OPTIONS = {
  out: { type: 'string' },
  json: { type: 'boolean', default: false },
  ...THRESHOLD_OPTIONS,
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export async function mergeCommand(argv: string[], io: CommandIo, env: Readonly<Record<string, string | undefined>> = {}, cwd = process.cwd()): Promise<number> {
  const dirs: string[] = [];
  // The folders are the positionals; the checked flags are parsed again, typed.
  const values = parseFlags(checkedArgs(argv, MERGE_OPTIONS, dirs), MERGE_OPTIONS);
  if (values.help) {
    io.out(MERGE_HELP);
    return EXIT.ok;
  }
  if (dirs.length === 0) throw new UsageError('merge expects the report folders of the shards (callbench merge DIR...), each made by callbench run --shard i/n');
  const thresholds = await parseThresholdFlags(values);
  const trustBounds = trustBoundsFrom(env);
  const out = await checkOutDir(values.out, cwd);

  const reports: ShardReport[] = [];
  for (const dir of dirs) {
    const read = await readShard(path.resolve(cwd, dir));
    if (!read.ok) {
      const file = path.join(dir, path.basename(read.error.file));
      throw new UsageError(`${file}${read.error.field === '' ? '' : `: ${read.error.field}`} ${read.error.expected}`);
    }
    reports.push({ ...read.report, dir });
  }
  const result = mergeShards(reports, { version: packageVersion(), trustBounds });
  if (!result.ok) throw new UsageError(`merge: ${result.reason}`);
  const { summary, intervals, histograms, notes } = result.merged;
  checkThresholdScenarios(thresholds, Object.keys(summary.scenarios));
  for (const note of notes) io.progress(`callbench: merge: note: ${note}`);

  const gate = evaluateThresholds(thresholds, summary, histograms);
  const json = { ...summary, thresholds: gate, targets: [] };
  const describe = (metric: string): string => METRICS[metric as MetricName] ?? metric;
  const dir = await makeReportDir(out, cwd, runId(summary.startedAt, summary.profile, 'merged'));
  await writeFile(path.join(dir, 'result.json'), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(path.join(dir, 'summary.md'), renderMarkdownSummary({ summary, gate, targets: [], describe }));
  await writeFile(path.join(dir, 'histograms.hlog'), renderHistogramLog({ startedAt: summary.startedAt, version: summary.callbench.version, intervals }));
  const relative = path.relative(cwd, path.join(dir, 'result.json'));
  const reportLine = `Report: ${relative.startsWith('..') ? path.join(dir, 'result.json') : relative} (also summary.md, histograms.hlog)`;

  const warnings = renderWarnings(summary.warnings);
  if (values.json) {
    io.out(JSON.stringify(json));
    if (warnings !== '') io.progress(warnings);
    io.progress(reportLine);
  } else {
    io.out(renderSummaryTable(summary, describe, []));
    io.out(`\n${renderChecks(summary.checks)}`);
    const upstream = renderUpstream(summary);
    if (upstream !== '') io.out(`\n${upstream}`);
    if (gate.length > 0) io.out(`\n${renderThresholds(gate)}`);
    if (warnings !== '') io.out(`\n${warnings}`);
    io.out(`\n${reportLine}`);
  }
  const missing = summary.merged?.missing ?? [];
  if (missing.length > 0) {
    io.progress(`callbench: merge: partial: shard(s) ${missing.join(', ')} of ${summary.merged?.of ?? 0} missing`);
    return EXIT.conformance;
  }
  if (summary.partial === true) {
    io.progress(`callbench: merge: partial: ${summary.stopped?.message ?? 'a shard was stopped early'}`);
    return EXIT.conformance;
  }
  const failed = Object.values(summary.scenarios).reduce((n, s) => n + s.failedCalls, 0);
  if (failed > 0 || failedErrorChecks(summary.checks).length > 0) return EXIT.conformance;
  return gate.some((r) => !r.ok) ? EXIT.threshold : EXIT.ok;
}
