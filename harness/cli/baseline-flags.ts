/**
 * The baseline flags of `callbench run`: `--save-baseline FILE` (keep this run for later
 * comparisons), `--baseline FILE` (compare this run with a saved one, metric by metric and
 * scenario by scenario) and the regression rules that gate on that comparison (`--regression
 * 'METRIC: p(N) +TOL'`, repeatable; `--regression-file FILE`, repeatable). Reads the files and
 * turns every problem into the CLI's one-line errors: a bad flag value names the flag, a bad file
 * the file and field (exit 2), all before any call. Whether the baseline's plan is this run's is
 * decided by checkBaselineAgainst, once the run's plan is known.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AgentIdentity, Baseline, BaselinePlan } from '../baseline/format.ts';
import { machineFacts, currentVersions } from '../baseline/environment.ts';
import { checkBaselinePlan, scenarioDigest, type PlanNote } from '../baseline/plan.ts';
import type { LoadPlan, PlannedScenario } from '../runner/run.ts';
import { parseBaseline } from '../baseline/read.ts';
import { findUnknownRuleScenario, parseRegressionFile, parseRegressionFlag, RULE_EXAMPLE, type RegressionRule, type RuleError } from '../baseline/rules.ts';
import { InputError } from '../scenario/errors.ts';
import { UsageError } from './usage-error.ts';

/** parseArgs option specs. */
export const BASELINE_OPTIONS = {
  'save-baseline': { type: 'string' },
  baseline: { type: 'string' },
  regression: { type: 'string', multiple: true },
  'regression-file': { type: 'string', multiple: true },
} as const;

export interface BaselineFlagValues {
  'save-baseline'?: string | undefined;
  baseline?: string | undefined;
  regression?: string[] | undefined;
  'regression-file'?: string[] | undefined;
}

export const BASELINE_HELP = `Baselines (gate a change on the last good run; README "Against a baseline"):
  --save-baseline FILE  keep this run as a baseline (e.g. reports/baselines/main.json): its raw
                        samples, histograms, plan, versions and machine
  --baseline FILE       compare this run with a saved baseline: p50 and p95 differences with 95%
                        bootstrap intervals and a verdict (improved, regressed, no significant
                        change) per metric and scenario. A baseline of another plan (scenarios,
                        profile, seed, load, agent design) is refused; another machine is noted
  --regression 'METRIC: p(N) +TOL'  with --baseline: fail (exit 99) when METRIC's p(N) is both
                        significantly above the baseline's and more than TOL above it (TOL: N%
                        of the baseline's value, or Nms), e.g. '${RULE_EXAMPLE}'; repeatable;
                        METRIC{scenario:NAME} for one scenario, med for p(50)
  --regression-file FILE  rules from a file: one a line (# comments), or JSON
                        {"turn.response_ms": ["p(95) +10%"]}; repeatable`;

export interface BaselineFlags {
  /** Where to save this run as a baseline (absolute), and as given. */
  save: { file: string; shown: string } | undefined;
  /** The baseline to compare with, and its file as given. */
  against: { shown: string; baseline: Baseline } | undefined;
  rules: RegressionRule[];
}

function ruleError(error: RuleError): UsageError | InputError {
  return error.source.kind === 'flag' ? new UsageError(`--regression '${error.source.text}': ${error.expected}`) : new InputError(error.source.file, error.source.field, error.expected);
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(file, '', `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); ${what}`);
  }
}

/** Throws UsageError or InputError; reads but never writes (the save folder is checked by checkSavePath). */
export async function parseBaselineFlags(values: BaselineFlagValues, cwd: string): Promise<BaselineFlags> {
  const rules: RegressionRule[] = [];
  for (const file of values['regression-file'] ?? []) {
    const parsed = parseRegressionFile(file, await readText(path.resolve(cwd, file), '--regression-file expects a file of regression rules'));
    if (!parsed.ok) throw ruleError(parsed.error);
    rules.push(...parsed.value);
  }
  for (const text of values.regression ?? []) {
    const parsed = parseRegressionFlag(text);
    if (!parsed.ok) throw ruleError(parsed.error);
    rules.push(parsed.value);
  }
  if (rules.length > 0 && values.baseline === undefined) {
    throw new UsageError(`--regression${(values.regression ?? []).length === 0 ? '-file' : ''} needs --baseline FILE: a regression is judged against a saved baseline`);
  }
  let against: BaselineFlags['against'];
  if (values.baseline !== undefined) {
    const shown = values.baseline;
    const read = parseBaseline(await readText(path.resolve(cwd, shown), '--baseline expects a file saved by --save-baseline'));
    if (!read.ok) throw new InputError(shown, read.error.field, read.error.expected);
    against = { shown, baseline: read.baseline };
  }
  const save = values['save-baseline'] === undefined ? undefined : { file: path.resolve(cwd, values['save-baseline']), shown: values['save-baseline'] };
  return { save, against, rules };
}

/** Before any call: the save path's folder must be creatable and the path not a folder. */
export async function checkSavePath(save: BaselineFlags['save']): Promise<void> {
  if (save === undefined) return;
  const existing = await stat(save.file).catch(() => undefined);
  if (existing?.isDirectory() === true) throw new UsageError(`--save-baseline ${save.shown}: is a folder; expects a file name, e.g. reports/baselines/main.json`);
  try {
    await mkdir(path.dirname(save.file), { recursive: true });
  } catch (error) {
    throw new UsageError(`--save-baseline ${save.shown}: its folder cannot be created (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * Whether this run's plan is the baseline's: a refusal is a UsageError naming --baseline (exit 2,
 * before any call); what only differs (machine, versions, calls) comes back as notes, one line
 * each. Also refuses a rule scoped to a scenario this run does not play.
 */
export function checkBaselineAgainst(flags: BaselineFlags, plan: BaselinePlan, version: string): PlanNote[] {
  const scenarios = plan.scenarios.map((s) => s.name);
  const unknown = findUnknownRuleScenario(flags.rules, scenarios);
  if (unknown !== undefined) throw ruleError(unknown);
  if (flags.against === undefined) return [];
  const { baseline, shown } = flags.against;
  const check = checkBaselinePlan(baseline, { plan, versions: currentVersions(version), machine: machineFacts() });
  if (check.kind === 'refused') throw new UsageError(`--baseline ${shown}: not comparable with this run: ${check.reason}`);
  return check.notes;
}

/** This run's plan as a baseline records it: each scenario with the digest of what it plays. */
export function runBaselinePlan(input: { scenarios: readonly PlannedScenario[]; profile: string; seed: number; load: LoadPlan; warmup: number; agent: AgentIdentity }): BaselinePlan {
  return {
    scenarios: input.scenarios.map((p) => ({ name: p.scenario.name, digest: scenarioDigest(p) })),
    profile: input.profile,
    seed: input.seed,
    load: input.load,
    warmup: input.warmup,
    agent: input.agent,
  };
}

/** Whether any baseline flag was given (the run then has a baseline step). */
export function wantsBaseline(flags: BaselineFlags): boolean {
  return flags.save !== undefined || flags.against !== undefined;
}
