/**
 * Plays a capture `calls` times against an agent and gathers what a replay reports: each call's
 * record and every verdict (those decided after the call included), whether the verdicts were the
 * same on every call, and how closely the upstream events kept to their recorded timing.
 */
import type { Clock } from '../clock.ts';
import type { CheckStatus, CheckVerdict } from '../checks/check.ts';
import type { Capture } from '../record/capture-format.ts';
import type { AgentTarget } from '../runner/agent-target.ts';
import type { CallRecord, RunResult } from '../runner/events.ts';
import { startRun } from '../runner/start-run.ts';
import { planReplay, type ReplayPlan } from './replay-plan.ts';
import { replayRunPlan } from './replay-run.ts';
import { liveDelayErrors, timingReport, type TimingReport } from './timing.ts';

export interface ReplayedCall {
  call: CallRecord;
  /** The call record's verdicts and the ones decided after it (upstream.closed-after-hangup). */
  verdicts: CheckVerdict[];
}

export interface ReplayOutcome {
  plan: ReplayPlan;
  result: RunResult;
  calls: ReplayedCall[];
  /** Every call gave each check the same status. */
  identical: boolean;
  /** Per check: its status on each call, in call order. */
  statuses: ReadonlyMap<string, CheckStatus[]>;
  timing: TimingReport;
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
  const calls: ReplayedCall[] = [];
  run.subscribe((event) => {
    if (event.type === 'call-ended' && !event.call.warmup) calls.push({ call: event.call, verdicts: [...event.call.verdicts] });
    if (event.type === 'check-verdict') calls.find((c) => c.call.callSid === event.call.callSid)?.verdicts.push(event.verdict);
  });
  const result = await run.result;
  const statuses = new Map<string, CheckStatus[]>();
  for (const { verdicts } of calls) {
    for (const verdict of verdicts) {
      let list = statuses.get(verdict.id);
      if (list === undefined) statuses.set(verdict.id, (list = []));
      list.push(verdict.status);
    }
  }
  const identical = calls.length > 0 && [...statuses.values()].every((list) => list.length === calls.length && list.every((s) => s === list[0]));
  const samples = [...source.timing, ...calls.flatMap(({ call }) => liveDelayErrors(call.journal, plan.recording))];
  return { plan, result, calls, identical, statuses, timing: timingReport(samples) };
}
