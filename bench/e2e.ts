/**
 * The end-to-end part of `npm run bench`: whole calls through startRun, real sockets on 127.0.0.1,
 * on the system clock. Five measurements, in one run:
 *
 * - ramp: the trivial agent (bench/trivial-agent.ts, the null agent in a process of its own) at
 *   rising concurrency; per level the caller's frame pacing, the harness's event-loop delay, the
 *   CPU of the harness process and of the agent process per call-second, and the response error
 *   (the agent's reply times are known). The highest level whose pacing p99 stays within 2 ms,
 *   and what held the next one back.
 * - overhead: from the ramp, what one call costs the harness end to end (caller, mocks, run
 *   machinery) and what it adds to a measured latency.
 * - reference: the reference agent (worker thread, and in-process as `callbench run` starts it)
 *   at 100 concurrent calls on the `reference` profile: its pacing p99.
 * - calibration: `callbench calibrate`'s runs (null agent in process) at 1, 50 and 200 calls.
 * - agent: the reference agent's own time from the STT final to its first audio sent to Twilio,
 *   under `instant` (every mock delay zero), from its own log events and from the mock journals.
 *
 * Each figure is marked when the run says it cannot be trusted: the harness's trust bounds
 * (harness/report/warnings.ts) were passed, or other work held the machine when it started.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentLogEvent } from '../agent/log-events.ts';
import { createSystemClock, type Clock } from '../harness/clock.ts';
import type { Utterance } from '../harness/caller/utterance.ts';
import type { MetricName } from '../harness/metrics/definitions.ts';
import { PROFILES, type LatencyProfile } from '../harness/mocks/profiles.ts';
import { trustWarnings } from '../harness/report/warnings.ts';
import type { AgentTarget } from '../harness/runner/agent-target.ts';
import { calibrationUtterance, CALIBRATION_AGENT, runCalibration } from '../harness/runner/calibration.ts';
import { expectedResponseMs } from '../harness/runner/null-agent.ts';
import { createProcessAgentTarget } from '../harness/runner/process-agent.ts';
import { createReferenceAgentTarget } from '../harness/runner/reference-agent.ts';
import type { LoadPlan, PlannedScenario } from '../harness/runner/run.ts';
import { createWorkerAgentTarget } from '../harness/runner/worker-agent.ts';
import { loadFixture } from '../harness/scenario/load.ts';
import { Scenario } from '../harness/scenario/schema.ts';
import { measureRun, type MeasuredRun } from './e2e-run.ts';
import { loaded, ms, spreadCells, spreadOf, table, type Machine, type Spread } from './e2e-table.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = path.join(ROOT, 'fixtures/utterances');
const AUTH_TOKEN = 'callbench-bench-token';

/** The ramp's levels, concurrent calls. */
export const RAMP_LEVELS = [1, 25, 50, 100, 200, 350, 500] as const;
/** The pacing the issue asks of the harness with a trivial agent, ms at p99. */
const TRIVIAL_PACING_P99_MS = 2;
/** The pacing asked of a run against the reference agent, ms at p99. */
const REFERENCE_PACING_P99_MS = 5;
/** Past this p99 the next levels are not played: the harness is well beyond its bound already. */
const RAMP_GIVE_UP_P99_MS = 25;
/** Each ramp level: its callers start over RAMP_UP_MS, then hold the level for HOLD_MS (calls end after that). */
const RAMP_UP_MS = 1000;
const HOLD_MS = 4000;
/** The harness thread at this share of one core or more is CPU-bound. */
const SATURATED_CPU = 0.85;

const profile = (name: string): LatencyProfile => {
  const found = PROFILES[name];
  if (found === undefined) throw new Error(`no mock profile ${name}`);
  return found;
};

const untrusted = (run: Pick<MeasuredRun, 'warnings' | 'loadBefore'>, cores: number): string[] => [
  ...run.warnings.map((w) => w.code),
  ...(loaded([run.loadBefore], cores) ? [`load ${run.loadBefore.toFixed(2)} ≥ ${cores} cores at start`] : []),
];
/** A run's calls (failed ones counted), frames sent and caller pacing p50 / p95 / p99 / max: the cells every pacing table starts with. */
const callCells = (run: Pick<MeasuredRun, 'calls' | 'failed' | 'framesSent' | 'pacing'>): string[] => [
  `${run.calls.length}${run.failed > 0 ? ` (${run.failed} failed)` : ''}`,
  String(run.framesSent),
  ms(run.pacing.p50),
  ms(run.pacing.p95),
  ms(run.pacing.p99),
  ms(run.pacing.max),
];
const flag = (reasons: readonly string[]): string => (reasons.length === 0 ? '' : ` UNTRUSTED (${reasons.join(', ')})`);

// ---------------------------------------------------------------------------------------------
// The trivial agent and its calls

/** The trivial agent's calls: hear the greeting tone, say the calibration tone three times, each answered by a tone, hang up (about 3 s). */
function trivialScenario(): PlannedScenario {
  const utterance = calibrationUtterance();
  const turn = [
    { type: 'say', fixture: utterance.id },
    { type: 'wait_for_agent', quietMs: 100, timeoutMs: 10_000 },
  ];
  return {
    scenario: Scenario.parse({
      name: 'bench-trivial',
      description: 'Greeting tone, three tones answered by tones, hang up.',
      steps: [{ type: 'wait_for_agent', quietMs: 100, timeoutMs: 10_000 }, ...turn, ...turn, ...turn, { type: 'hangup' }],
    }),
    fixtures: new Map([[utterance.id, utterance]]),
  };
}

/** The trivial agent process, on the calibration timing (so its reply times are known); its CPU is written to `statsFile` when it is stopped. */
function trivialAgent(clock: Clock, statsFile: string): AgentTarget {
  const timing = JSON.stringify(CALIBRATION_AGENT);
  return createProcessAgentTarget({
    command: `CALLBENCH_AGENT_STATS='${statsFile}' CALLBENCH_NULL_AGENT='${timing}' exec node --import tsx bench/trivial-agent.ts`,
    cwd: ROOT,
    clock,
  });
}

interface AgentStats {
  cpuMs: number;
  wallMs: number;
}

function readAgentStats(file: string): AgentStats | undefined {
  try {
    const stats = JSON.parse(readFileSync(file, 'utf8')) as { cpu: { user: number; system: number }; wallMs: number };
    return { cpuMs: (stats.cpu.user + stats.cpu.system) / 1000, wallMs: stats.wallMs };
  } catch {
    return undefined;
  }
}

/** measured − expected of the null agent's replies, over a run's calls. */
function responseErrors(calls: MeasuredRun['calls']): { greeting: number[]; response: number[] } {
  const expectedGreeting = CALIBRATION_AGENT.greetDelayMs ?? 0;
  const expectedResponse = expectedResponseMs(CALIBRATION_AGENT);
  const of = (metric: MetricName, expected: number): number[] => calls.flatMap((c) => (c.samples[metric] ?? []).map((v) => v - expected));
  return { greeting: of('greeting.first_audio_ms', expectedGreeting), response: of('turn.response_ms', expectedResponse) };
}

interface Level {
  concurrency: number;
  run: MeasuredRun;
  agent: AgentStats | undefined;
  /** The harness thread's CPU over the measured window, as a share of one core. */
  cpuShare: number;
  responseError: Spread;
}

async function rampLevel(clock: Clock, concurrency: number, dir: string): Promise<Level> {
  const statsFile = path.join(dir, `agent-${concurrency}.json`);
  // One call at a time: four of them. More: the callers ramp up over a second (a start storm of
  // hundreds of webhooks and upgrades at once is no steady state), then hold the level.
  const load: LoadPlan =
    concurrency === 1
      ? { model: 'closed', calls: 4, concurrency }
      : { model: 'closed-duration', durationMs: RAMP_UP_MS + HOLD_MS, concurrency, stages: [{ durationMs: RAMP_UP_MS, target: concurrency }, { durationMs: HOLD_MS, target: concurrency }] };
  const run = await measureRun(
    {
      scenarios: [trivialScenario()],
      load,
      // Enough to warm the JIT and the sockets, not so many that a level takes twice as long.
      warmup: Math.min(concurrency, 25),
      profile: profile('instant'),
      seed: 1,
      agent: trivialAgent(clock, statsFile),
      authToken: AUTH_TOKEN,
    },
    clock,
  );
  return {
    concurrency,
    run,
    agent: readAgentStats(statsFile),
    cpuShare: run.wallMs > 0 ? run.cpuMs / run.wallMs : NaN,
    responseError: spreadOf(responseErrors(run.calls).response),
  };
}

/** Why `level` (the first past the pacing bound) was: the harness CPU-bound, the machine held by others, or the loop held up. */
function bound(level: Level, cores: number): string {
  const cpu = `the harness thread used ${(level.cpuShare * 100).toFixed(0)} % of a core`;
  if (level.cpuShare >= SATURATED_CPU) return `${cpu}: its one event loop is CPU-bound, so frame timers wait for the work before them`;
  const load = Math.max(level.run.loadBefore, level.run.loadAfter);
  if (load >= cores) return `${cpu}, but the machine's load was ${load.toFixed(2)} on ${cores} cores: the harness waited for a CPU the other processes held`;
  return (
    `${cpu} and the load was ${load.toFixed(2)} on ${cores} cores, so neither is saturated: the floor is Node's whole-millisecond timers ` +
    `(a frame's timer fires up to 1 ms early and the rest is waited out with another timer of at least 1 ms: pacing p50 ${ms(level.run.pacing.p50)} ms), ` +
    `and the tail is the event loop held up by bursts of work (call set-up and records, GC; loop p99 ${ms(level.run.eventLoop?.delayMs.p99)} ms, ` +
    `max ${ms(level.run.eventLoop?.delayMs.max)} ms) and the machine's scheduling`
  );
}

async function ramp(clock: Clock, machine: Machine): Promise<Level[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'callbench-bench-'));
  const levels: Level[] = [];
  try {
    for (const concurrency of RAMP_LEVELS) {
      process.stderr.write(`  ramp: ${concurrency} concurrent call(s)…\n`);
      const level = await rampLevel(clock, concurrency, dir);
      levels.push(level);
      if (level.run.pacing.p99 > RAMP_GIVE_UP_P99_MS) break;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const rows = levels.map((l) => {
    const r = l.run;
    const agentUs = l.agent === undefined ? NaN : (l.agent.cpuMs * 1000) / r.allCallSeconds;
    return [
      String(l.concurrency),
      ...callCells(r),
      ms(r.eventLoop?.delayMs.p99),
      ms(r.eventLoop?.delayMs.max),
      `${(l.cpuShare * 100).toFixed(0)} %`,
      ((r.cpuMs * 1000) / r.callSeconds).toFixed(0),
      agentUs.toFixed(0),
      ms(l.responseError.p50),
      ms(l.responseError.p99),
      `${r.loadBefore.toFixed(2)}→${r.loadAfter.toFixed(2)}`,
      untrusted(r, machine.cores).join(', '),
    ];
  });
  console.log(
    `\n## Ramp: the trivial agent in its own process (${RAMP_LEVELS.join(', ')} concurrent calls; each call about 3 s: greeting tone, three tones answered by tones;\n` +
      `from 25 on, the callers ramp up over ${RAMP_UP_MS / 1000} s, hold the level ${HOLD_MS / 1000} s, each starting a new call when its last ends)\n`,
  );
  console.log(
    table(
      [
        'calls in flight',
        'calls',
        'frames',
        'pacing p50',
        'p95',
        'p99',
        'max',
        'loop p99',
        'loop max',
        'harness CPU',
        'harness µs CPU/call-s',
        'agent µs CPU/call-s',
        'response err p50',
        'p99',
        'load 1m',
        'untrusted',
      ],
      rows,
    ),
  );
  console.log(
    'pacing: how late the caller\'s 20 ms frames went out, ms; loop: the harness\'s event-loop delay beyond its 10 ms timer, ms; harness CPU: the harness process over\n' +
      'the measured calls, as a share of one core; response err: turn.response_ms − its known value, ms (the agent in another process).',
  );
  for (const l of levels) if (l.run.errors.length > 0) console.log(`  at ${l.concurrency}: ${l.run.failed} failed, e.g. ${l.run.errors[0]}`);
  const within = levels.filter((l) => l.run.pacing.p99 <= TRIVIAL_PACING_P99_MS && l.run.failed === 0);
  const best = within[within.length - 1];
  const past = levels.find((l) => l.run.pacing.p99 > TRIVIAL_PACING_P99_MS || l.run.failed > 0);
  console.log(
    best === undefined
      ? `\nNo level kept the caller's pacing within ${TRIVIAL_PACING_P99_MS} ms at p99.`
      : `\nHighest level with caller pacing p99 ≤ ${TRIVIAL_PACING_P99_MS} ms: ${best.concurrency} concurrent calls (p99 ${ms(best.run.pacing.p99)} ms)${flag(untrusted(best.run, machine.cores))}.`,
  );
  if (past !== undefined) console.log(`At ${past.concurrency} (p99 ${ms(past.run.pacing.p99)} ms${past.run.failed > 0 ? `, ${past.run.failed} calls failed` : ''}): ${bound(past, machine.cores)}.`);
  else console.log(`Every level up to ${levels[levels.length - 1]?.concurrency} stayed within it: the ramp's top, not the harness, is the bound.`);
  return levels;
}

/** What a call costs the harness end to end, from the ramp's levels. */
function overhead(levels: readonly Level[], machine: Machine): void {
  console.log('\n## Harness overhead per call, end to end (caller, mocks, run machinery; the trivial agent in its own process)\n');
  const rows = levels.map((l) => {
    const r = l.run;
    const perCall = r.cpuMs / r.calls.length;
    const agentPerCall = l.agent === undefined ? NaN : (l.agent.cpuMs * (r.callSeconds / r.allCallSeconds)) / r.calls.length;
    const greeting = spreadOf(responseErrors(r.calls).greeting);
    return [
      String(l.concurrency),
      ms(perCall),
      ((r.cpuMs * 1000) / r.callSeconds).toFixed(0),
      ms(agentPerCall),
      ms(greeting.p50),
      ms(greeting.p99),
      ms(l.responseError.p50),
      ms(l.responseError.p99),
      ms(l.responseError.max),
      untrusted(r, machine.cores).join(', '),
    ];
  });
  console.log(
    table(
      ['calls in flight', 'harness ms CPU/call', 'µs CPU/call-s', 'agent ms CPU/call', 'greeting err p50', 'p99', 'response err p50', 'p99', 'max', 'untrusted'],
      rows,
    ),
  );
  const cheapest = levels.filter((l) => l.run.failed === 0).map((l) => (l.run.cpuMs * 1000) / l.run.callSeconds);
  const perSecond = spreadOf(cheapest);
  if (perSecond.n > 0) {
    console.log(
      `CPU per call-second across the levels: median ${perSecond.p50.toFixed(0)} µs (${cheapest.map((v) => v.toFixed(0)).join(', ')}): ` +
        `one core at 100 % would drive about ${Math.floor(1e6 / perSecond.p50)} calls of this kind, if nothing else held it.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The reference agent

async function fixture(name: string): Promise<Utterance> {
  return loadFixture(FIXTURES, name);
}

/** One question with a short answer: greeting, `hours`, the reply, hang up (about 8 s on `reference`). */
async function questionScenario(): Promise<PlannedScenario> {
  return {
    scenario: Scenario.parse({
      name: 'bench-question',
      description: 'Hear the greeting, ask one question, hear a short answer, hang up.',
      steps: [
        { type: 'wait_for_agent', quietMs: 400, timeoutMs: 20_000 },
        { type: 'say', fixture: 'hours', reply: 'We open at nine.' },
        { type: 'wait_for_agent', quietMs: 400, timeoutMs: 30_000 },
        { type: 'hangup' },
      ],
    }),
    fixtures: new Map([['hours', await fixture('hours')]]),
  };
}

/** Six short turns (the shortest fixtures, one-sentence answers): the agent's per-turn overhead, many turns per call (about 15 s). */
async function turnsScenario(): Promise<PlannedScenario> {
  const names = ['no', 'ok', 'yes', 'no', 'ok', 'yes'] as const;
  const fixtures = new Map<string, Utterance>();
  for (const name of new Set(names)) fixtures.set(name, await fixture(name));
  return {
    scenario: Scenario.parse({
      name: 'bench-turns',
      description: 'Six short utterances, each answered by one short sentence.',
      steps: [
        { type: 'wait_for_agent', quietMs: 300, timeoutMs: 20_000 },
        ...names.flatMap((name) => [
          { type: 'say', fixture: name, reply: 'Yes, of course.' },
          { type: 'wait_for_agent', quietMs: 300, timeoutMs: 20_000 },
        ]),
        { type: 'hangup' },
      ],
    }),
    fixtures,
  };
}

const GREETING = 'Hello.';

/** The agent's per-turn timings from its own log events (the harness's clock), by call and turn. */
interface TurnTimes {
  final?: number;
  request?: number;
  firstToken?: number;
  firstByte?: number;
  firstMedia?: number;
}

function turnLog(): { onLog: (event: AgentLogEvent) => void; turns: () => TurnTimes[] } {
  const byCall = new Map<string, Map<number, TurnTimes>>();
  const at = (callSid: string, turn: number): TurnTimes => {
    let turns = byCall.get(callSid);
    if (turns === undefined) byCall.set(callSid, (turns = new Map()));
    let times = turns.get(turn);
    if (times === undefined) turns.set(turn, (times = {}));
    return times;
  };
  return {
    onLog(event) {
      if (!('turn' in event)) return;
      const times = at(event.callSid, event.turn);
      if (event.type === 'stt.final') times.final = event.t;
      else if (event.type === 'llm.request') times.request = event.t;
      else if (event.type === 'llm.first_token') times.firstToken = event.t;
      else if (event.type === 'tts.first_byte') times.firstByte = event.t;
      else if (event.type === 'twilio.first_media') times.firstMedia = event.t;
    },
    turns: () => [...byCall.values()].flatMap((turns) => [...turns.values()]),
  };
}

async function referenceAt100(clock: Clock, machine: Machine): Promise<void> {
  console.log(`\n## The reference agent at 100 concurrent calls (profile reference; one question with a short answer per call, about 8 s)\n`);
  const scenario = await questionScenario();
  const rows: string[][] = [];
  const agentRows: string[][] = [];
  const targets: Array<[string, (onLog: (event: AgentLogEvent) => void) => AgentTarget]> = [
    ['worker thread', (onLog) => createWorkerAgentTarget({ greeting: GREETING, onLog })],
    ['in-process (callbench run)', (onLog) => createReferenceAgentTarget({ greeting: GREETING, onLog })],
  ];
  for (const [where, target] of targets) {
    process.stderr.write(`  reference agent, ${where}, 100 concurrent calls…\n`);
    const log = turnLog();
    const run = await measureRun(
      { scenarios: [scenario], load: { model: 'closed', calls: 100, concurrency: 100 }, warmup: 10, profile: profile('reference'), seed: 1, agent: target(log.onLog), authToken: AUTH_TOKEN },
      clock,
    );
    rows.push([
      where,
      ...callCells(run),
      run.pacing.p99 <= REFERENCE_PACING_P99_MS ? '✓' : '✗',
      ms(run.eventLoop?.delayMs.p99),
      ms(run.eventLoop?.delayMs.max),
      `${((run.cpuMs / run.wallMs) * 100).toFixed(0)} %`,
      `${run.loadBefore.toFixed(2)}→${run.loadAfter.toFixed(2)}`,
      untrusted(run, machine.cores).join(', '),
    ]);
    for (const e of run.errors.slice(0, 1)) console.log(`  ${where}: ${run.failed} failed, e.g. ${e}`);
    // The purely agent parts of a reply (no mock in them), under load.
    const turns = log.turns();
    const decide = spreadOf(turns.flatMap((t) => (t.final !== undefined && t.request !== undefined ? [t.request - t.final] : [])));
    const out = spreadOf(turns.flatMap((t) => (t.firstByte !== undefined && t.firstMedia !== undefined ? [t.firstMedia - t.firstByte] : [])));
    agentRows.push([`${where}: stt.final → llm.request`, ...spreadCells(decide)], [`${where}: tts.first_byte → twilio.first_media`, ...spreadCells(out)]);
  }
  console.log(
    table(['agent', 'calls', 'frames', 'pacing p50', 'p95', 'p99', 'max', `p99 ≤ ${REFERENCE_PACING_P99_MS}`, 'loop p99', 'loop max', 'process CPU', 'load 1m', 'untrusted'], rows),
  );
  console.log('process CPU: the harness process (its worker thread with it) over the measured calls, as a share of one core.');
  console.log('\nThe agent\'s own steps at that load (its log events; no mock time in them), ms:\n');
  console.log(table(['step', 'n', 'p50', 'p95', 'p99', 'max'], agentRows));
}

/** The reference agent's time from the STT final to its first audio, under `instant`. */
async function agentOverhead(clock: Clock, machine: Machine): Promise<void> {
  const concurrency = 8;
  const calls = 16;
  console.log(`\n## The reference agent's own overhead, STT final → first audio sent (profile instant; worker thread; ${calls} calls of 6 short turns, ${concurrency} at a time, after one warm-up call)\n`);
  process.stderr.write(`  reference agent overhead under instant…\n`);
  const log = turnLog();
  const run = await measureRun(
    {
      scenarios: [await turnsScenario()],
      load: { model: 'closed', calls, concurrency },
      warmup: 1,
      profile: profile('instant'),
      seed: 1,
      agent: createWorkerAgentTarget({ greeting: GREETING, onLog: log.onLog }),
      authToken: AUTH_TOKEN,
    },
    clock,
  );
  const turns = log.turns().filter((t) => t.final !== undefined);
  const between = (from: keyof TurnTimes, to: keyof TurnTimes): Spread =>
    spreadOf(turns.flatMap((t) => (t[from] !== undefined && t[to] !== undefined ? [(t[to] as number) - (t[from] as number)] : [])));
  const samples = (metric: MetricName): number[] => run.calls.flatMap((c) => [...(c.samples[metric] ?? [])]);
  /** Per reply, the three agent.* stages of the journals added: the agent's part with every mock step taken out. */
  const agentSum = run.calls.flatMap((c) => {
    const a = c.samples['agent.stt_to_llm_ms'] ?? [];
    const b = c.samples['agent.llm_to_tts_ms'] ?? [];
    const d = c.samples['agent.tts_to_twilio_ms'] ?? [];
    return a.length === b.length && b.length === d.length ? a.map((v, i) => v + (b[i] ?? 0) + (d[i] ?? 0)) : [];
  });
  const rows: string[][] = [
    ['agent log: stt.final → twilio.first_media (the whole reply start)', ...spreadCells(between('final', 'firstMedia'))],
    ['  stt.final → llm.request (agent)', ...spreadCells(between('final', 'request'))],
    ['  llm.request → llm.first_token (SDK request, mock LLM, transport)', ...spreadCells(between('request', 'firstToken'))],
    ['  llm.first_token → tts.first_byte (sentence, Speak+Flush, mock TTS)', ...spreadCells(between('firstToken', 'firstByte'))],
    ['  tts.first_byte → twilio.first_media (agent)', ...spreadCells(between('firstByte', 'firstMedia'))],
    ['journals: agent.stt_to_llm + agent.llm_to_tts + agent.tts_to_twilio', ...spreadCells(spreadOf(agentSum))],
    ['  agent.stt_to_llm_ms', ...spreadCells(spreadOf(samples('agent.stt_to_llm_ms')))],
    ['  llm.ttft_ms (mock)', ...spreadCells(spreadOf(samples('llm.ttft_ms')))],
    ['  agent.llm_to_tts_ms', ...spreadCells(spreadOf(samples('agent.llm_to_tts_ms')))],
    ['  tts.ttfb_ms (mock)', ...spreadCells(spreadOf(samples('tts.ttfb_ms')))],
    ['  agent.tts_to_twilio_ms', ...spreadCells(spreadOf(samples('agent.tts_to_twilio_ms')))],
    ['caller: turn.after_final_ms (mock final sent → first audible sample)', ...spreadCells(spreadOf(samples('turn.after_final_ms')))],
  ];
  console.log(table(['ms', 'n', 'p50', 'p95', 'p99', 'max'], rows));
  console.log(
    `pacing p99 ${ms(run.pacing.p99)} ms, loop p99 ${ms(run.eventLoop?.delayMs.p99)} ms, load ${run.loadBefore.toFixed(2)}→${run.loadAfter.toFixed(2)}` +
      `${run.failed > 0 ? `, ${run.failed} calls failed (${run.errors[0]})` : ''}${flag(untrusted(run, machine.cores))}.`,
  );
  console.log(
    'The agent log rows are the agent\'s own clock readings (the harness\'s clock, shared with the worker); the journal rows are the mocks\' (the agent.* stages\n' +
      'are what lies between two mock events, transport included). Warm-up calls are in the agent-log rows, not in the journal rows.',
  );
}

// ---------------------------------------------------------------------------------------------
// Calibration

async function calibration(clock: Clock, machine: Machine): Promise<void> {
  console.log('\n## Calibration error (callbench calibrate: the null agent in process, replies at known times), measured − expected, ms\n');
  const rows: string[][] = [];
  for (const [concurrency, calls] of [[1, 12], [50, 100], [200, 200]] as const) {
    process.stderr.write(`  calibration at ${concurrency}…\n`);
    const loadBefore = os.loadavg()[0] ?? 0;
    const result = await runCalibration(clock, { calls, concurrency });
    const outcome = result.outcome;
    const framesLateMs = outcome.pacingLateness.summary();
    const warnings = trustWarnings({ pacing: { framesLateMs, framesSent: outcome.framesSent }, eventLoop: outcome.eventLoop });
    for (const error of result.errors) {
      const diffs = outcome.samples[error.metric].map((v) => v - error.expectedMs);
      rows.push([
        `${concurrency} (${calls} calls)`,
        error.metric,
        String(error.expectedMs),
        ...spreadCells(spreadOf(diffs)),
        ms(framesLateMs.p99),
        untrusted({ warnings, loadBefore }, machine.cores).join(', ') + (result.failedCalls > 0 ? ` ${result.failedCalls} failed` : ''),
      ]);
    }
  }
  console.log(table(['concurrency', 'metric', 'expected', 'n', 'p50', 'p95', 'p99', 'max', 'pacing p99', 'untrusted'], rows));
}

// ---------------------------------------------------------------------------------------------

/** The end-to-end parts, each runnable alone (`--only ramp`, …); `overhead` is read off the ramp's runs. */
export const E2E_PARTS = ['ramp', 'reference', 'calibration', 'agent'] as const;
export type E2ePart = (typeof E2E_PARTS)[number];

export async function runEndToEnd(machine: Machine, parts: readonly E2ePart[] = E2E_PARTS): Promise<void> {
  const clock = createSystemClock();
  if (parts.includes('ramp')) overhead(await ramp(clock, machine), machine);
  if (parts.includes('reference')) await referenceAt100(clock, machine);
  if (parts.includes('calibration')) await calibration(clock, machine);
  if (parts.includes('agent')) await agentOverhead(clock, machine);
}


