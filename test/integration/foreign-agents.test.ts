/**
 * Any agent, unmodified: callbench measures agents that are not ours exactly as it measures its
 * own. The foreign agents of test/agents share no code with callbench and send no
 * `x-callbench-call` header; each is started through the process-agent contract inside a run
 * (startRun, the mocks, the `instant` profile) and compared with the reference agent started the
 * same way (`callbench agent`), with its header and without it (--no-call-header), in the same mode:
 * cascaded-raw.mjs against the reference cascaded agent, realtime-raw.mjs and realtime_agent.py
 * against the reference agent in --agent-mode realtime.
 *
 * Each compared run plays 4 calls of one scenario 4 at a time, so every concurrent call says the
 * same words: the hardest case for tying upstream connections to calls. `barge-in-short`
 * (test/integration/scenarios: the shipped `barge-in-mid-sentence` made short, a short question,
 * the barge-in 1 s into the long answer with an utterance long enough for interim transcripts,
 * a short second answer) is that scenario: two replies per call, a barge-in, and for Realtime a
 * truncate. Compared: every
 * upstream connection tied (the run's `upstream` event), every call answered, the same metric names
 * with the same sample counts, one sample of every stage metric per reply, the same verdict statuses
 * of every check, the same connections per service. Never a latency value.
 *
 * Two more runs plant what the checks must catch in agents that carry no tag: cascaded-raw
 * transcoding to linear16 at 16 kHz, with its listen socket leaked at hang-up, on `llm-rate-limited`
 * (the 429s must be injected), and realtime-raw with its Realtime socket leaked, on `question` and
 * `realtime-drop` (the close must be injected), each made short in test/integration/scenarios
 * (`-short`: the same steps and faults, short utterances and answers). Nine runs in all, at most
 * three at a time.
 *
 * The Python agent needs Debian's python3-websockets: without it its tests are skipped with the
 * reason printed, except under CI (CI set), where they fail and say what to install (.ci/run
 * installs it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventsOf } from '../../harness/caller/timeline.ts';
import type { CheckId, CheckVerdict } from '../../harness/checks/check.ts';
import { createSystemClock } from '../../harness/clock.ts';
import type { MetricName, StageMetricName } from '../../harness/metrics/definitions.ts';
import type { JournalEntry, MockService } from '../../harness/mocks/journal/entries.ts';
import { isFault, isTruncate, truncateAudioEndMs, type UpstreamReport } from '../../harness/mocks/journal/queries.ts';
import { PROFILES } from '../../harness/mocks/profiles.ts';
import type { CallRecord, RunResult } from '../../harness/runner/events.ts';
import { createProcessAgentTarget } from '../../harness/runner/process-agent.ts';
import type { RunPlan } from '../../harness/runner/run.ts';
import { startRun } from '../../harness/runner/start-run.ts';
import { plannedTestScenario } from './helpers/test-scenarios.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PYTHON = '/usr/bin/python3';
const INSTALL = 'apt-get install -y python3-websockets';
const clock = createSystemClock();

/** Why the Python agent cannot run here, or undefined when it can. */
function pythonMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import websockets'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `${PYTHON} could not be run (${probe.error.message})`;
  if (probe.status !== 0) return `${PYTHON} has no websockets module (${probe.stderr.trim().split('\n').at(-1) ?? ''})`;
  return undefined;
}

const missing = pythonMissing();
const inCi = (process.env['CI'] ?? '') !== '';
const skipPython = missing !== undefined && !inCi;
if (skipPython) console.warn(`foreign-agents: skipping the Python agent: ${missing}; to run it: ${INSTALL}`);

/** The scenario every compared run plays, 4 calls 4 at a time (test/integration/scenarios). */
const COMPARED = 'barge-in-short';
const CALLS = 4;

const CASCADED_STAGES: readonly StageMetricName[] = ['stt.final_ms', 'agent.stt_to_llm_ms', 'llm.ttft_ms', 'agent.llm_to_tts_ms', 'tts.ttfb_ms', 'agent.tts_to_twilio_ms'];
const REALTIME_STAGES: readonly StageMetricName[] = ['realtime.speech_stopped_ms', 'realtime.first_audio_ms', 'agent.realtime_to_twilio_ms'];
/**
 * Only an agent that prints its own timing events (the reference agent does, as JSON lines) gets
 * this metric; it compares the agent's word with the measurement, so it is not compared here.
 */
const SELF_REPORT: MetricName = 'agent.self_report_error_ms';

interface RunSpec {
  /** The agent's command line, knobs included (`AGENT_LEAK=listen node …`). */
  command: string;
  webhookPath?: string;
  scenarios: readonly string[];
  calls: number;
  concurrency: number;
}

interface AgentRun {
  spec: RunSpec;
  /** Every measured call, in the order they ended. */
  calls: CallRecord[];
  /** Every verdict of each call, by CallSid: its own, and `upstream.closed-after-hangup` once decided. */
  verdicts: Map<string, CheckVerdict[]>;
  upstream: UpstreamReport;
  result: RunResult;
  /** The end of what the agent printed, for failure messages. */
  log: string;
}

const logDir = mkdtemp(path.join(tmpdir(), 'callbench-foreign-'));
// Every run starts at load (see schedule); a run no test awaited (a filtered or failed file) is
// stopped here with its agent, rather than left playing with its agent orphaned when the worker ends.
const stopRuns = new AbortController();
const scheduled: Array<Promise<unknown>> = [];
afterAll(async () => {
  stopRuns.abort('the test file ended');
  await Promise.allSettled(scheduled);
  await rm(await logDir, { recursive: true, force: true });
});

let logs = 0;
async function play(spec: RunSpec): Promise<AgentRun> {
  if (stopRuns.signal.aborted) throw new Error('not started: the test file ended');
  const profile = PROFILES['instant'];
  if (profile === undefined) throw new Error('the instant profile is missing');
  const logFile = path.join(await logDir, `agent-${++logs}.log`);
  const plan: RunPlan = {
    scenarios: await Promise.all(spec.scenarios.map(plannedTestScenario)),
    load: { model: 'closed', calls: spec.calls, concurrency: spec.concurrency },
    profile,
    seed: 7,
    agent: createProcessAgentTarget({ command: spec.command, cwd: ROOT, clock, logFile, ...(spec.webhookPath === undefined ? {} : { webhookPath: spec.webhookPath }) }),
    authToken: 'foreign-agents-auth-token',
  };
  const run = startRun(plan, { clock, signal: stopRuns.signal });
  const calls: CallRecord[] = [];
  const verdicts = new Map<string, CheckVerdict[]>();
  let upstream: UpstreamReport | undefined;
  run.subscribe((event) => {
    if (event.type === 'call-ended') {
      calls.push(event.call);
      verdicts.set(event.call.callSid, [...(verdicts.get(event.call.callSid) ?? []), ...event.call.verdicts]);
    } else if (event.type === 'check-verdict') {
      verdicts.set(event.call.callSid, [...(verdicts.get(event.call.callSid) ?? []), event.verdict]);
    } else if (event.type === 'upstream') {
      upstream = event.report;
    }
  });
  const result = await run.result;
  // The agent has been stopped: its log is complete.
  const log = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
  if (upstream === undefined) throw new Error(`the run (${spec.command}) sent no upstream event; it ended ${JSON.stringify(result)}; agent log:\n${log}`);
  return { spec, calls, verdicts, upstream, result, log };
}

/** At most `limit` runs at once: the machine has 2 cores, and each run places 4 concurrent calls. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
const slot = limiter(3);

/** Starts every run at once (the limiter queues them in this order); each test awaits the ones it reads. */
function schedule(spec: RunSpec, skip = false): () => Promise<AgentRun> {
  if (skip) return () => Promise.reject(new Error('skipped'));
  const running = slot(() => play(spec));
  scheduled.push(running);
  // A test that reads it reports its failure; until then the rejection is not unhandled.
  running.catch(() => {});
  return () => running;
}

const reference = (mode: 'cascaded' | 'realtime', header: boolean): RunSpec => ({
  command: `node bin/callbench.js agent${mode === 'realtime' ? ' --agent-mode realtime' : ''}${header ? '' : ' --no-call-header'}`,
  scenarios: [COMPARED],
  calls: CALLS,
  concurrency: CALLS,
});
const compared = (command: string, webhookPath?: string): RunSpec => ({ command, ...(webhookPath === undefined ? {} : { webhookPath }), scenarios: [COMPARED], calls: CALLS, concurrency: CALLS });

const runs = {
  referenceCascaded: schedule(reference('cascaded', true)),
  referenceCascadedBare: schedule(reference('cascaded', false)),
  cascadedRaw: schedule(compared('node test/agents/cascaded-raw.mjs')),
  transcodingLeak: schedule({ command: 'AGENT_TRANSCODE=linear16-16k AGENT_LEAK=listen node test/agents/cascaded-raw.mjs', scenarios: ['llm-rate-limited-short'], calls: CALLS, concurrency: CALLS }),
  referenceRealtime: schedule(reference('realtime', true)),
  referenceRealtimeBare: schedule(reference('realtime', false)),
  realtimeRaw: schedule(compared('node test/agents/realtime-raw.mjs', '/twiml')),
  python: schedule(compared(`${PYTHON} test/agents/realtime_agent.py`, '/twiml'), skipPython),
  realtimeLeakDrop: schedule({ command: 'AGENT_LEAK=realtime node test/agents/realtime-raw.mjs', webhookPath: '/twiml', scenarios: ['question-short', 'realtime-drop-short'], calls: 2, concurrency: 4 }),
};

/** What a run is compared on: sets and counts, never a latency. */
interface Digest {
  /** Each call's state and unanswered turns. */
  calls: string[];
  /** Samples per metric over the run, for the metrics with samples. */
  metricCounts: Record<string, number>;
  /** Per call: its replies (turn.response_ms samples) and each stage metric's samples. */
  stagesPerCall: string[];
  /** Per check: the statuses its verdicts had over the calls ('passed', 'skipped', 'failed', joined by '+'). */
  statuses: Record<string, string>;
  /** Tied connections per service. */
  services: Partial<Record<MockService, number>>;
}

/**
 * Checks whose verdict is a timing tolerance on the agent's own clock (a truncate's audio_end_ms
 * within 250 ms of what the caller played): an agent that counts from its own receipt of media, as
 * the Python sample does, lands outside it when a loaded machine delays its reads. Their verdicts
 * say how the agent fared on this machine, not whether it was measured alike, so they are left
 * out of the comparison (each test asserts the ones it needs itself).
 */
const TIMED_CHECKS: ReadonlySet<CheckId> = new Set<CheckId>(['realtime.truncate-accurate']);

function digest(run: AgentRun, stages: readonly StageMetricName[]): Digest {
  const metricCounts: Record<string, number> = {};
  for (const call of run.calls) {
    for (const [name, values] of Object.entries(call.samples)) {
      if (name === SELF_REPORT || values.length === 0) continue;
      metricCounts[name] = (metricCounts[name] ?? 0) + values.length;
    }
  }
  const statuses = new Map<CheckId, Set<string>>();
  for (const verdicts of run.verdicts.values()) for (const v of verdicts) if (!TIMED_CHECKS.has(v.id)) statuses.set(v.id, (statuses.get(v.id) ?? new Set()).add(v.status));
  const services: Partial<Record<MockService, number>> = {};
  for (const [service, n] of Object.entries(run.upstream.ties.byService) as Array<[MockService, { tied: number }]>) services[service] = n.tied;
  return {
    calls: run.calls.map((c) => `${c.state}${c.state === 'failed' ? `: ${c.error}` : ''}; ${c.unansweredTurns} unanswered`),
    metricCounts: Object.fromEntries(Object.entries(metricCounts).sort(([a], [b]) => a.localeCompare(b))),
    stagesPerCall: run.calls.map((c) => [`replies ${c.samples['turn.response_ms']?.length ?? 0}`, ...stages.map((s) => `${s} ${c.samples[s]?.length ?? 0}`)].join(', ')).sort(),
    statuses: Object.fromEntries([...statuses].map(([id, set]) => [id, [...set].sort().join('+')]).sort(([a], [b]) => (a ?? '').localeCompare(b ?? ''))),
    services,
  };
}

/** The evidence of every check that failed, a line each, for a failure's message. */
const failedEvidence = (run: AgentRun): string =>
  run.calls
    .flatMap((call) => (run.verdicts.get(call.callSid) ?? []).filter((v) => v.status === 'failed').map((v) => `${call.callSid} ${v.id}: ${v.evidence.join(' | ')}`))
    .join('\n') || 'none';

const context = (run: AgentRun): string => `${run.spec.command}: run ${run.result.state}; ties ${JSON.stringify(run.upstream.ties)}; failed checks: ${failedEvidence(run)}; agent log:\n${run.log}`;

/**
 * A call's barge-in as the harness saw it, in ms from the call's start: when each utterance's
 * voice began, the clears, the truncates and their audio_end_ms, and the turns it classified. A
 * missing bargein.truncate_error_ms sample says why with this.
 */
function bargeInEvidence(call: CallRecord): string {
  const at = (t: number): number => Math.round(t - call.startedAt);
  const utterances = eventsOf(call.timeline, 'utterance').map((u) => `${u.id} voiced ${at(u.firstVoicedAt)}–${at(u.lastVoicedAt)}`);
  const clears = eventsOf(call.timeline, 'clear').map((c) => at(c.t));
  const truncates = call.journal.filter(isTruncate).map((e) => `${at(e.t)} (audio_end_ms ${truncateAudioEndMs(e) ?? 'none'})`);
  return `${call.callSid}: ${utterances.join(', ')}; clears ${clears.join(', ') || 'none'}; truncates ${truncates.join(', ') || 'none'}; turns ${call.turns.join(', ')}`;
}

/** Every call of `run` ran to its end and every turn was answered. */
function expectAllAnswered(run: AgentRun): void {
  expect(run.calls, context(run)).toHaveLength(run.spec.calls * run.spec.scenarios.length);
  for (const call of run.calls) {
    expect(call.state, `${call.state === 'failed' ? call.error : ''}; ${context(run)}`).toBe('completed');
    expect(call.unansweredTurns, context(run)).toBe(0);
  }
}

/** Every upstream connection of `run` was tied to its call, and the mocks refused nothing. */
function expectAllTied(run: AgentRun): void {
  expect(run.upstream.ties.untied, context(run)).toBe(0);
  expect(run.upstream.refusals, context(run)).toEqual([]);
}

const tiedBy = (run: AgentRun): Record<string, number> => ({ ...run.upstream.ties.byMethod });
const totalTied = (run: AgentRun): number => Object.values(run.upstream.ties.byMethod).reduce((sum, n) => sum + n, 0);

/** The reference run is sound and stands for its mode: all answered, tied by its header, one stage sample per reply. */
function expectSoundReference(run: AgentRun, stages: readonly StageMetricName[]): void {
  expectAllAnswered(run);
  expectAllTied(run);
  expect(tiedBy(run), context(run)).toEqual({ header: totalTied(run), audio: 0, text: 0, content: 0 });
  for (const call of run.calls) {
    const replies = call.samples['turn.response_ms']?.length ?? 0;
    expect(replies, context(run)).toBeGreaterThan(0);
    for (const stage of stages) expect(call.samples[stage]?.length ?? 0, `${stage}; ${context(run)}`).toBe(replies);
  }
}

/**
 * How long the harness stood still at worst in `run`: the latest any caller frame went out. A
 * stall this long on a loaded machine (the mocks' timers wait with the caller's frames) moves what
 * a scenario's timed steps meet: the agent's audio has a gap where the caller barges in, so no
 * barge-in is measured and the reply reads cut short. Both happened, with stalls of about 1 s.
 */
const worstStallMs = (run: AgentRun): number => Math.max(0, ...run.calls.map((call) => call.pacing?.lateness.summary().max ?? 0));
const STALL_BOUND_MS = 300;

/**
 * `run`, an agent that sends no header, is measured as `baseline` is: tied by what it carries, with
 * the same sets and counts. When either run's harness stood still beyond STALL_BOUND_MS the counts
 * and verdicts are not compared (it says so); the calls, their answers and their ties still are.
 */
function expectMeasuredAlike(run: AgentRun, baseline: AgentRun, stages: readonly StageMetricName[]): void {
  expectAllAnswered(run);
  expectAllTied(run);
  expect(run.upstream.ties.byMethod.header, context(run)).toBe(0);
  const [measured, expected] = [digest(run, stages), digest(baseline, stages)];
  const stalls = [run, baseline].map((r) => ({ command: r.spec.command, ms: worstStallMs(r) })).filter((r) => r.ms > STALL_BOUND_MS);
  if (stalls.length > 0) {
    console.warn(`foreign-agents: ${stalls.map((r) => `${r.command}: the harness stood still ${Math.round(r.ms)} ms`).join('; ')} (bound ${STALL_BOUND_MS} ms): counts and verdicts not compared, only calls and ties`);
    expect({ calls: measured.calls, services: measured.services }, `measured ${JSON.stringify(measured)}\nbaseline ${JSON.stringify(expected)}\n${context(run)}`).toEqual({ calls: expected.calls, services: expected.services });
    return;
  }
  // Both digests in the message: a JSON report keeps the message but not the diff.
  expect(measured, `measured ${JSON.stringify(measured)}\nbaseline ${JSON.stringify(expected)}\n${context(run)}`).toEqual(expected);
}

/** The verdicts of `id` over the calls of `run` that played `scenario`. */
function verdictsOf(run: AgentRun, id: CheckId, scenario?: string): Array<{ call: CallRecord; verdict: CheckVerdict | undefined }> {
  return run.calls.filter((c) => scenario === undefined || c.scenario === scenario).map((call) => ({ call, verdict: run.verdicts.get(call.callSid)?.find((v) => v.id === id) }));
}

/** The connection ids of `service` in a call's journal. */
function connectionsOf(journal: readonly JournalEntry[], service: MockService): string[] {
  return [...new Set(journal.filter((e) => e.service === service).map((e) => e.connection))];
}

/** `upstream.closed-after-hangup` failed on `call` naming its own `service` socket, and nothing else. */
function expectLeakNamed(run: AgentRun, call: CallRecord, verdict: CheckVerdict | undefined, service: MockService): void {
  expect(verdict?.status, context(run)).toBe('failed');
  const [socket, ...others] = connectionsOf(call.journal, service);
  expect(socket, `the call has one ${service} connection; ${context(run)}`).toBeDefined();
  expect(others).toEqual([]);
  expect(verdict?.evidence).toEqual([expect.stringMatching(new RegExp(`^${service.replace('.', '\\.')} ${socket ?? ''} \\(opened at [\\d.]+ s\\) still open more than 2 s after the hang-up at [\\d.]+ s`))]);
}

const TIMEOUT = 400_000;

describe('cascaded: cascaded-raw.mjs is measured as the reference cascaded agent is', { timeout: TIMEOUT }, () => {
  it('the reference agent as a process, with its header: every connection tied by it, one stage sample per reply', async () => {
    expectSoundReference(await runs.referenceCascaded(), CASCADED_STAGES);
  });

  it('the reference agent without its header (--no-call-header): tied by audio mark and text, the same sets and counts', async () => {
    const [bare, baseline] = await Promise.all([runs.referenceCascadedBare(), runs.referenceCascaded()]);
    expectMeasuredAlike(bare, baseline, CASCADED_STAGES);
    // The listen socket by the caller's audio mark; the speak socket by its own source mark, heard by the
    // caller in the greeting it spoke before any text of the mocks reached it; chat requests by that text.
    expect(tiedBy(bare)).toEqual({ header: 0, audio: 2 * CALLS, text: totalTied(bare) - 2 * CALLS, content: 0 });
  });

  it('cascaded-raw.mjs (raw sockets, no header): tied by audio mark and text, the same sets and counts', async () => {
    const [raw, baseline] = await Promise.all([runs.cascadedRaw(), runs.referenceCascaded()]);
    expectMeasuredAlike(raw, baseline, CASCADED_STAGES);
    expect(tiedBy(raw)).toEqual({ header: 0, audio: 2 * CALLS, text: totalTied(raw) - 2 * CALLS, content: 0 });
  });

  describe('cascaded-raw.mjs transcoding to linear16 16 kHz, listen socket leaked at hang-up, on llm-rate-limited', () => {
    it('every connection tied at concurrency 4: listen by the audio mark read back after decimation, not by content', async () => {
      const run = await runs.transcodingLeak();
      expectAllTied(run);
      expect(tiedBy(run), context(run)).toEqual({ header: 0, audio: 2 * CALLS, text: totalTied(run) - 2 * CALLS, content: 0 });
      expect(run.upstream.ties.byService['deepgram.listen'], context(run)).toEqual({ tied: CALLS, untied: 0 });
      for (const call of run.calls) expect(call.journal.filter((e) => e.kind === 'open' && e.service === 'deepgram.listen').map((e) => e.data), context(run)).toEqual([expect.objectContaining({ encoding: 'linear16', sampleRate: 16000 })]);
    });

    it('the 429s fire for an agent without the header: in the journal, fault.not-injected passed, and the agent answers after its retries', async () => {
      const run = await runs.transcodingLeak();
      expectAllAnswered(run);
      for (const { call, verdict } of verdictsOf(run, 'fault.not-injected')) {
        expect(verdict, context(run)).toMatchObject({ status: 'passed' });
        expect(call.journal.filter(isFault).map((e) => e.data), context(run)).toEqual([
          { type: 'http_error', status: 429, request: 1 },
          { type: 'http_error', status: 429, request: 2 },
        ]);
        const answered = run.verdicts.get(call.callSid)?.filter((v) => v.id === 'turn.answered' || v.id === 'turn.complete');
        expect(answered?.map((v) => v.status), context(run)).toEqual(['passed', 'passed']);
      }
    });

    it('the planted leak is caught: upstream.closed-after-hangup fails on every call, naming its listen socket', async () => {
      const run = await runs.transcodingLeak();
      for (const { call, verdict } of verdictsOf(run, 'upstream.closed-after-hangup')) expectLeakNamed(run, call, verdict, 'deepgram.listen');
    });
  });
});

describe('realtime: realtime-raw.mjs and realtime_agent.py are measured as the reference agent in --agent-mode realtime is', { timeout: TIMEOUT }, () => {
  it('the reference agent as a process, with its header: every connection tied by it, one stage sample per reply', async () => {
    const run = await runs.referenceRealtime();
    expectSoundReference(run, REALTIME_STAGES);
    // The scenario's barge-in is truncated, and the truncate judged.
    expect(digest(run, REALTIME_STAGES).statuses['realtime.truncate-accepted'], context(run)).toBe('passed');
    expect(digest(run, REALTIME_STAGES).metricCounts['bargein.truncate_error_ms'], context(run)).toBe(CALLS);
  });

  it('the reference agent without its header (--no-call-header): tied by audio mark, the same sets and counts', async () => {
    const [bare, baseline] = await Promise.all([runs.referenceRealtimeBare(), runs.referenceRealtime()]);
    expectMeasuredAlike(bare, baseline, REALTIME_STAGES);
    expect(tiedBy(bare)).toEqual({ header: 0, audio: CALLS, text: 0, content: 0 });
  });

  it('realtime-raw.mjs (raw socket, <Say> greeting, no header): tied by audio mark, the same sets and counts, truncate-accepted passed', async () => {
    const [raw, baseline] = await Promise.all([runs.realtimeRaw(), runs.referenceRealtime()]);
    expectMeasuredAlike(raw, baseline, REALTIME_STAGES);
    expect(tiedBy(raw)).toEqual({ header: 0, audio: CALLS, text: 0, content: 0 });
    for (const call of raw.calls) expect(call.samples['bargein.truncate_error_ms'] ?? [], `${bargeInEvidence(call)}; ${context(raw)}`).toHaveLength(1);
  });

  it.skipIf(skipPython)('realtime_agent.py (Python asyncio, no header): tied by audio mark, the same sets and counts, truncate-accepted passed', async () => {
    if (missing !== undefined) throw new Error(`${missing}: CI must provide python3-websockets for ${PYTHON} (${INSTALL}; .ci/run does it when apt-get is there)`);
    const [python, baseline] = await Promise.all([runs.python(), runs.referenceRealtime()]);
    expectMeasuredAlike(python, baseline, REALTIME_STAGES);
    expect(tiedBy(python)).toEqual({ header: 0, audio: CALLS, text: 0, content: 0 });
    for (const call of python.calls) expect(call.samples['bargein.truncate_error_ms'] ?? [], `${bargeInEvidence(call)}; ${context(python)}`).toHaveLength(1);
  });

  describe('realtime-raw.mjs with its Realtime socket leaked at hang-up, on question and realtime-drop', () => {
    it('realtime-drop: the close fires on the untagged socket; the agent hangs up on the caller without a word (the call fails at its next step, turn.complete fails)', async () => {
      const run = await runs.realtimeLeakDrop();
      expectAllTied(run);
      const drops = run.calls.filter((c) => c.scenario === 'realtime-drop-short');
      expect(drops, context(run)).toHaveLength(2);
      for (const call of drops) {
        const verdicts = run.verdicts.get(call.callSid) ?? [];
        expect(verdicts.find((v) => v.id === 'fault.not-injected'), context(run)).toMatchObject({ status: 'passed' });
        const fault = call.journal.find(isFault);
        // realtime-raw greets with <Say>, not a response: its 2nd response is the reply to the 2nd question.
        expect(fault?.data, context(run)).toEqual({ type: 'close', code: 1011, response: 2 });
        // The agent ends the call when its upstream drops (test/agents/README.md): the caller's next wait sees the stream closed.
        expect(call.state === 'failed' ? call.error : call.state, context(run)).toMatch(/^step 5 \(wait_for_agent\): the agent closed the media stream \(code 1000\)/);
        const closed = call.timeline.find((e) => e.kind === 'closed');
        expect(closed, context(run)).toMatchObject({ by: 'agent', code: 1000 });
        expect((closed?.t ?? 0) > (fault?.t ?? Infinity), context(run)).toBe(true);
        // The agent hangs up right after the drop, saying nothing: the reply it cut off is judged on
        // what played until its close (whatever was still queued), and fails: no resumption, no apology.
        const complete = verdicts.find((v) => v.id === 'turn.complete');
        expect(complete?.status, context(run)).toBe('failed');
        expect(complete?.evidence, context(run)).toEqual([
          expect.stringMatching(/^reply to 'weather' \(caller done at [\d.]+ s\): the caller heard [\d.]+ s of a [\d.]+ s reply: it stopped at [\d.]+ s, and the agent said nothing more until it closed the call at [\d.]+ s/),
        ]);
        // The mock closed the socket: nothing of this call was left open to leak.
        expect(verdicts.find((v) => v.id === 'upstream.closed-after-hangup'), context(run)).toMatchObject({ status: 'passed' });
      }
    });

    it('question: the planted leak is caught, upstream.closed-after-hangup fails naming the Realtime socket', async () => {
      const run = await runs.realtimeLeakDrop();
      const questions = verdictsOf(run, 'upstream.closed-after-hangup', 'question-short');
      expect(questions, context(run)).toHaveLength(2);
      for (const { call, verdict } of questions) {
        expect(call.state, context(run)).toBe('completed');
        expectLeakNamed(run, call, verdict, 'openai.realtime');
      }
    });
  });
});
