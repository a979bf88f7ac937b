/**
 * Plays a capture `calls` times against an agent and gathers what a replay reports (the library
 * form of `callbench replay`, which goes through the usual run report instead): each call's record
 * and every verdict, whether the verdicts were the same on every call, and how closely the upstream
 * events kept to their recorded timing.
 */
import type { Clock } from '../clock.ts';
import type { Capture } from '../record/capture-format.ts';
import type { AgentTarget } from '../runner/agent-target.ts';
import type { RunResult } from '../runner/events.ts';
import { startRun } from '../runner/start-run.ts';
import { planReplay, type ReplayPlan } from './replay-plan.ts';
import { createReplayCollector, type ReplayReport } from './replay-report.ts';
import { replayRunPlan } from './replay-run.ts';

export type { ReplayedCall } from './replay-report.ts';

export interface ReplayOutcome extends ReplayReport {
  plan: ReplayPlan;
  result: RunResult;
}

export interface ReplayOptions {
  clock: Clock;
  agent: AgentTarget;
  calls: number;
  authToken: string;
  signal?: AbortSignal;
  callAudio?: boolean;
}

export async function runReplay(capture: Capture, options: ReplayOptions): Promise<ReplayOutcome> {
  const plan = planReplay(capture);
  const { run: runPlan, source } = replayRunPlan(plan, { agent: options.agent, calls: options.calls, authToken: options.authToken, ...(options.callAudio === true ? { callAudio: true } : {}) });
  const run = startRun(runPlan, { clock: options.clock, ...(options.signal === undefined ? {} : { signal: options.signal }) });
  const collector = createReplayCollector(plan, source);
  run.subscribe((event) => collector.add(event));
  const result = await run.result;
  return { plan, result, ...collector.report() };
}
