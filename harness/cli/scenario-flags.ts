/**
 * `--scenario NAME|FILE` of `callbench run`: which scenario files a run plays, and loading them
 * with the fixtures they name. A name is ./scenarios/NAME.json of the working directory, else
 * callbench's own; anything else is a path, `.json` optional (harness/scenario/resolve.ts).
 * The same scenario twice, by name or by path, or two files with one scenario name (reports and
 * thresholds key on it), is refused rather than played twice or merged.
 */
import path from 'node:path';
import type { PlannedScenario } from '../runner/run.ts';
import { loadPlannedScenario } from '../scenario/plan.ts';
import { InputError } from '../scenario/errors.ts';
import { resolveScenario, ScenarioNotFoundError } from '../scenario/resolve.ts';
import { FIXTURES_DIR, SCENARIOS_DIR } from './paths.ts';
import { UsageError } from './usage-error.ts';

export interface ScenarioSource {
  /** As given on the command line. */
  arg: string;
  file: string;
}

/** The files `--scenario` names, in order, found from `cwd`; throws UsageError for a bad or repeated one. */
export function parseScenarioFlags(args: readonly string[], cwd: string = process.cwd()): ScenarioSource[] {
  const sources: ScenarioSource[] = [];
  for (const arg of args) {
    let file: string;
    try {
      file = resolveScenario(arg, cwd, { user: path.join(cwd, 'scenarios'), package: SCENARIOS_DIR });
    } catch (error) {
      if (error instanceof ScenarioNotFoundError) throw new UsageError(`--scenario '${arg}': ${error.message}`);
      throw error;
    }
    const earlier = sources.find((source) => source.file === file);
    if (earlier !== undefined) {
      const same = earlier.arg === arg ? `'${arg}' is given twice` : `'${arg}' is the same file as '${earlier.arg}'`;
      throw new UsageError(`--scenario ${same}; give each scenario once (--calls plays a scenario more than once)`);
    }
    sources.push({ arg, file });
  }
  return sources;
}

/** Loads every scenario and the fixtures it names; throws InputError naming the file and field. */
export async function loadPlannedScenarios(sources: readonly ScenarioSource[]): Promise<Array<PlannedScenario & { file: string }>> {
  const planned: Array<PlannedScenario & { file: string }> = [];
  for (const { file } of sources) {
    const next = await loadPlannedScenario(file, FIXTURES_DIR);
    const clash = planned.find((p) => p.scenario.name === next.scenario.name);
    if (clash !== undefined) throw new InputError(file, 'name', `'${next.scenario.name}' is also the name of ${clash.file}; the scenarios of a run need different names (reports and thresholds key on them)`);
    planned.push({ ...next, file });
  }
  return planned;
}
