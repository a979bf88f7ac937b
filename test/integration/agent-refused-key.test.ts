/**
 * A key the service refuses is not a transient failure: the cascaded agent hangs up at once with
 * the refusal in its log, instead of retrying the upgrade (the Realtime case is in
 * agent-realtime.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf } from '../../harness/caller/timeline.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { startMocks, type Mocks } from '../../harness/mocks/start-mocks.ts';
import { fixedProfile } from './helpers/mock-context.ts';
import { agentCall, answerScenario } from './helpers/reply-call.ts';
import { watchLoopStalls } from './helpers/loop-stalls.ts';
// Upper bounds on wall-clock latencies add the worst event-loop stall seen (helpers/loop-stalls.ts).
const stalls = watchLoopStalls();

const clock = createSystemClock();
let mocks: Mocks;
beforeAll(async () => {
  mocks = await startMocks({ clock, profile: fixedProfile({}), seed: 1 });
});
afterAll(async () => {
  await mocks?.close();
});

describe('cascaded agent, refused Deepgram key', () => {
  it('hangs up at once (1011) and says the service refused the connection, without retrying', async () => {
    const call = await agentCall(clock, mocks, {}, answerScenario(), { DEEPGRAM_API_KEY: 'not-the-mock-key' });
    const closed = eventsOf(call.events, 'closed')[0];
    expect(closed).toMatchObject({ by: 'agent', code: 1011 });
    const started = eventsOf(call.events, 'start_sent')[0]?.t ?? 0;
    expect((closed?.t ?? Infinity) - started).toBeLessThan(2000 + stalls.maxMs());
    const failure = call.log.find((e) => e.type === 'error' && e.code === 'upstream.failed');
    expect(failure?.type === 'error' ? failure.message : '').toMatch(/refused the connection \(HTTP 401\); not retrying/);
    expect(call.log.filter((e) => e.type === 'warning' && e.code === 'upstream.dropped')).toEqual([]);
    expect(JSON.stringify(call.log)).not.toContain('not-the-mock-key');
  });
});
