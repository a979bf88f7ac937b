import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/slow-first-sequencer.ts';

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

/**
 * The suite's files share their worker's modules (`isolate: false`) rather than each importing
 * the harness, the agent and the SDKs afresh: on this 2-core machine the unit tests took 60 s and
 * 83 s of CPU isolated, 35 s and 33 s shared. No test file changes a global it does not restore
 * (msw's server closes in afterAll; the global WebSocket has its own project, isolated).
 */
const ISOLATE = false;

/**
 * Four test files at a time on a 2-core machine (twice the cores, at least four): most of the
 * suite's time is calls played in real time (the caller's audio, the mocks' delays), waiting
 * rather than computing. On this project's 2-core machine, idle: two workers took 405–424 s for
 * 236–289 s of CPU (the machine idle most of the run); four, with the slowest files first and the
 * call-heavy ones spread out (test/slow-first-sequencer.ts), 237 s (npm test 238 s, 312 s of CPU
 * with tsc), and 256 s with another process keeping one core busy, every test passing. Their
 * bounds already allow the event-loop stalls a loaded machine causes
 * (test/integration/helpers/loop-stalls.ts).
 */
const WORKERS = Math.min(8, Math.max(4, 2 * availableParallelism()));

export default defineConfig({
  test: {
    maxWorkers: WORKERS,
    sequence: { sequencer: SlowFirstSequencer },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [...TIMING, ...GLOBAL_WEBSOCKET], isolate: ISOLATE, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'global-websocket', include: GLOBAL_WEBSOCKET, execArgv: globalWebSocketArgv, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'timing', include: TIMING, sequence: { groupOrder: 1 } } },
    ],
  },
});
