/**
 * `import … from 'callbench/mocks'`: the mock Deepgram (listen, speak) and OpenAI (chat
 * completions, Realtime) servers on 127.0.0.1, as `callbench mocks` starts them, for tests that
 * point an agent at them. `mocks.env` is the environment an agent needs; `mocks.close()` stops them.
 */
export { startMocks, DEFAULT_MOCK_KEY, type Mocks, type MocksOptions, type UpstreamEnv } from '../mocks/start-mocks.ts';
export { PROFILES, profileNames, type LatencyProfile } from '../mocks/profiles.ts';
export { createManualClock, createSystemClock, type Clock, type ManualClock } from '../clock.ts';
