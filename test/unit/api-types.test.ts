/**
 * The package's public entry points (package.json exports → harness/api/): each exports what its
 * users reach for, and the reference agent's settings declared there (so a project without the
 * SDKs type-checks against callbench) are the runner's own, checked by tsc.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as api from '../../harness/api/index.ts';
import * as mocks from '../../harness/api/mocks.ts';
import * as msw from '../../harness/api/msw.ts';
import * as scenario from '../../harness/api/scenario.ts';
import type { ReferenceAgentSettings as RunnerSettings } from '../../harness/runner/reference-agent.ts';

describe('the public entry points', () => {
  it('callbench: startRun, the fold and summarize, the agent targets, clocks and profiles', () => {
    for (const name of ['startRun', 'createRunFold', 'summarize', 'createProcessAgentTarget', 'createExternalAgentTarget', 'loadReferenceAgentTarget', 'createSystemClock', 'PROFILES'] as const) {
      expect(typeof api[name], name).not.toBe('undefined');
    }
  });

  it('callbench/mocks: startMocks; callbench/scenario: the schema and the loaders', () => {
    expect(typeof mocks.startMocks).toBe('function');
    for (const name of ['Scenario', 'loadScenario', 'loadPlannedScenario', 'resolveScenario', 'resolveFixture', 'makeFixture'] as const) expect(typeof scenario[name], name).not.toBe('undefined');
  });

  it('callbench/msw: createMswMocks, with the clocks and profiles of callbench/mocks', () => {
    for (const name of ['createMswMocks', 'createSystemClock', 'createManualClock', 'PROFILES', 'DEFAULT_MOCK_KEY'] as const) expect(typeof msw[name], name).not.toBe('undefined');
    expect(msw.PROFILES).toBe(mocks.PROFILES);
  });

  it("declares the reference agent's settings as the runner takes them", () => {
    expectTypeOf<api.ReferenceAgentSettings>().toEqualTypeOf<RunnerSettings>();
  });
});
