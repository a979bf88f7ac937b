/**
 * The steps of `callbench capacity`: one run (harness/runner/start-run.ts) per level, each a
 * closed model of `level` calls in flight (every caller plays `callsPerCaller` calls of each
 * scenario, or starts calls until `durationMs` has passed), after its own warm-up at that level.
 * Each step starts its own mocks and its own agent (an agent at a URL excepted: the harness does
 * not run it), so a step inherits no queue, socket or timer of the one before, and each step's
 * pacing and event-loop delay are its own. After each step the steps so far are judged
 * (decide.ts); the first step that breaks is the last one played.
 *
 * @example
 *   const result = await rampCapacity(plan, { clock, signal, onStep: (played) => steps.push(played) });
 *   result.decision.highestHeld;
 */
import { cpus } from 'node:os';
import type { Clock } from '../clock.ts';
import type { MetricName } from '../metrics/definitions.ts';
import { foldRun } from '../report/fold.ts';
import type { RunResult } from '../runner/events.ts';
import type { LoadPlan, RunPlan } from '../runner/run.ts';
import { startRun } from '../runner/start-run.ts';
import { decideCapacity, type BreakReason, type CapacityCriteria, type CapacityDecision, type CapacityStep } from './decide.ts';
import { stepFigures } from './step-figures.ts';

/** How long each step plays at its level. */
export type StepLength = { kind: 'calls'; callsPerCaller: number } | { kind: 'duration'; durationMs: number };

export interface CapacityPlan {
  /** Everything of a run's plan but its load: the same scenarios, mocks, seed and agent at every step. */
  run: Omit<RunPlan, 'load' | 'shard'>;
  /** Calls in flight at each step, rising. */
  levels: readonly number[];
  length: StepLength;
  metric: MetricName;
  criteria: CapacityCriteria;
}

export interface PlayedStep {
  /** 0-based position in the ramp. */
  index: number;
  step: CapacityStep;
  /** Why it broke; empty when it held. */
  reasons: BreakReason[];
  /** How its run ended ('agent-exited' is judged as failed calls). */
  result: RunResult;
  /** How busy the machine's CPUs were over the step, % of all its cores (every process's work): whether other work held them. */
  machineCpuPercent: number | undefined;
}

export interface CapacityResult {
  decision: CapacityDecision;
  played: PlayedStep[];
  /** 'decided': a step broke or every level held; 'interrupted': the signal stopped a step, which is not judged. */
  end: { state: 'decided' } | { state: 'interrupted'; reason: string };
}

export interface RampOptions {
  clock: Clock;
  /** Aborting it stops the step in flight (its calls hung up, not judged) and the ramp. */
  signal?: AbortSignal;
  /** As each step starts, with the load it plays. */
  onStepStart?: (index: number, level: number, load: LoadPlan) => void;
  /** As each step has been judged. */
  onStep?: (played: PlayedStep) => void;
}

/** Every core's idle and total time so far (ms), over every process. */
function machineTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const { times } of cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.irq + times.idle;
  }
  return { idle, total };
}

/** The closed model a step plays at `level` calls in flight. */
export function stepLoad(level: number, length: StepLength): LoadPlan {
  return length.kind === 'calls' ? { model: 'closed', calls: length.callsPerCaller * level, concurrency: level } : { model: 'closed-duration', durationMs: length.durationMs, concurrency: level };
}

export async function rampCapacity(plan: CapacityPlan, options: RampOptions): Promise<CapacityResult> {
  const steps: CapacityStep[] = [];
  const played: PlayedStep[] = [];
  let decision = decideCapacity([], plan.criteria);
  for (const [index, level] of plan.levels.entries()) {
    if (options.signal?.aborted === true) return { decision, played, end: { state: 'interrupted', reason: String(options.signal.reason) } };
    const load = stepLoad(level, plan.length);
    options.onStepStart?.(index, level, load);
    const began = options.clock.now();
    const cpuBefore = process.cpuUsage();
    const machineBefore = machineTimes();
    const { result, outcome } = await foldRun(startRun({ ...plan.run, load }, { clock: options.clock, ...(options.signal === undefined ? {} : { signal: options.signal }) }));
    if (result.state === 'interrupted') return { decision, played, end: { state: 'interrupted', reason: result.reason } };
    const cpu = process.cpuUsage(cpuBefore);
    const wallMs = options.clock.now() - began;
    // CPU µs over wall ms, as a share of one core; this process's only (an agent run as a process is not in it).
    const cpuPercent = wallMs > 0 ? (cpu.user + cpu.system) / 1000 / wallMs * 100 : undefined;
    const machine = machineTimes();
    const total = machine.total - machineBefore.total;
    const machineCpuPercent = total > 0 ? (1 - (machine.idle - machineBefore.idle) / total) * 100 : undefined;
    steps.push(stepFigures(level, outcome, plan.metric, cpuPercent));
    decision = decideCapacity(steps, plan.criteria);
    const judged = decision.judged[index];
    if (judged === undefined) throw new Error(`capacity: step ${index + 1} was not judged`);
    const step: PlayedStep = { index, step: judged.step, reasons: judged.reasons, result, machineCpuPercent };
    played.push(step);
    options.onStep?.(step);
    if (decision.brokeAt !== undefined) break;
  }
  return { decision, played, end: { state: 'decided' } };
}
