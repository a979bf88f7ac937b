/**
 * Whether a baseline can be compared with a run: the same plan (scenarios and their content,
 * profile, seed, load model and concurrency, agent design) or not at all. A run of another plan
 * measures something else, and a "difference" would be the plan's, so it is refused; what may
 * differ between two runs of one plan (the machine, the versions, how an external agent is
 * started, the number of calls) is noted in one line each. Pure.
 */
import { createHash } from 'node:crypto';
import type { PlannedScenario } from '../runner/run.ts';
import type { LoadPlan } from '../runner/run.ts';
import type { AgentIdentity, BaselinePlan, MachineFacts, Versions } from './format.ts';

/** A digest of what a scenario plays: its parsed file and each fixture's text, voiced spans and audio. */
export function scenarioDigest(planned: PlannedScenario): string {
  const fixtures = [...planned.fixtures.values()]
    .map((u) => ({ id: u.id, text: u.text, voiced: u.voiced, audio: createHash('sha256').update(u.audio).digest('hex') }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return createHash('sha256').update(JSON.stringify({ scenario: planned.scenario, fixtures })).digest('hex').slice(0, 16);
}

export type PlanRefusalCode = 'scenarios' | 'scenario-content' | 'profile' | 'seed' | 'load' | 'agent';
export type PlanNoteCode = 'machine' | 'versions' | 'agent' | 'warmup' | 'size';

export interface PlanNote {
  code: PlanNoteCode;
  message: string;
}

export type PlanCheck = { kind: 'refused'; code: PlanRefusalCode; reason: string } | { kind: 'comparable'; notes: PlanNote[] };

export interface CurrentRun {
  plan: BaselinePlan;
  versions: Versions;
  machine: MachineFacts;
}

function describeLoad(load: LoadPlan): string {
  switch (load.model) {
    case 'closed':
      return `closed model, concurrency ${load.concurrency}`;
    case 'closed-duration':
      return `closed model for a duration, concurrency ${load.concurrency}`;
    case 'open':
      return `open model, ${load.ratePerSec} call(s)/s, at most ${load.maxInFlight} in flight`;
  }
}

/** How the size of the run (calls, duration) differs, when the load model itself is the same; undefined when it does not. */
function sizeNote(base: LoadPlan, run: LoadPlan): string | undefined {
  if (base.model === 'closed' && run.model === 'closed' && base.calls !== run.calls) return `${base.calls} call(s) per scenario in the baseline, ${run.calls} in this run`;
  if (base.model !== 'closed' && run.model !== 'closed' && base.durationMs !== run.durationMs) return `the baseline ran for ${base.durationMs / 1000} s, this run for ${run.durationMs / 1000} s`;
  return undefined;
}

function describeAgent(agent: AgentIdentity): string {
  switch (agent.kind) {
    case 'reference':
      return `the reference agent (${agent.design})`;
    case 'command':
      return `--agent-cmd '${agent.command}'`;
    case 'url':
      return `--agent-url ${agent.url}`;
  }
}

function describeMachine(m: MachineFacts): string {
  return `${m.cpus.count} × ${m.cpus.model}, ${(m.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB, ${m.os} ${m.arch}`;
}

function sameMachine(a: MachineFacts, b: MachineFacts): boolean {
  // Memory is compared to the GiB: the kernel reports a few MB more or less from boot to boot.
  const gib = (bytes: number): number => Math.round(bytes / 2 ** 30);
  return a.os === b.os && a.arch === b.arch && a.cpus.model === b.cpus.model && a.cpus.count === b.cpus.count && gib(a.totalMemoryBytes) === gib(b.totalMemoryBytes);
}

function versionChanges(base: Versions, run: Versions): string[] {
  const changes: string[] = [];
  if (base.callbench !== run.callbench) changes.push(`callbench ${base.callbench} → ${run.callbench}`);
  if (base.node !== run.node) changes.push(`node ${base.node} → ${run.node}`);
  for (const name of new Set([...Object.keys(base.sdks), ...Object.keys(run.sdks)])) {
    const a = base.sdks[name] ?? null;
    const b = run.sdks[name] ?? null;
    if (a !== b) changes.push(`${name} ${a ?? 'none'} → ${b ?? 'none'}`);
  }
  return changes;
}

function refuse(code: PlanRefusalCode, reason: string): PlanCheck {
  return { kind: 'refused', code, reason };
}

export function checkBaselinePlan(baseline: CurrentRun, run: CurrentRun): PlanCheck {
  const a = baseline.plan;
  const b = run.plan;
  const names = (plan: BaselinePlan): string => plan.scenarios.map((s) => s.name).join(', ');
  if (names(a) !== names(b)) return refuse('scenarios', `the baseline plays ${names(a)}; this run plays ${names(b)}`);
  const changed = a.scenarios.find((s, i) => s.digest !== b.scenarios[i]?.digest);
  if (changed !== undefined) return refuse('scenario-content', `scenario ${changed.name} (its file or its fixtures) is not the one the baseline played`);
  if (a.profile !== b.profile) return refuse('profile', `the baseline used profile ${a.profile}; this run uses ${b.profile}`);
  if (a.seed !== b.seed) return refuse('seed', `the baseline used seed ${a.seed}; this run uses ${b.seed} (another seed draws other upstream delays)`);
  if (describeLoad(a.load) !== describeLoad(b.load)) return refuse('load', `the baseline ran the ${describeLoad(a.load)}; this run the ${describeLoad(b.load)}`);
  if (a.agent.kind !== b.agent.kind || (a.agent.kind === 'reference' && b.agent.kind === 'reference' && a.agent.design !== b.agent.design)) {
    return refuse('agent', `the baseline measured ${describeAgent(a.agent)}; this run measures ${describeAgent(b.agent)} (to compare designs, use callbench compare)`);
  }
  const notes: PlanNote[] = [];
  if (describeAgent(a.agent) !== describeAgent(b.agent)) notes.push({ code: 'agent', message: `the baseline measured ${describeAgent(a.agent)}; this run ${describeAgent(b.agent)}` });
  if (!sameMachine(baseline.machine, run.machine)) {
    notes.push({
      code: 'machine',
      message: `the baseline was measured on another machine (${describeMachine(baseline.machine)}) than this run (${describeMachine(run.machine)}): its figures may differ for that reason alone`,
    });
  }
  const versions = versionChanges(baseline.versions, run.versions);
  if (versions.length > 0) notes.push({ code: 'versions', message: `versions differ from the baseline's: ${versions.join(', ')}` });
  if (a.warmup !== b.warmup) notes.push({ code: 'warmup', message: `${a.warmup} warm-up call(s) per scenario in the baseline, ${b.warmup} in this run` });
  const size = sizeNote(a.load, b.load);
  if (size !== undefined) notes.push({ code: 'size', message: size });
  return { kind: 'comparable', notes };
}
