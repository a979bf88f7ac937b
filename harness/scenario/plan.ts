/**
 * A scenario file with the fixtures it names, ready for a run plan: each say step's fixture
 * found beside the scenario file or among callbench's (resolve.ts), loaded once per scenario.
 */
import type { Utterance } from '../caller/utterance.ts';
import type { PlannedScenario } from '../runner/run.ts';
import { loadFixtureFiles, loadScenario } from './load.ts';
import { resolveFixture } from './resolve.ts';

/** Throws InputError naming the file and the field (steps.K.fixture for a fixture not found). */
export async function loadPlannedScenario(file: string, packageFixtures: string): Promise<PlannedScenario> {
  const scenario = await loadScenario(file);
  const fixtures = new Map<string, Utterance>();
  for (const [index, step] of scenario.steps.entries()) {
    if (step.type !== 'say' || fixtures.has(step.fixture)) continue;
    fixtures.set(step.fixture, await loadFixtureFiles(resolveFixture(step.fixture, file, packageFixtures, `steps.${index}.fixture`)));
  }
  return { scenario, fixtures };
}
