/**
 * Test-only scenarios (test/integration/scenarios/): shipped scenarios made short, so a test plays
 * the same steps, faults and expectations without the shipped ones' long replies and utterances.
 * Each file's description says which shipped scenario it shortens. Loaded and validated as any
 * scenario file is, with the fixtures they name from fixtures/utterances.
 */
import path from 'node:path';
import type { Utterance } from '../../../harness/caller/utterance.ts';
import type { PlannedScenario } from '../../../harness/runner/run.ts';
import { loadFixture, loadScenario } from '../../../harness/scenario/load.ts';
import type { Scenario } from '../../../harness/scenario/schema.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
export const TEST_SCENARIOS = path.join(ROOT, 'test', 'integration', 'scenarios');
export const FIXTURES = path.join(ROOT, 'fixtures', 'utterances');

/** The test-only scenario `name` (test/integration/scenarios/NAME.json). */
export function loadTestScenario(name: string): Promise<Scenario> {
  return loadScenario(path.join(TEST_SCENARIOS, `${name}.json`));
}

/** The fixtures `scenario`'s say steps name, by name. */
export async function fixturesOf(scenario: Scenario): Promise<Map<string, Utterance>> {
  const fixtures = new Map<string, Utterance>();
  for (const step of scenario.steps) if (step.type === 'say' && !fixtures.has(step.fixture)) fixtures.set(step.fixture, await loadFixture(FIXTURES, step.fixture));
  return fixtures;
}

/** The test-only scenario `name` with its fixtures, as a run plans it. */
export async function plannedTestScenario(name: string): Promise<PlannedScenario> {
  const scenario = await loadTestScenario(name);
  return { scenario, fixtures: await fixturesOf(scenario) };
}
