/**
 * A replay as a run plan: the capture's scenario (replay-plan.ts) played `calls` times, one call at
 * a time (the replay source hands each call the recording afresh, and ties a connection not yet
 * tied to the one live call), against `agent`, on mocks that answer from the recording.
 */
import { createReplaySource, type ReplaySource } from '../mocks/replay/source.ts';
import type { AgentTarget } from '../runner/agent-target.ts';
import type { RunPlan } from '../runner/run.ts';
import type { ReplayPlan } from './replay-plan.ts';

export interface ReplayRunOptions {
  agent: AgentTarget;
  calls: number;
  authToken: string;
  seed?: number;
  /** Keep each call's audio (calls/<n>/call.wav, import tests). */
  callAudio?: boolean;
}

export function replayRunPlan(plan: ReplayPlan, options: ReplayRunOptions): { run: RunPlan; source: ReplaySource } {
  const source = createReplaySource(plan.recording);
  return {
    source,
    run: {
      scenarios: [plan.planned],
      // One at a time: a replayed connection is for the one call that is live.
      load: { model: 'closed', calls: options.calls, concurrency: 1 },
      profile: plan.profile,
      seed: options.seed ?? 1,
      agent: options.agent,
      authToken: options.authToken,
      upstream: { kind: 'mocks', replay: source },
      ...(options.callAudio === true ? { callAudio: true } : {}),
    },
  };
}
