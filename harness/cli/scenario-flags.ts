/**
 * `--scenario NAME|FILE` of `callbench run`: which scenario files a run plays, and loading them
 * with the fixtures they name. A name is looked up as scenarios/NAME.json, so it is a plain name
 * (a name like `../package` would leave that folder); anything else is a path ending in .json.
 * The same scenario twice, by name or by path, or two files with one scenario name (reports and
 * thresholds key on it), is refused rather than played twice or merged.
 */
import path from 'node:path';
import type { Utterance } from '../caller/utterance.ts';
import type { PlannedScenario } from '../runner/run.ts';
import { InputError } from '../scenario/errors.ts';
import { loadFixture, loadScenario } from '../scenario/load.ts';
import { FIXTURES_DIR, SCENARIOS_DIR } from './paths.ts';
import { UsageError } from './usage-error.ts';

const SCENARIO_NAME = /^[a-z0-9-]+$/;

export interface ScenarioSource {
  /** As given on the command line. */
  arg: string;
  file: string;
}

/** The files `--scenario` names, in order; throws UsageError for a bad or repeated one. */
export function parseScenarioFlags(args: readonly string[]): ScenarioSource[] {
  const sources: ScenarioSource[] = [];
  for (const arg of args) {
    let file: string;
    if (SCENARIO_NAME.test(arg)) file = path.join(SCENARIOS_DIR, `${arg}.json`);
    else if (arg.endsWith('.json')) file = path.resolve(arg);
    else throw new UsageError(`--scenario expects a scenario name (lowercase letters, digits and dashes, looked up as scenarios/NAME.json) or a path to a .json file, got '${arg}'`);
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
    const scenario = await loadScenario(file);
    const clash = planned.find((p) => p.scenario.name === scenario.name);
    if (clash !== undefined) throw new InputError(file, 'name', `'${scenario.name}' is also the name of ${clash.file}; the scenarios of a run need different names (reports and thresholds key on them)`);
    const fixtures = new Map<string, Utterance>();
    for (const step of scenario.steps) {
      if (step.type === 'say' && !fixtures.has(step.fixture)) fixtures.set(step.fixture, await loadFixture(FIXTURES_DIR, step.fixture));
    }
    planned.push({ scenario, fixtures, file });
  }
  return planned;
}
