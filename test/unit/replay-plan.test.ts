/**
 * planReplay's hang-up, on a shipped capture (fixtures/bugs): the recorded caller hung up into
 * silence (the scenario's last step waited for the agent to be quiet), so the replay hangs up once
 * the agent has been as quiet as it was then, not at a fixed moment that a slower agent would
 * still be talking through. The same capture with agent audio up to its end hangs up as recorded.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeMulaw } from '../../harness/audio/index.ts';
import { readCapture } from '../../harness/record/capture-reader.ts';
import { planReplay } from '../../harness/replay/replay-plan.ts';

const CAPTURE = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'bugs', 'clear-keeps-generating');

describe('planReplay: the recorded hang-up', () => {
  it('a caller who hung up into silence hangs up after as much quiet (the pause to the recorded end first)', async () => {
    const capture = await readCapture(CAPTURE);
    const steps = planReplay(capture).planned.scenario.steps;
    expect(steps.at(-2)?.type).toBe('pause');
    const hangup = steps.at(-1);
    if (hangup?.type !== 'hangup') throw new Error(`the last step is ${hangup?.type}`);
    // The recorded scenario (test/agents/planted/scenarios/barge-in-keepgen-short.json) waited for
    // 500 ms of quiet before hanging up.
    expect(hangup.afterQuietMs).toBeGreaterThanOrEqual(400);
    expect(hangup.timeoutMs).toBeGreaterThan(0);
  });

  it('a caller who hung up while the agent talked hangs up at the recorded moment', async () => {
    const capture = await readCapture(CAPTURE);
    const loud = new Int16Array(capture.callerAudio.length).map((_, i) => (i % 2 === 0 ? 8000 : -8000));
    const steps = planReplay({ ...capture, agentAudio: encodeMulaw(loud) }).planned.scenario.steps;
    expect(steps.at(-1)).toEqual({ type: 'hangup' });
  });
});
