/**
 * `callbench compare`: two or more variants (the reference agent's designs, or any agents) on the
 * same scenarios, profile and seed, their calls interleaved and paired on common upstream delays
 * (harness/compare/run-compare.ts), reported as one table with the ratio of each to the first.
 */
import { createSystemClock } from '../../clock.ts';
import { MATRICES, MATRIX_NAMES, type Matrix, type MatrixName } from '../../compare/matrices.ts';
import { parseVariantSpec, repeatedName, type VariantSpec } from '../../compare/variant-spec.ts';
import { PROFILES, profileNames } from '../../mocks/profiles.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { choiceFlag, intFlag } from '../options.ts';
import { parseFlags } from '../parse-flags.ts';
import { packageVersion } from '../paths.ts';
import { parseReportFlags } from '../report-flags.ts';
import { checkOutDir } from '../report-dir.ts';
import { loadPlannedScenarios, parseScenarioFlags } from '../scenario-flags.ts';
import { checkThresholdScenarios } from '../threshold-flags.ts';
import { HARNESS_AUTH_TOKEN } from '../target-flags.ts';
import { UsageError } from '../usage-error.ts';
import { VARIANT_FLAGS_HELP, variantAgent } from '../variant-flags.ts';

export const DEFAULT_COMPARE_SCENARIOS = ['question', 'barge-in-mid-sentence'] as const;
const DEFAULT_CALLS = 10;
const DEFAULT_WARMUP = 1;

const matrixLines = MATRIX_NAMES.map((name) => {
  const m = MATRICES[name];
  return `                        ${name}: ${m.variants.map((v) => `${v.name}='${v.flags}'`).join(' vs ')}`;
}).join('\n');

export const COMPARE_HELP = `Usage: callbench compare (--matrix NAME | --variant NAME='FLAGS' --variant NAME='FLAGS' ...) [options]

Plays the same scenarios, with the same latency profile and seed, against two or more variants
of an agent, and prints one table: each metric and stage as a row, each variant's p50 and p95
with 95% confidence intervals as columns, and every variant's ratio to the first with whether it
differs significantly. The variants' calls are interleaved (A B A B ...) so that the machine's
drift falls on all of them alike, and the calls of a pair meet the same sampled upstream delays
(common random numbers), so their difference is the design's.

Variants:
  --matrix NAME         a built-in comparison of the reference agent's designs:
${matrixLines}
                        (seed also prints the seed analysis's table, measured, beside its own figures)
  --variant NAME='FLAGS'  a variant (repeatable, in column order, after a matrix's).
                        ${VARIANT_FLAGS_HELP},
                        e.g. --variant slow='--reply-delay-ms 150' or --variant mine='--agent-cmd "node agent.js"'

Options:
  --scenario NAME|FILE  scenario to play (repeatable); default: the matrix's, else ${DEFAULT_COMPARE_SCENARIOS.join(', ')}
  --calls N             calls of each scenario per variant (default: the matrix's, else ${DEFAULT_CALLS})
  --concurrency N       calls in flight at once, over all variants (default: the matrix's, else 2 per variant)
  --warmup N            warm-up calls of each scenario per variant, first and unmeasured (default ${DEFAULT_WARMUP})
  --profile NAME        mock latency profile: ${profileNames().join(', ')} (default reference)
  --seed N              seed of the profile's delays (default 1)
  --targets FILE        the targets judged in the target column (default: the seed's, scenarios/targets.json)
  --json                print the result as one JSON object on stdout instead of the table
  --markdown            print the report as Markdown (summary.md) on stdout instead of the table
  --out DIR             write result.json and summary.md into DIR instead of ./reports/<time>-<profile>-compare-<name>/
  -h, --help            show this help

Exit codes: 0 ok, 1 internal error, 2 usage or input error (a flag a variant cannot take among
them), 3 a call failed or an error-severity check failed on a call of any variant, or an agent
exited, 130 / 143 interrupted (the partial report is still written).`;

/** parseArgs option specs of `callbench compare`. */
export const COMPARE_OPTIONS = {
  matrix: { type: 'string' },
  variant: { type: 'string', multiple: true },
  scenario: { type: 'string', multiple: true },
  calls: { type: 'string' },
  concurrency: { type: 'string' },
  warmup: { type: 'string' },
  profile: { type: 'string' },
  seed: { type: 'string' },
  targets: { type: 'string' },
  json: { type: 'boolean', default: false },
  markdown: { type: 'boolean', default: false },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function variantSpecs(matrix: Matrix | undefined, given: readonly string[]): VariantSpec[] {
  const specs = [...(matrix?.variants ?? [])];
  for (const text of given) {
    const parsed = parseVariantSpec(text);
    if (!parsed.ok) throw new UsageError(`--variant '${text}': ${parsed.expected}`);
    specs.push(parsed.value);
  }
  const repeated = repeatedName(specs);
  if (repeated !== undefined) throw new UsageError(`--variant: the name '${repeated}' is given twice${matrix === undefined ? '' : ` (--matrix ${matrix.name} has ${matrix.variants.map((v) => v.name).join(', ')})`}; give each variant its own name`);
  if (specs.length < 2) throw new UsageError("compare needs two or more variants: --matrix NAME, or --variant NAME='FLAGS' given twice or more");
  return specs;
}

export async function compareCommand(argv: string[], io: CommandIo, env: Readonly<Record<string, string | undefined>> = {}, signal?: AbortSignal): Promise<number> {
  const values = parseFlags(argv, COMPARE_OPTIONS);
  if (values.help) {
    io.out(COMPARE_HELP);
    return EXIT.ok;
  }
  if (values.json && values.markdown) throw new UsageError('--json and --markdown are mutually exclusive: pick the one output for stdout (the report folder gets both result.json and summary.md)');
  const matrixName = values.matrix === undefined ? undefined : choiceFlag<MatrixName>('matrix', values.matrix, 'seed', MATRIX_NAMES);
  const matrix = matrixName === undefined ? undefined : MATRICES[matrixName];
  const specs = variantSpecs(matrix, values.variant ?? []);
  const clock = createSystemClock();
  // Every variant's flags are checked before any call.
  const variants = [];
  for (const spec of specs) variants.push(await variantAgent(spec, clock));
  const sources = parseScenarioFlags(values.scenario ?? matrix?.scenarios ?? DEFAULT_COMPARE_SCENARIOS);
  const calls = intFlag('calls', values.calls, matrix?.calls ?? DEFAULT_CALLS, 1, 10_000);
  const concurrency = intFlag('concurrency', values.concurrency, matrix?.concurrency ?? 2 * specs.length, 1, 1000);
  const warmup = intFlag('warmup', values.warmup, DEFAULT_WARMUP, 0, 100);
  const profileName = choiceFlag('profile', values.profile, 'reference', profileNames());
  const profile = PROFILES[profileName];
  if (profile === undefined) throw new UsageError(`--profile: no profile named '${profileName}'`);
  const seed = intFlag('seed', values.seed, 1, 0, 2 ** 32 - 1);
  const report = await parseReportFlags({ targets: values.targets });
  const planned = await loadPlannedScenarios(sources);
  checkThresholdScenarios(report.targets, planned.map((p) => p.scenario.name));
  const cwd = process.cwd();
  const out = await checkOutDir(values.out, cwd);

  io.progress(
    `callbench compare: ${specs.map((s) => s.name).join(' vs ')} on ${planned.map((p) => p.scenario.name).join(', ')}; ${calls} call(s) of each per variant, interleaved, concurrency ${concurrency}` +
      `${warmup > 0 ? `, ${warmup} warm-up call(s) of each per variant` : ''}; profile ${profile.name}, seed ${seed}`,
  );
  const { compareAndReport } = await import('./compare-session.ts');
  return compareAndReport({
    plan: { scenarios: planned, calls, concurrency, warmup, profile, seed, authToken: HARNESS_AUTH_TOKEN, variants: variants.map((v) => ({ name: v.spec.name, flags: v.spec.flags, agent: v.agent })) },
    clock,
    io,
    output: values.json ? 'json' : values.markdown ? 'markdown' : 'table',
    signal,
    version: packageVersion(),
    out,
    cwd,
    label: matrixName ?? specs.map((s) => s.name).join('-vs-'),
    matrix: matrixName,
    targets: report.targets,
    stepSummary: env.GITHUB_STEP_SUMMARY === '' ? undefined : env.GITHUB_STEP_SUMMARY,
  });
}
