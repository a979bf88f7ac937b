/**
 * "Nothing it meets brings it down": the reference agent (in-process, on the mocks with the
 * `instant` profile, validating Twilio signatures) takes thousands of malformed Twilio frames on
 * other media-stream connections while one real call, the `question` scenario, plays beside them.
 * The traffic comes from a seeded generator (helpers/twilio-fuzz.ts): invalid JSON, unknown
 * events, wrong types, huge fields, a wrong streamSid, binary frames, media before start, start
 * twice, stop for another stream, empty payloads, text frames of random bytes, frames cut off
 * mid-way on a raw socket, and connections that end cleanly, abruptly or with a stop.
 *
 * Asserted: the real call passes its checks (the teardown check included); the agent's own code
 * never threw on any of it (no `internal` error: such a call would be hung up 1011); every call
 * the fuzz started ended; the agent still answers a fresh call afterwards; and at the mocks every
 * upstream socket that was opened was closed (journal opens against closes, per connection,
 * after a bounded wait on journal events rather than a sleep).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { AgentLogEvent } from '../../agent/index.ts';
import { streamSignature } from '../../harness/caller/webhook.ts';
import { createSystemClock } from '../../harness/clock.ts';
import type { JournalEntry } from '../../harness/mocks/journal/entries.ts';
import { isLlmRequest, isSocketClose, isSocketOpen } from '../../harness/mocks/journal/queries.ts';
import { startMocks, type Mocks } from '../../harness/mocks/start-mocks.ts';
import { createRng } from '../../harness/random.ts';
import { buildCallRecord } from '../../harness/runner/call-record.ts';
import type { CallRecord } from '../../harness/runner/events.ts';
import { createReferenceAgentTarget } from '../../harness/runner/reference-agent.ts';
import type { RunningAgent } from '../../harness/runner/agent-target.ts';
import { runScenarioCall } from '../../harness/runner/run-scenario-call.ts';
import { decideTeardowns, pendingTeardown } from '../../harness/runner/teardowns.ts';
import { loadFixture, loadScenario } from '../../harness/scenario/load.ts';
import { clientFrame, planConnection, rawUpgrade, stopFrame, type ConnectionPlan, type FrameKind } from './helpers/twilio-fuzz.ts';
import { instantProfile } from './helpers/mock-context.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const AUTH_TOKEN = 'fuzz-auth-token';
const SEED = 20_251_201;
const CONNECTIONS = 90;
const CONCURRENCY = 8;
/** Bounds on waits for events that must come: a failure, never a pace. */
const CLOSE_BOUND_MS = 15_000;
const SETTLE_BOUND_MS = 20_000;

const clock = createSystemClock();
let mocks: Mocks;
let agent: RunningAgent;
const log: AgentLogEvent[] = [];
const logWaiters = new Set<() => void>();

beforeAll(async () => {
  mocks = await startMocks({ clock, profile: instantProfile(), seed: 1 });
  agent = await createReferenceAgentTarget({
    clock,
    onLog: (event) => {
      log.push(event);
      for (const wake of logWaiters) wake();
    },
  }).start({ ...mocks.env, TWILIO_AUTH_TOKEN: AUTH_TOKEN });
});
afterAll(async () => {
  await agent?.stop();
  await mocks?.close();
});

/** Resolves once `done()` holds, re-checked on every event `subscribe` reports; rejects with `what` after `boundMs`. */
function until(done: () => boolean, subscribe: (wake: () => void) => () => void, boundMs: number, what: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    let unsubscribe = (): void => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`not within ${boundMs} ms: ${what()}`));
    }, boundMs);
    const check = (): void => {
      if (!done()) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    unsubscribe = subscribe(check);
    check();
  });
}
const onLog = (wake: () => void): (() => void) => {
  logWaiters.add(wake);
  return () => logWaiters.delete(wake);
};
const onJournal = (wake: () => void): (() => void) => mocks.journal.subscribe(() => wake());

/** Resolves with the close code `onClose` reports, or rejects after the bound. */
function closeOf(onClose: (fn: (code?: number) => void) => void, boundMs: number, what: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not close within ${boundMs} ms`)), boundMs);
    onClose((code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

interface FuzzStats {
  connections: number;
  rawConnections: number;
  messages: number;
  byKind: Partial<Record<FrameKind, number>>;
  /** How the agent closed the ws connections it closed (code → count), 'client' for those we ended first. */
  closes: Record<string, number>;
  callSids: Set<string>;
}

async function playWs(plan: ConnectionPlan, host: string, signature: string, stats: FuzzStats): Promise<void> {
  const ws = new WebSocket(`ws://${host}/media-stream`, { headers: { 'x-twilio-signature': signature } });
  // Once the agent has closed the socket, a send fails through its callback: that is expected here.
  ws.on('error', () => undefined);
  const closed = closeOf((fn) => ws.once('close', (code) => fn(code)), CLOSE_BOUND_MS, `connection ${plan.index}`);
  await new Promise<void>((resolve) => {
    ws.once('open', () => resolve());
    ws.once('close', () => resolve());
  });
  let clientEnded = false;
  for (const frame of plan.frames) {
    if (ws.readyState !== WebSocket.OPEN) break;
    ws.send(frame.data, { binary: frame.binary }, () => undefined);
    stats.messages++;
    stats.byKind[frame.kind] = (stats.byKind[frame.kind] ?? 0) + 1;
    if (frame.kind === 'start') stats.callSids.add(plan.callSid);
  }
  if (ws.readyState === WebSocket.OPEN) {
    clientEnded = plan.end !== 'stop';
    if (plan.end === 'stop') {
      ws.send(stopFrame(plan), () => undefined);
      stats.messages++;
    } else if (plan.end === 'terminate') ws.terminate();
    else ws.close(1000);
  }
  const code = await closed;
  const key = clientEnded ? 'client' : String(code);
  stats.closes[key] = (stats.closes[key] ?? 0) + 1;
}

async function playRaw(plan: ConnectionPlan, port: number, signature: string, stats: FuzzStats, cut: number): Promise<void> {
  const socket = await rawUpgrade(port, '/media-stream', { 'x-twilio-signature': signature });
  socket.on('error', () => undefined);
  const closed = closeOf((fn) => socket.once('close', () => fn()), CLOSE_BOUND_MS, `raw connection ${plan.index}`);
  for (const frame of plan.frames) {
    if (socket.destroyed) break;
    const data = typeof frame.data === 'string' ? Buffer.from(frame.data) : frame.data;
    socket.write(clientFrame(data, frame.binary ? 2 : 1));
    stats.messages++;
    stats.byKind[frame.kind] = (stats.byKind[frame.kind] ?? 0) + 1;
    if (frame.kind === 'start') stats.callSids.add(plan.callSid);
  }
  // A frame that stops part-way: its header promises more than ever arrives, then the TCP stream ends.
  const last = clientFrame(Buffer.from(stopFrame(plan)), 1);
  socket.end(last.subarray(0, Math.max(1, Math.floor(last.length * cut))));
  stats.messages++;
  await closed;
  stats.closes['client'] = (stats.closes['client'] ?? 0) + 1;
}

/**
 * Plays every planned connection, CONCURRENCY at a time: the first half at once (beside the real
 * call's greeting and question), the second once `secondHalf` resolves (beside its reply).
 */
async function fuzz(stats: FuzzStats, secondHalf: Promise<void>): Promise<void> {
  const url = new URL(agent.webhookUrl);
  const signature = streamSignature(AUTH_TOKEN, `wss://${url.host}/media-stream`);
  const rng = createRng(SEED);
  const plans = Array.from({ length: CONNECTIONS }, (_, i) => ({ plan: planConnection(rng, i, 15 + Math.floor(rng() * 50)), cut: rng() }));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < plans.length) {
      if (next === plans.length / 2) await secondHalf;
      const item = plans[next++];
      if (item === undefined) return;
      stats.connections++;
      if (item.plan.end === 'truncated') {
        stats.rawConnections++;
        await playRaw(item.plan, Number(url.port), signature, stats, item.cut);
      } else await playWs(item.plan, url.host, signature, stats);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const callSidOf = (name: string): string => `CA${Buffer.from(name.padEnd(16, '-').slice(0, 16)).toString('hex')}`;

/** One call of a shipped scenario through the fake caller, its record, and (after its grace period, if asked) its teardown verdict. */
async function scenarioCall(name: string, fixtures: readonly string[], judgeTeardown = true): Promise<CallRecord> {
  const scenario = await loadScenario(path.join(ROOT, 'scenarios', `${name}.json`));
  const loaded = new Map(await Promise.all(fixtures.map(async (f) => [f, await loadFixture(path.join(ROOT, 'fixtures', 'utterances'), f)] as const)));
  const startedAt = clock.now();
  const callSid = callSidOf(name);
  const outcome = await runScenarioCall({
    clock,
    scenario,
    fixtures: loaded,
    webhookUrl: agent.webhookUrl,
    authToken: AUTH_TOKEN,
    script: mocks.script,
    faults: mocks.faults,
    journal: mocks.journal,
    calls: mocks.calls,
    callSid,
  });
  const record = buildCallRecord({
    ref: { scenarioIndex: 0, scenario: name, index: 0, warmup: false },
    callSid,
    startedAt,
    endedAt: clock.now(),
    outcome,
    stoppedBy: undefined,
    journal: mocks.journal.entries(),
    selfReports: agent.selfReports?.(callSid) ?? [],
    lagMs: undefined,
    faults: [],
    mocks: true,
  });
  const pending = judgeTeardown ? pendingTeardown(record) : undefined;
  const teardown = pending === undefined ? [] : await decideTeardowns(clock, [pending], mocks.journal, new AbortController().signal);
  return { ...record, verdicts: [...record.verdicts, ...teardown.map((t) => t.verdict)] };
}

function failures(record: CallRecord): string[] {
  const state = record.state === 'failed' ? [`call failed: ${record.error}`] : [];
  return [...state, ...record.verdicts.filter((v) => v.status === 'failed').map((v) => `${v.id}: ${v.evidence.join('; ')}`)];
}

/** Upstream sockets opened at the mocks and never closed, by connection. */
function openSockets(entries: readonly JournalEntry[]): string[] {
  const closed = new Set(entries.filter(isSocketClose).map((e) => e.connection));
  return entries.filter(isSocketOpen).filter((e) => !closed.has(e.connection)).map((e) => `${e.service} ${e.connection} (call ${e.call ?? 'untied'})`);
}

describe('the reference agent under malformed Twilio traffic', { timeout: 180_000 }, () => {
  it('keeps the real call beside it whole, never throws, closes every upstream socket and still answers a fresh call', async () => {
    const stats: FuzzStats = { connections: 0, rawConnections: 0, messages: 0, byKind: {}, closes: {}, callSids: new Set() };
    // The second half of the traffic starts once the real call's question has reached the mock LLM: its reply is under way.
    const questionAsked = until(() => mocks.journal.entries().some((e) => isLlmRequest(e) && e.call === callSidOf('question')), onJournal, SETTLE_BOUND_MS, () => 'the real call never asked its question');
    const [real] = await Promise.all([scenarioCall('question', ['hours']), fuzz(stats, questionAsked)]);

    expect(failures(real)).toEqual([]);
    expect(real.verdicts.find((v) => v.id === 'turn.answered')?.status).toBe('passed');
    expect(real.verdicts.find((v) => v.id === 'upstream.closed-after-hangup')?.status).toBe('passed');

    // Every call the fuzz got going has ended in the agent.
    const fuzzStarted = (): string[] => log.flatMap((e) => (e.type === 'call.start' && stats.callSids.has(e.callSid) ? [e.callSid] : []));
    const ended = (): Set<string> => new Set(log.flatMap((e) => (e.type === 'call.end' ? [e.callSid] : [])));
    await until(
      () => fuzzStarted().every((sid) => ended().has(sid)),
      onLog,
      SETTLE_BOUND_MS,
      () => `calls still live in the agent: ${fuzzStarted().filter((sid) => !ended().has(sid)).join(', ')}`,
    );
    // Every upstream socket the agent opened has closed at the mocks.
    const allClosed = (): Promise<void> =>
      until(() => openSockets(mocks.journal.entries()).length === 0, onJournal, SETTLE_BOUND_MS, () => `still open: ${openSockets(mocks.journal.entries()).join(', ')}`);
    await allClosed();
    const openedByFuzz = mocks.journal.entries().filter(isSocketOpen).length;

    const internal = log.filter((e) => e.type === 'error' && e.code === 'internal');
    expect(internal).toEqual([]);
    expect(log.filter((e) => e.type === 'agent.unhandled_error')).toEqual([]);

    // Still up: a fresh call is answered (its teardown is the real call's, already checked).
    const fresh = await scenarioCall('greeting', [], false);
    expect(failures(fresh)).toEqual([]);
    expect(fresh.greeting).toBe('stream');
    await allClosed();
    const warnings: Record<string, number> = {};
    for (const e of log) if (e.type === 'warning') warnings[e.code] = (warnings[e.code] ?? 0) + 1;
    // Bounded and seeded: the same traffic every run. The figures, for whoever reads the output.
    console.info(
      `agent fuzz (seed ${SEED}): ${stats.messages} messages on ${stats.connections} connections (${stats.rawConnections} raw, ending in a cut-off frame); ` +
        `${fuzzStarted().length} fuzz calls went live; closes ${JSON.stringify(stats.closes)}; frames ${JSON.stringify(stats.byKind)}; ` +
        `agent warnings ${JSON.stringify(warnings)}; internal errors ${internal.length}; upstream sockets opened ${openedByFuzz} (the real call's among them), left open 0`,
    );
    expect(stats.messages).toBeGreaterThan(2000);
    expect(fuzzStarted().length).toBeGreaterThan(20);
  });
});
