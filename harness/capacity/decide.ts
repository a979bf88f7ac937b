/**
 * The decision of `callbench capacity` (harness/capacity/ramp.ts plays the steps): given the figures of each step in the order they were played, which load held and
 * which broke, and whether the limit was the agent's or the harness's. A step breaks when
 *
 * - any call failed (the agent's limit);
 * - the headline metric's p95 is beyond `p95Factor` × its value at the first (lowest) step, the
 *   low-load reference (the agent's limit, unless the harness was late at that step too);
 * - the caller's frame pacing p99 or the harness's event-loop delay p99 is beyond its bound, or
 *   an open model dropped calls it was too late to start: the harness's limit, since every
 *   latency it read at that step may read high;
 * - the step gave fewer than `minSamples` samples of the headline metric (nothing to judge).
 *
 * The highest load that held is the last step before the first that broke; steps after it are
 * not judged. When the harness and the agent break at the same step, the harness is named: the
 * agent's figures there cannot be trusted. Pure: no clock, no I/O.
 */

export interface CapacityStep {
  /** The step's load: calls in flight, or calls per second. */
  level: number;
  calls: number;
  failedCalls: number;
  /** Open model: due calls not started because the harness was late (not the in-flight limit). */
  lateDrops: number;
  /** The headline metric at this step: its sample count and p95 (ms), judged; its p50, shown when given. */
  headline: { count: number; p95: number; p50?: number };
  /** The caller's frame lateness p99 (ms), when frames were sent. */
  pacingP99Ms: number | undefined;
  /** The harness's event-loop delay p99 (ms), when measured. */
  eventLoopP99Ms: number | undefined;
  /**
   * The harness process's CPU time over the step, in % of one core, when measured: shown, not
   * judged (what a busy CPU does to the figures is what pacing and the loop delay measure).
   */
  cpuPercent?: number;
}

export interface CapacityCriteria {
  /** The headline metric's name, for the messages. */
  metric: string;
  /** A step breaks when the headline p95 exceeds this multiple of the first step's. */
  p95Factor: number;
  pacingP99Ms: number;
  eventLoopP99Ms: number;
  /** Fewest headline samples a step must give to be judged. */
  minSamples: number;
}

export type BreakCode = 'failed-calls' | 'p95' | 'pacing' | 'event-loop' | 'late-drops' | 'too-few-samples';
export type Limiter = 'agent' | 'harness';

export interface BreakReason {
  code: BreakCode;
  by: Limiter | 'undecided';
  message: string;
}

export interface JudgedStep {
  step: CapacityStep;
  /** Empty when the step held. */
  reasons: BreakReason[];
}

export interface CapacityDecision {
  /** The first step's headline p95: the low-load reference (undefined without steps). */
  referenceP95: number | undefined;
  /** The steps judged, up to and including the first that broke. */
  judged: JudgedStep[];
  /** The highest level that held; undefined when the first step broke. */
  highestHeld: number | undefined;
  /** The level of the first step that broke; undefined when every step held (the limit is above the ramp). */
  brokeAt: number | undefined;
  /** Who set the limit; undefined when nothing broke or the first break was too few samples. */
  limitedBy: Limiter | undefined;
}

const ms = (value: number): string => `${Math.round(value * 100) / 100} ms`;

/** Why one step broke, judged against the low-load reference p95. */
export function judgeStep(step: CapacityStep, referenceP95: number | undefined, criteria: CapacityCriteria): BreakReason[] {
  const reasons: BreakReason[] = [];
  if (step.pacingP99Ms !== undefined && step.pacingP99Ms > criteria.pacingP99Ms) {
    reasons.push({ code: 'pacing', by: 'harness', message: `caller pacing p99 ${ms(step.pacingP99Ms)} beyond its bound of ${ms(criteria.pacingP99Ms)}` });
  }
  if (step.eventLoopP99Ms !== undefined && step.eventLoopP99Ms > criteria.eventLoopP99Ms) {
    reasons.push({ code: 'event-loop', by: 'harness', message: `the harness's event-loop delay p99 ${ms(step.eventLoopP99Ms)} beyond its bound of ${ms(criteria.eventLoopP99Ms)}` });
  }
  if (step.lateDrops > 0) reasons.push({ code: 'late-drops', by: 'harness', message: `${step.lateDrops} due call(s) dropped because the harness could not start them in time` });
  if (step.failedCalls > 0) reasons.push({ code: 'failed-calls', by: 'agent', message: `${step.failedCalls} of ${step.calls} call(s) failed` });
  if (step.headline.count < criteria.minSamples) {
    reasons.push({ code: 'too-few-samples', by: 'undecided', message: `${step.headline.count} sample(s) of ${criteria.metric}, fewer than the ${criteria.minSamples} a step needs` });
  } else if (referenceP95 !== undefined && step.headline.p95 > criteria.p95Factor * referenceP95) {
    reasons.push({ code: 'p95', by: 'agent', message: `${criteria.metric} p95 ${ms(step.headline.p95)} beyond ${criteria.p95Factor} × its low-load ${ms(referenceP95)}` });
  }
  return reasons;
}

/** Who set the limit at a broken step: the harness if it was late at all (the agent's figures then read high), else the agent. */
export function limiterOf(reasons: readonly BreakReason[]): Limiter | undefined {
  if (reasons.some((r) => r.by === 'harness')) return 'harness';
  if (reasons.some((r) => r.by === 'agent')) return 'agent';
  return undefined;
}

export function decideCapacity(steps: readonly CapacityStep[], criteria: CapacityCriteria): CapacityDecision {
  const first = steps[0];
  // The reference is the first step's p95 only when that step gave enough samples to read one.
  const referenceP95 = first !== undefined && first.headline.count >= criteria.minSamples ? first.headline.p95 : undefined;
  const judged: JudgedStep[] = [];
  let highestHeld: number | undefined;
  for (const step of steps) {
    const reasons = judgeStep(step, referenceP95, criteria);
    judged.push({ step, reasons });
    if (reasons.length > 0) return { referenceP95, judged, highestHeld, brokeAt: step.level, limitedBy: limiterOf(reasons) };
    highestHeld = step.level;
  }
  return { referenceP95, judged, highestHeld, brokeAt: undefined, limitedBy: undefined };
}

/** The per-step table and the verdict line, as the command prints them. */
export function renderCapacity(decision: CapacityDecision, criteria: CapacityCriteria, unit: string): string {
  // The p50 and cpu columns only when some step gave them (figures recorded before they were kept have neither).
  const withP50 = decision.judged.some(({ step }) => step.headline.p50 !== undefined);
  const withCpu = decision.judged.some(({ step }) => step.cpuPercent !== undefined);
  const header = ['level', 'calls', 'failed', ...(withP50 ? ['p50'] : []), 'p95', 'pacing p99', 'loop p99', ...(withCpu ? ['cpu'] : []), 'verdict'];
  const rows = [header];
  for (const { step, reasons } of decision.judged) {
    const opt = (value: number | undefined): string => (value === undefined ? '-' : String(Math.round(value * 100) / 100));
    const measured = (value: number | undefined): number | undefined => (step.headline.count > 0 ? value : undefined);
    rows.push([
      String(step.level),
      String(step.calls),
      String(step.failedCalls),
      ...(withP50 ? [opt(measured(step.headline.p50))] : []),
      opt(measured(step.headline.p95)),
      opt(step.pacingP99Ms),
      opt(step.eventLoopP99Ms),
      ...(withCpu ? [step.cpuPercent === undefined ? '-' : `${Math.round(step.cpuPercent)}%`] : []),
      reasons.length === 0 ? 'held' : `broke: ${reasons.map((r) => r.code).join(', ')}`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const table = rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padStart(widths[i] ?? 0))).join('  ')).join('\n');
  const broken = decision.judged.at(-1);
  let verdict: string;
  if (decision.brokeAt === undefined) verdict = `Every step held: the limit is above ${decision.highestHeld ?? 0} ${unit}; ramp further to find it.`;
  else {
    const why = (broken?.reasons ?? []).map((r) => r.message).join('; ');
    const held = decision.highestHeld === undefined ? 'No step held' : `The highest load that held: ${decision.highestHeld} ${unit}`;
    const by =
      decision.limitedBy === 'harness'
        ? ' The limit is the harness, not the agent: shard the run (run --shard) or give the harness more CPU to measure the agent beyond it.'
        : decision.limitedBy === 'agent'
          ? ' The limit is the agent (the harness was within its bounds).'
          : '';
    verdict = `${held}; it broke at ${decision.brokeAt} ${unit}: ${why}.${by}`;
  }
  const title = `Per step (level: ${unit}; ${withP50 ? 'p50 and p95' : 'p95'} of ${criteria.metric}, caller frame pacing p99 and the harness's event-loop delay p99, in ms${withCpu ? "; cpu: callbench's process, % of one core" : ''}):`;
  return `${title}\n${table}\n\n${verdict}`;
}
