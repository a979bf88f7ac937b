/** A MockContext for integration tests: system clock, fresh journal and script, a sampler for `profile`. */
import { createSystemClock } from '../../../harness/clock.ts';
import type { MockContext } from '../../../harness/mocks/context.ts';
import { PROFILES, type DelayName, type LatencyProfile } from '../../../harness/mocks/profiles.ts';
import { createMockContext } from '../../../harness/mocks/start-mocks.ts';

export const TEST_API_KEY = 'test-key';

export function createTestContext(profile: LatencyProfile = instantProfile(), seed = 1): MockContext {
  return createMockContext({ clock: createSystemClock(), profile, seed, apiKey: TEST_API_KEY });
}

export function instantProfile(): LatencyProfile {
  const profile = PROFILES['instant'];
  if (profile === undefined) throw new Error('the instant profile is missing');
  return profile;
}

/** A profile whose every delay is a constant (p50 = p95): `delays` overrides, the rest 0 ms. */
export function fixedProfile(delays: Partial<Record<DelayName, number>>, ttsSpeedup = 1000): LatencyProfile {
  const base = instantProfile();
  const out: LatencyProfile = { name: 'fixed', description: 'constant delays for tests', delays: { ...base.delays }, ttsSpeedup };
  for (const [name, ms] of Object.entries(delays) as Array<[DelayName, number]>) out.delays[name] = { p50: ms, p95: ms };
  return out;
}
