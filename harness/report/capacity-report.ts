/**
 * What `callbench capacity` prints: the per-step table and the verdict (harness/capacity/decide.ts
 * renderCapacity), then what the verdict alone cannot say (where the harness set the limit, whether
 * its own process or the machine's other work held it up, and that the in-process reference agent
 * shares its event loop; a step an interrupt cut short); and the one JSON object of --json. Strings and plain data only.
 */
import { renderCapacity, type CapacityCriteria } from '../capacity/decide.ts';
import type { CapacityResult, PlayedStep, StepLength } from '../capacity/ramp.ts';

/** The load's unit in every line capacity prints. */
export const CAPACITY_UNIT = 'call(s) in flight';

export interface CapacityContext {
  criteria: CapacityCriteria;
  /** The levels asked for, in order (the ramp stops at the first that breaks). */
  levels: readonly number[];
  length: StepLength;
  warmup: number;
  /** The reference agent ran on callbench's own event loop, the one that paces the caller (--agent-in-process). */
  inProcessReference: boolean;
  /** CPU cores of this machine, for the note on a harness limit. */
  cores: number;
}

const round = (value: number): number => Math.round(value * 100) / 100;

/** Below this share of one core callbench's process was not what kept its own loop late. */
const BUSY_PERCENT = 50;
/** From this share of all its cores the machine was busy throughout the step. */
const MACHINE_BUSY_PERCENT = 75;

/**
 * Where the harness set the limit, what held it up: callbench's own process (and with it the
 * in-process reference agent), or, when that process was nearly idle, other work on the machine.
 */
function harnessNote(broken: PlayedStep, context: CapacityContext): string {
  const cpu = broken.step.cpuPercent;
  const at = `At ${broken.step.level} ${CAPACITY_UNIT}`;
  const machine = broken.machineCpuPercent === undefined ? undefined : `the machine's ${context.cores} core(s) were ${Math.round(broken.machineCpuPercent)}% busy`;
  if (cpu !== undefined && cpu < BUSY_PERCENT && machine !== undefined) {
    return (broken.machineCpuPercent ?? 0) >= MACHINE_BUSY_PERCENT
      ? `${at} callbench's process used only ${Math.round(cpu)}% of one CPU core while ${machine}: other processes held the CPUs. Run it again on a quieter machine.`
      : `${at} callbench's process used only ${Math.round(cpu)}% of one CPU core and ${machine}: neither was busy throughout, so the lateness came in bursts (other processes', garbage collection, the scheduler's) that these bounds read.`;
  }
  const used = [cpu === undefined ? undefined : `callbench's process used ${Math.round(cpu)}% of one CPU core`, machine].filter((part) => part !== undefined).join('; ');
  const figures = used === '' ? '' : `${at} ${used}. `;
  return context.inProcessReference
    ? `${figures}The reference agent ran on callbench's event loop (--agent-in-process), the one that paces the caller: its own work is part of what held the harness up. Without --agent-in-process it runs in a worker thread of its own.`
    : figures.trimEnd();
}

export function renderCapacityReport(result: CapacityResult, context: CapacityContext): string {
  const { decision } = result;
  const parts: string[] = [];
  if (result.played.length > 0) parts.push(renderCapacity(decision, context.criteria, CAPACITY_UNIT));
  if (result.end.state === 'interrupted') {
    const next = context.levels[result.played.length];
    parts.push(`Interrupted (${result.end.reason})${next === undefined ? '' : ` during the step at ${next} ${CAPACITY_UNIT}`}: that step is not judged, and the ramp stopped there.`);
    return parts.join('\n\n');
  }
  const broken = decision.brokeAt === undefined ? undefined : result.played.at(-1);
  const note = decision.limitedBy === 'harness' && broken !== undefined ? harnessNote(broken, context) : '';
  if (note !== '') parts.push(note);
  if (decision.brokeAt !== undefined && decision.limitedBy === undefined) {
    parts.push(`No verdict on the agent or the harness: give each step more calls (--calls-per-caller) or pick a --metric the scenarios measure.`);
  }
  return parts.join('\n\n');
}

/** --json: the plan, every step played with its verdict, and the decision. */
export function capacityJson(result: CapacityResult, context: CapacityContext): Record<string, unknown> {
  const { decision } = result;
  return {
    kind: 'capacity',
    unit: 'calls in flight',
    metric: context.criteria.metric,
    criteria: { p95Factor: context.criteria.p95Factor, pacingP99Ms: context.criteria.pacingP99Ms, eventLoopP99Ms: context.criteria.eventLoopP99Ms, minSamples: context.criteria.minSamples },
    levels: context.levels,
    step: context.length.kind === 'calls' ? { callsPerCaller: context.length.callsPerCaller, warmup: context.warmup } : { durationMs: context.length.durationMs, warmup: context.warmup },
    steps: result.played.map(({ step, reasons, result: ended, machineCpuPercent }) => ({
      level: step.level,
      calls: step.calls,
      failedCalls: step.failedCalls,
      headline: { count: step.headline.count, p50: step.headline.count > 0 ? (step.headline.p50 ?? null) : null, p95: step.headline.count > 0 ? step.headline.p95 : null },
      pacingP99Ms: step.pacingP99Ms ?? null,
      eventLoopP99Ms: step.eventLoopP99Ms ?? null,
      cpuPercent: step.cpuPercent === undefined ? null : round(step.cpuPercent),
      durationMs: Math.round(ended.durationMs),
      machineCpuPercent: machineCpuPercent === undefined ? null : round(machineCpuPercent),
      held: reasons.length === 0,
      reasons,
      ...(ended.state === 'agent-exited' ? { agentExited: ended.message } : {}),
    })),
    referenceP95: decision.referenceP95 ?? null,
    highestHeld: decision.highestHeld ?? null,
    brokeAt: decision.brokeAt ?? null,
    limitedBy: decision.limitedBy ?? null,
    // 'found': a step broke; 'above-max': every level asked for held; 'interrupted': stopped before either.
    outcome: result.end.state === 'interrupted' ? 'interrupted' : decision.brokeAt === undefined ? 'above-max' : 'found',
    ...(result.end.state === 'interrupted' ? { interrupted: result.end.reason } : {}),
  };
}
