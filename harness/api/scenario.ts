/**
 * `import … from 'callbench/scenario'`: the scenario format (zod schemas, and their types) and the
 * loaders `callbench run` uses: a scenario file, its fixtures (found beside it, else among
 * callbench's own), and making a fixture from a recording as `callbench fixture add` does.
 * Every problem is an InputError naming the file and the field.
 */
export { Scenario, ScenarioStep, SayStep, TwilioOptions } from '../scenario/schema.ts';
export { FixtureSidecar } from '../scenario/fixture-schema.ts';
export { InputError } from '../scenario/errors.ts';
export { loadFixture, loadFixtureFiles, loadScenario } from '../scenario/load.ts';
export { loadPlannedScenario } from '../scenario/plan.ts';
export { resolveFixture, resolveScenario, ScenarioNotFoundError, type FixtureFiles, type ScenarioDirs } from '../scenario/resolve.ts';
export { makeFixture, fixtureNameOf, type MadeFixture, type FixtureSidecarFile } from '../scenario/make-fixture.ts';
export { WavError, type Channel } from '../scenario/fixture-wav.ts';
export type { Utterance } from '../caller/utterance.ts';
export { FIXTURES_DIR, SCENARIOS_DIR } from '../cli/paths.ts';
