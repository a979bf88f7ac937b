import { defineConfig } from 'vitest/config';

/**
 * Two groups, run one after the other: everything else (files in parallel), then the timing
 * calibration alone, so that no other test file competes with it for the CPUs while it measures
 * the harness's error to the millisecond (test/integration/calibration.test.ts).
 */
const TIMING = ['test/integration/calibration.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: TIMING, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'timing', include: TIMING, sequence: { groupOrder: 1 } } },
    ],
  },
});
