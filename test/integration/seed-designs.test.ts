/**
 * The relationship the seed analysis predicts, measured at the caller under the `reference`
 * profile with a fixed seed: its "current" design (whole reply, REST TTS, whole body, 10 ms poll)
 * answers later than its "fixed" design (sentences over the TTS WebSocket, direct playout).
 * Only the ordering and the ratio are asserted, never absolute times.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { REPLY_PRESETS, type ReplyPresetName } from '../../agent/reply/presets.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import { PROFILES } from '../../harness/mocks/profiles.ts';
import { startMocks, type Mocks } from '../../harness/mocks/start-mocks.ts';
import { firstAudioScenario, replyCall } from './helpers/reply-call.ts';

/** The answer of scenarios/question.json. */
const ANSWER = 'We are open from nine in the morning until five in the afternoon on Saturday. Is there anything else I can help you with?';
const SEED = 11;

const opened: Mocks[] = [];
afterAll(async () => {
  await Promise.all(opened.map((mocks) => mocks.close()));
});

async function responseMs(preset: ReplyPresetName): Promise<number> {
  const clock = createSystemClock();
  const profile = PROFILES['reference'];
  if (profile === undefined) throw new Error('no reference profile');
  // Each design gets its own mocks with the same seed: the same delay draws.
  const mocks = await startMocks({ clock, profile, seed: SEED });
  opened.push(mocks);
  const call = await replyCall(clock, mocks, REPLY_PRESETS[preset], firstAudioScenario('hours', ANSWER));
  expect(call.error).toBeUndefined();
  const samples = computeCallMetrics(call.events).samples['turn.response_ms'] ?? [];
  expect(samples).toHaveLength(1);
  return samples[0] ?? NaN;
}

describe('seed designs under the reference profile', () => {
  it('seed-current answers later than seed-fixed, by more than half again', async () => {
    const [current, fixed] = await Promise.all([responseMs('seed-current'), responseMs('seed-fixed')]);
    expect(current).toBeGreaterThan(fixed);
    expect(current / fixed).toBeGreaterThan(1.5);
  });
});
