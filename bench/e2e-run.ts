/**
 * One measured run for the end-to-end benchmarks: startRun on a plan, folded into what the
 * benchmark tables need: the caller's frame pacing over the measured calls (their histograms
 * added, never percentiles averaged), the harness's event-loop delay, the CPU this process spent
 * while the measured calls played (process.cpuUsage: every thread, so a worker-thread agent is
 * in it), the call-seconds they added up to, their records, and the run's own trust verdict.
 */
import os from 'node:os';
import type { Clock } from '../harness/clock.ts';
import { createHistogram, type LatencySummary } from '../harness/metrics/histogram.ts';
import { trustWarnings, type TrustWarning } from '../harness/report/warnings.ts';
import type { EventLoopDelay } from '../harness/runner/event-loop.ts';
import type { CallRecord } from '../harness/runner/events.ts';
import type { RunPlan } from '../harness/runner/run.ts';
import { startRun } from '../harness/runner/start-run.ts';

export interface MeasuredRun {
  /** Measured (not warm-up) calls, in the order they ended. */
  calls: CallRecord[];
  failed: number;
  /** The first failed calls' errors, for the report. */
  errors: string[];
  pacing: LatencySummary;
  framesSent: number;
  eventLoop: EventLoopDelay | undefined;
  /** From the first measured call's start to the last one's end. */
  wallMs: number;
  /** CPU time of this process over that window, ms (user + system, every thread). */
  cpuMs: number;
  /** Sum of the measured calls' durations, s. */
  callSeconds: number;
  /** Sum of every call's duration, warm-up calls included, s (what a process agent served over its life). */
  allCallSeconds: number;
  /** 1-minute load average at the start and the end of the run. */
  loadBefore: number;
  loadAfter: number;
  warnings: TrustWarning[];
}

const cpuNow = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

export async function measureRun(plan: RunPlan, clock: Clock): Promise<MeasuredRun> {
  const loadBefore = os.loadavg()[0] ?? 0;
  const run = startRun(plan, { clock, intervalMs: 60_000 });
  const calls: CallRecord[] = [];
  const errors: string[] = [];
  const pacing = createHistogram();
  let framesSent = 0;
  let eventLoop: EventLoopDelay | undefined;
  let firstAt: number | undefined;
  let firstCpu = 0;
  let lastAt = 0;
  let lastCpu = 0;
  let allCallSeconds = 0;
  run.subscribe((event) => {
    switch (event.type) {
      case 'call-started':
        if (!event.call.warmup && firstAt === undefined) {
          firstAt = clock.now();
          firstCpu = cpuNow();
        }
        return;
      case 'call-ended': {
        const call = event.call;
        allCallSeconds += (call.endedAt - call.startedAt) / 1000;
        if (call.warmup) return;
        lastAt = clock.now();
        lastCpu = cpuNow();
        calls.push(call);
        if (call.state === 'failed' && errors.length < 3) errors.push(call.error);
        if (call.pacing !== undefined) {
          pacing.add(call.pacing.lateness);
          framesSent += call.pacing.framesSent;
        }
        return;
      }
      case 'event-loop':
        eventLoop = event.delay;
        return;
      default:
        return;
    }
  });
  const result = await run.result;
  if (result.state !== 'completed') throw new Error(`the benchmark run ended early: ${result.state === 'interrupted' ? result.reason : result.message}`);
  const summary = pacing.summary();
  return {
    calls,
    failed: calls.filter((c) => c.state !== 'completed').length,
    errors,
    pacing: summary,
    framesSent,
    eventLoop,
    wallMs: firstAt === undefined ? 0 : lastAt - firstAt,
    cpuMs: lastCpu - firstCpu,
    callSeconds: calls.reduce((sum, c) => sum + (c.endedAt - c.startedAt) / 1000, 0),
    allCallSeconds,
    loadBefore,
    loadAfter: os.loadavg()[0] ?? 0,
    warnings: trustWarnings({ pacing: { framesLateMs: summary, framesSent }, eventLoop }),
  };
}
