/**
 * `import … from 'callbench/msw'`: callbench's mocks as msw handlers for a team's own tests, with
 * the profiles, conversation script and faults of the localhost mocks (callbench/mocks):
 *
 *   const mocks = createMswMocks({ clock: createSystemClock(), profile: PROFILES.instant, seed: 1 });
 *   const server = setupServer(...mocks.handlers);   // from 'msw/node'
 *
 * `http` handlers serve chat completions and Deepgram REST speak to fetch-based clients
 * (openai-node, Deepgram's REST client); `ws` handlers serve Deepgram listen and speak and OpenAI
 * Realtime to clients of the global WebSocket. Needs the optional peer dependency msw (2.x).
 */
export {
  createMswMocks,
  DEFAULT_DEEPGRAM_URL,
  DEFAULT_OPENAI_URL,
  REFUSED_UPGRADE_CLOSE_CODE,
  type MswMocks,
  type MswMocksOptions,
  type MswUpstreamEnv,
} from '../msw/handlers.ts';
export { DEFAULT_MOCK_KEY } from '../mocks/start-mocks.ts';
export { PROFILES, profileNames, type LatencyProfile } from '../mocks/profiles.ts';
export { createManualClock, createSystemClock, type Clock, type ManualClock } from '../clock.ts';
export type { Fault } from '../mocks/faults.ts';
