import { defineConfig } from 'vitest/config';

/**
 * Two groups, run one after the other: everything else (files in parallel), then the timing
 * calibration alone, so that no other test file competes with it for the CPUs while it measures
 * the harness's error to the millisecond (test/integration/calibration.test.ts).
 */
const TIMING = ['test/integration/calibration.test.ts'];
/**
 * Tests of clients of the global WebSocket (msw's ws handlers intercept only that one). Node 20
 * has it behind a flag; they get it in a project of their own so no other test sees a global
 * WebSocket (SDKs that would prefer it to the ws package stay on the path they ship with).
 */
const GLOBAL_WEBSOCKET = ['test/integration/msw-ws-*.test.ts'];
const globalWebSocketArgv = typeof globalThis.WebSocket === 'undefined' ? ['--experimental-websocket'] : [];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [...TIMING, ...GLOBAL_WEBSOCKET], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'global-websocket', include: GLOBAL_WEBSOCKET, execArgv: globalWebSocketArgv, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'timing', include: TIMING, sequence: { groupOrder: 1 } } },
    ],
  },
});
