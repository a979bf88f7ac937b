/**
 * What a replay reports beside the usual run report (`callbench replay`, `run --scenario CAPTURE`):
 * a fold over the run's events that keeps each measured call's verdicts (those decided after the
 * call included), whether every call gave each check the same status, and how closely the replayed
 * upstream events kept to their recorded offsets (./timing.ts). The timing is a figure to read,
 * never a pass/fail bound: nothing here changes a run's exit code.
 */
import type { CheckStatus, CheckVerdict } from '../checks/check.ts';
import type { ReplaySource } from '../mocks/replay/source.ts';
import type { CallRecord, RunEvent } from '../runner/events.ts';
import type { ReplayPlan } from './replay-plan.ts';
import { liveDelayErrors, renderTiming, timingReport, type TimingReport } from './timing.ts';

export interface ReplayedCall {
  call: CallRecord;
  /** The call record's verdicts and the ones decided after it (upstream.closed-after-hangup). */
  verdicts: CheckVerdict[];
}

export interface ReplayReport {
  calls: ReplayedCall[];
  /** Every call gave each check the same status. */
  identical: boolean;
  /** Per check: its status on each call, in call order. */
  statuses: ReadonlyMap<string, CheckStatus[]>;
  timing: TimingReport;
}

export interface ReplayCollector {
  add(event: RunEvent): void;
  report(): ReplayReport;
}

export function createReplayCollector(plan: ReplayPlan, source: ReplaySource): ReplayCollector {
  const calls: ReplayedCall[] = [];
  return {
    add(event) {
      if (event.type === 'call-ended' && !event.call.warmup) calls.push({ call: event.call, verdicts: [...event.call.verdicts] });
      if (event.type === 'check-verdict') calls.find((c) => c.call.callSid === event.call.callSid)?.verdicts.push(event.verdict);
    },
    report() {
      const statuses = new Map<string, CheckStatus[]>();
      for (const { verdicts } of calls) {
        for (const verdict of verdicts) {
          let list = statuses.get(verdict.id);
          if (list === undefined) statuses.set(verdict.id, (list = []));
          list.push(verdict.status);
        }
      }
      const identical = calls.length > 0 && [...statuses.values()].every((list) => list.length === calls.length && list.every((s) => s === list[0]));
      // Warm-up calls are timed too (the source times every event it sends): their events were replayed like any other.
      const samples = [...source.timing, ...calls.flatMap(({ call }) => liveDelayErrors(call.journal, plan.recording))];
      return { calls, identical, statuses, timing: timingReport(samples) };
    },
  };
}

/** The replay's part of result.json. */
export function replayJson(plan: ReplayPlan, report: ReplayReport, capture: string): Record<string, unknown> {
  return {
    capture,
    script: plan.script,
    utterances: plan.utterances,
    faults: plan.faults,
    calls: report.calls.length,
    identical: report.identical,
    statuses: Object.fromEntries(report.statuses),
    timing: report.timing,
  };
}

/** The replay's part of the terminal report: where the caller's script came from, the verdicts' identity, the timing table. */
export function renderReplayReport(plan: ReplayPlan, report: ReplayReport): string {
  const n = report.calls.length;
  const lines: string[] = [];
  const faults = plan.faults.length > 0 ? `; faults armed as recorded: ${plan.faults.map((f) => `${f.type} ${f.service}`).join(', ')}` : '';
  lines.push(`Replay: ${plan.utterances.length} caller utterance(s) from ${plan.script === 'capture' ? "the caller's script in capture.json" : 'the VAD'}${faults}.`);
  if (n > 1) {
    const differ = [...report.statuses].filter(([, list]) => list.length !== n || list.some((s) => s !== list[0])).map(([id]) => id);
    lines.push(report.identical ? `Verdicts identical on all ${n} replays.` : `Verdicts DIFFER between the ${n} replays (${differ.join(', ')}): the replay is not deterministic for this agent.`);
  } else {
    lines.push('One replay (--calls N to see whether the verdicts repeat).');
  }
  lines.push(renderTiming(report.timing));
  return lines.join('\n');
}
