/**
 * Each bug of the planted agent (test/agents/planted.mjs), planted alone with its PLANT knob and
 * played through startRun on the scenario that shows it: the conformance check that names the
 * bug fails, with evidence. test/agents/README.md lists the knobs with their REFERENCE-AGENTS §6
 * bug class; planted-agent.test.ts shows the agent passing with no knob.
 *
 * Every case runs: a check missing from the catalogue, or a scenario that does not load or does
 * not say what the case needs (the backchannel step's `expect: "ignore"`), fails the case with the
 * reason, never skips it.
 *
 * Where a shipped scenario plays longer than the bug needs, the case plays a copy of it under
 * test/agents/planted/scenarios (each says what it changed): shorter replies and questions where
 * the bug shows on any reply, an earlier barge-in or hang-up where the bug shows by then, steps
 * dropped that come after the bug, or a shorter timeout (5000 ms, 6000 ms after a late `start`) on
 * the one wait that the bug leaves unanswered (a correct agent answers well inside it). The
 * truncate and crash cases play the short barge-in and rate-limited scenarios other tests play
 * (test/integration/scenarios).
 *
 * One call per bug where one shows it, the `instant` profile except where the bug needs generation
 * still in flight at the barge-in (`slow`: the mocks produce audio at 3× real time), and every test
 * at once (they wait on real-time audio, not on the CPU). `slow` measures its two runs side by side
 * and compares them with a threshold set between them, never with an absolute latency.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Utterance } from '../../harness/caller/utterance.ts';
import { CHECK_IDS, type CheckVerdict } from '../../harness/checks/check.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { evaluateThreshold, outcomeHistograms } from '../../harness/gate/evaluate.ts';
import { parseThresholdFlag } from '../../harness/gate/thresholds.ts';
import { PROFILES } from '../../harness/mocks/profiles.ts';
import { foldRun } from '../../harness/report/fold.ts';
import { summarize } from '../../harness/report/summary.ts';
import type { CallRecord, RunResult } from '../../harness/runner/events.ts';
import { createProcessAgentTarget } from '../../harness/runner/process-agent.ts';
import type { PlannedScenario } from '../../harness/runner/run.ts';
import { startRun } from '../../harness/runner/start-run.ts';
import { loadFixture, loadScenario } from '../../harness/scenario/load.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const OWN_SCENARIOS = path.join(ROOT, 'test', 'agents', 'planted', 'scenarios');
const clock = createSystemClock();

/** The check ids of the catalogue as it stands (checks still being written are missing from it). */
const CATALOGUE: readonly string[] = CHECK_IDS;

// --- scenarios, loaded once: a file the schema cannot read fails the cases that use it, saying why ---

type Loaded = { ok: true; planned: PlannedScenario } | { ok: false; why: string };

async function plan(file: string): Promise<PlannedScenario> {
  const scenario = await loadScenario(file);
  const fixtures = new Map<string, Utterance>();
  for (const step of scenario.steps) if (step.type === 'say') fixtures.set(step.fixture, await loadFixture(path.join(ROOT, 'fixtures', 'utterances'), step.fixture));
  return { scenario, fixtures };
}

/** One of test/agents/planted/scenarios by file name (`x.json`), or another scenario file by its path from the root. */
async function load(name: string): Promise<Loaded> {
  const file = name.includes('/') ? path.join(ROOT, name) : path.join(OWN_SCENARIOS, name);
  try {
    return { ok: true, planned: await plan(file) };
  } catch (error) {
    return { ok: false, why: `${path.relative(ROOT, file)} cannot be loaded yet (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
}

const SCENARIO_NAMES = ['barge-in-late-realtime-short.json', 'greeting-short-wait.json', 'greeting-cut-short.json', 'question-short.json', 'stale-marks-short.json', 'shared-speaker.json', 'shared-listener.json', 'barge-in-short-wait.json', 'barge-in-keepgen-short.json', 'test/integration/scenarios/barge-in-short.json', 'backchannel-short.json', 'late-start-short-wait.json', 'test/integration/scenarios/llm-rate-limited-short.json', 'realtime-drop-short-wait.json'] as const;
type ScenarioName = (typeof SCENARIO_NAMES)[number];
const SCENARIOS = new Map<ScenarioName, Loaded>(await Promise.all(SCENARIO_NAMES.map(async (name) => [name, await load(name)] as const)));

function scenario(name: ScenarioName): PlannedScenario {
  const loaded = SCENARIOS.get(name);
  if (loaded?.ok !== true) throw new Error(`scenario ${name} is not loaded: ${loaded?.why ?? 'not in SCENARIO_NAMES'}`);
  return loaded.planned;
}

// --- one run of the planted agent ---

interface PlantedRun {
  result: RunResult;
  calls: CallRecord[];
  /** Every verdict of every call: the call record's, and `upstream.closed-after-hangup` decided after it. */
  verdicts: Array<{ call: CallRecord; verdict: CheckVerdict }>;
  p50: (metric: 'turn.response_ms') => number | undefined;
  threshold: (text: string) => ReturnType<typeof evaluateThreshold>;
  /** The end of what the agent printed, for failure messages. */
  log: string;
}

interface RunOptions {
  mode: 'cascaded' | 'realtime';
  /** The PLANT knob(s); empty: the correct agent. */
  plant: string;
  scenarios: readonly PlannedScenario[];
  calls?: number;
  concurrency?: number;
  profile?: 'instant' | 'slow';
}

async function runPlanted(options: RunOptions): Promise<PlantedRun> {
  const profile = PROFILES[options.profile ?? 'instant'];
  if (profile === undefined) throw new Error(`profile ${options.profile} is missing`);
  const dir = await mkdtemp(path.join(tmpdir(), 'callbench-planted-'));
  const logFile = path.join(dir, 'agent.log');
  try {
    const run = startRun(
      {
        scenarios: options.scenarios,
        load: { model: 'closed', calls: options.calls ?? 1, concurrency: options.concurrency ?? 1 },
        profile,
        seed: 7,
        agent: createProcessAgentTarget({ command: `AGENT_MODE=${options.mode} PLANT=${options.plant} node test/agents/planted.mjs`, cwd: ROOT, clock, logFile }),
        authToken: 'planted-bugs-auth-token',
      },
      { clock },
    );
    const calls: CallRecord[] = [];
    const late: Array<{ callSid: string; verdict: CheckVerdict }> = [];
    run.subscribe((event) => {
      if (event.type === 'call-ended') calls.push(event.call);
      if (event.type === 'check-verdict') late.push({ callSid: event.call.callSid, verdict: event.verdict });
    });
    const { result, outcome } = await foldRun(run);
    const summary = summarize(outcome, 'test');
    const verdicts = [
      ...calls.flatMap((call) => call.verdicts.map((verdict) => ({ call, verdict }))),
      ...late.flatMap(({ callSid, verdict }) => calls.filter((c) => c.callSid === callSid).map((call) => ({ call, verdict }))),
    ];
    const log = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-25).join('\n');
    return {
      result,
      calls,
      verdicts,
      p50: (metric) => summary.metrics[metric]?.p50,
      threshold: (text) => {
        const parsed = parseThresholdFlag(text);
        if (!parsed.ok) throw new Error(`threshold '${text}': ${parsed.error.expected}`);
        return evaluateThreshold(parsed.value, summary, outcomeHistograms(outcome));
      },
      log,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What failed on the run, one line per failed verdict (for messages). */
function failedLines(run: PlantedRun): string {
  return run.verdicts
    .filter(({ verdict }) => verdict.status === 'failed')
    .map(({ call, verdict }) => `${call.scenario} #${call.index + 1} ${verdict.id}: ${verdict.evidence.join(' | ')}`)
    .join('\n');
}

/** The ids of the checks that failed on the run, sorted. */
function failedIds(run: PlantedRun): string[] {
  return [...new Set(run.verdicts.filter(({ verdict }) => verdict.status === 'failed').map(({ verdict }) => verdict.id))].sort();
}

/** `id` failed on at least one call, with evidence. */
function expectFailed(run: PlantedRun, id: string): void {
  const failed = run.verdicts.filter(({ verdict }) => verdict.id === id && verdict.status === 'failed');
  const context = `expected ${id} to fail; the run ${run.result.state}, calls ${run.calls.map((c) => c.state).join(', ')}; failed:\n${failedLines(run) || '(nothing)'}\nagent log:\n${run.log}`;
  expect(failed.length, context).toBeGreaterThan(0);
  for (const { verdict } of failed) expect(verdict.evidence.length, context).toBeGreaterThan(0);
}

// --- the cases: one knob each, the scenario that shows it, the checks that name it ---

interface Case {
  plant: string;
  mode: RunOptions['mode'];
  /** REFERENCE-AGENTS §6 bug class (or the §5 behaviour when §6 has no row for it). */
  bugClass: string;
  scenarios: readonly ScenarioName[];
  /** The checks that must fail. */
  checks: readonly string[];
  calls?: number;
  concurrency?: number;
  profile?: RunOptions['profile'];
  /** Why the scenario cannot show the bug yet, when it cannot. */
  needs?: () => string | undefined;
}

/** The backchannel step of the scenario played must say it is to be ignored (the default for a step after wait_for_agent_audio is interrupt). */
function backchannelIgnored(): string | undefined {
  const loaded = SCENARIOS.get('backchannel-short.json');
  if (loaded?.ok !== true) return loaded?.why ?? 'backchannel-short.json not loaded';
  const step = loaded.planned.scenario.steps.find((s) => s.type === 'say' && s.fixture === 'uh-huh');
  const expectation = (step as { expect?: unknown } | undefined)?.expect;
  return expectation === 'ignore' ? undefined : `test/agents/planted/scenarios/backchannel-short.json does not say "expect": "ignore" on its uh-huh step (it is expected to interrupt by default)`;
}

const CASES: readonly Case[] = [
  { plant: 'latch', mode: 'cascaded', bugClass: '1', scenarios: ['greeting-short-wait.json'], calls: 2, checks: ['twilio.stream-sid'] },
  { plant: 'shared', mode: 'cascaded', bugClass: '2', scenarios: ['shared-speaker.json', 'shared-listener.json'], concurrency: 2, checks: ['bargein.no-spurious-clear'] },
  { plant: 'early', mode: 'realtime', bugClass: '3', scenarios: ['late-start-short-wait.json'], checks: ['twilio.nothing-before-start'] },
  { plant: 'noteardown', mode: 'cascaded', bugClass: '4, 5', scenarios: ['greeting-cut-short.json'], checks: ['upstream.closed-after-hangup'] },
  { plant: 'noclear', mode: 'realtime', bugClass: '7', scenarios: ['barge-in-short-wait.json'], checks: ['turn.expected'] },
  { plant: 'keepgen', mode: 'cascaded', bugClass: '8', scenarios: ['barge-in-keepgen-short.json'], checks: ['bargein.generation-stopped'] },
  { plant: 'late', mode: 'realtime', bugClass: '10', scenarios: ['barge-in-late-realtime-short.json'], profile: 'slow', checks: ['bargein.no-leak'] },
  { plant: 'popany', mode: 'cascaded', bugClass: '13', scenarios: ['stale-marks-short.json'], checks: ['turn.expected', 'marks.tied-to-audio'] },
  { plant: 'nomarks', mode: 'cascaded', bugClass: '14', scenarios: ['question-short.json'], checks: ['bargein.no-spurious-clear', 'marks.tied-to-audio'] },
  { plant: 'backchannel', mode: 'cascaded', bugClass: '15', scenarios: ['backchannel-short.json'], checks: ['turn.expected'], needs: backchannelIgnored },
  { plant: 'ctljson', mode: 'cascaded', bugClass: '16', scenarios: ['question-short.json'], checks: ['twilio.audio-format'] },
  { plant: 'double', mode: 'cascaded', bugClass: '23', scenarios: ['question-short.json'], checks: ['turn.one-reply'] },
  { plant: 'wav', mode: 'cascaded', bugClass: '§5 A3', scenarios: ['greeting-cut-short.json'], checks: ['twilio.audio-format'] },
  { plant: 'deadair', mode: 'realtime', bugClass: '6', scenarios: ['realtime-drop-short-wait.json'], checks: ['turn.complete'] },
  { plant: 'truncsent', mode: 'realtime', bugClass: '12', scenarios: ['test/integration/scenarios/barge-in-short.json'], checks: ['realtime.truncate-accurate'] },
  { plant: 'truncstale', mode: 'realtime', bugClass: '11', scenarios: ['test/integration/scenarios/barge-in-short.json'], checks: ['realtime.truncate-accurate'] },
];

/** Why a case cannot run, or undefined. */
function pending(c: Case): string | undefined {
  const missing = c.checks.filter((id) => !CATALOGUE.includes(id));
  if (missing.length > 0) return `waits for check ${missing.join(', ')}`;
  const unloaded = c.scenarios.map((name) => SCENARIOS.get(name)).find((loaded) => loaded?.ok !== true);
  if (unloaded !== undefined && !unloaded.ok) return `waits for ${unloaded.why}`;
  return c.needs?.();
}

describe.concurrent('the planted agent: each bug alone fails the check that names it', { timeout: 150_000 }, () => {
  for (const c of CASES) {
    const title = `PLANT=${c.plant} (AGENT_MODE=${c.mode}, bug class ${c.bugClass}) on ${c.scenarios.join(' + ')}: ${c.checks.join(', ')} fail`;
    it(title, async () => {
      // The case can run: its checks are in the catalogue and its scenarios load and say what it needs.
      expect(pending(c), title).toBeUndefined();
      const run = await runPlanted({
        mode: c.mode,
        plant: c.plant,
        scenarios: c.scenarios.map(scenario),
        ...(c.calls === undefined ? {} : { calls: c.calls }),
        ...(c.concurrency === undefined ? {} : { concurrency: c.concurrency }),
        ...(c.profile === undefined ? {} : { profile: c.profile }),
      });
      for (const id of c.checks) expectFailed(run, id);
    });
  }

  // No check names a crash: the run itself stops, saying the agent exited (callbench exits 3).
  it('PLANT=crash (AGENT_MODE=cascaded, bug class 17) on test/integration/scenarios/llm-rate-limited-short.json: the 429 kills the agent and the run stops, saying the agent exited', async () => {
    const run = await runPlanted({ mode: 'cascaded', plant: 'crash', scenarios: [scenario('test/integration/scenarios/llm-rate-limited-short.json')] });
    const context = `run ${JSON.stringify(run.result)}; calls ${run.calls.map((c) => c.state).join(', ')}; agent log:\n${run.log}`;
    expect(run.result.state, context).toBe('agent-exited');
    expect(run.result.state === 'agent-exited' ? run.result.message : '', context).toMatch(/exited/);
    // It died of the unhandled rejection of the 429, not of anything else.
    expect(run.log, context).toMatch(/ChatError: chat completions answered HTTP 429/);
  });

  it('PLANT=slow (AGENT_MODE=cascaded): +700 ms before each reply, otherwise correct; a turn.response_ms p(50) threshold set between the two runs passes the correct agent and fails the slow one', async () => {
    const question = scenario('question-short.json');
    const options = { mode: 'cascaded' as const, scenarios: [question], calls: 3, concurrency: 3 };
    // Side by side, so both see the same machine.
    const [correct, slow] = await Promise.all([runPlanted({ ...options, plant: '' }), runPlanted({ ...options, plant: 'slow' })]);
    const fast = correct.p50('turn.response_ms');
    const slower = slow.p50('turn.response_ms');
    const context = `p50 correct ${fast} ms, slow ${slower} ms; failed:\n${failedLines(correct)}\n${failedLines(slow)}`;
    if (fast === undefined || slower === undefined) throw new Error(`no turn.response_ms sample: ${context}`);
    expect(slower, context).toBeGreaterThan(fast);
    const threshold = `turn.response_ms: p(50)<${Math.round((fast + slower) / 2)}`;
    expect(correct.threshold(threshold).ok, `${threshold} on the correct run; ${context}`).toBe(true);
    expect(slow.threshold(threshold).ok, `${threshold} on the slow run; ${context}`).toBe(false);
    // Nothing else is wrong with the slow agent: the same checks fail (none) as on the correct one.
    expect(failedIds(slow), context).toEqual(failedIds(correct));
  });
});
