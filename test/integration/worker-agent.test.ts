/**
 * The reference agent in its worker thread (the default target of `callbench run`): a call to it
 * (test/integration/scenarios/question-short: a short question and answer) completes, its log events reach the harness (onLog and the self-reports, whose times pair with
 * the harness's measurements only because both threads read one clock), and stop() leaves nothing
 * listening. A start given up by the run's signal leaves no thread behind; the shared clock reads
 * in the worker what it reads here (causality both ways across a message round trip).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentLogEvent } from '../../agent/index.ts';
import { eventsOf } from '../../harness/caller/timeline.ts';
import { createSystemClock, measureSystemClockOffset } from '../../harness/clock.ts';
import { utteranceEnds } from '../../harness/mocks/journal/queries.ts';
import { PROFILES } from '../../harness/mocks/profiles.ts';
import { startMocks, type Mocks } from '../../harness/mocks/start-mocks.ts';
import { foldRun } from '../../harness/report/fold.ts';
import type { CallRecord } from '../../harness/runner/events.ts';
import { startModuleWorker } from '../../harness/runner/module-worker.ts';
import { startRun } from '../../harness/runner/start-run.ts';
import { probeTcp } from '../../harness/runner/tcp-probe.ts';
import { createWorkerAgentTarget } from '../../harness/runner/worker-agent.ts';
import { plannedTestScenario } from './helpers/test-scenarios.ts';

const clock = createSystemClock();
const mocksToClose: Mocks[] = [];
afterAll(async () => {
  for (const mocks of mocksToClose) await mocks.close();
});

/** What the pairing had to go on, for a failure's message: the utterance ends the mocks sent, the reply's first media, and what the agent logged. */
function selfReportEvidence(calls: readonly CallRecord[], logs: readonly AgentLogEvent[]): string {
  return calls
    .map((call) => {
      const at = (t: number): number => Math.round(t - call.startedAt);
      const ends = utteranceEnds(call.journal).map((e) => `${e.kind} ${at(e.t)}`);
      const media = eventsOf(call.timeline, 'agent_media').map((m) => at(m.t));
      const agent = logs.filter((e) => e.type === 'stt.final' || e.type === 'twilio.first_media').map((e) => `${e.type} ${'t' in e && typeof e.t === 'number' ? at(e.t) : '?'}`);
      return `${call.callSid}: utterance ends ${ends.join(', ') || 'none'}; agent media received ${media.length} chunks, first at ${media.slice(0, 3).join(', ')}…; samples ${JSON.stringify(call.samples)}; agent logged ${agent.join(', ') || 'nothing'}`;
    })
    .join('\n');
}

const instant = PROFILES['instant'];
if (instant === undefined) throw new Error('no instant profile');

describe('the reference agent in a worker thread', { timeout: 60_000 }, () => {
  it('answers a call; its log events and self-reports reach the harness on the one clock', async () => {
    const logs: AgentLogEvent[] = [];
    const agent = createWorkerAgentTarget({ greeting: 'Hello, how can I help?', onLog: (event) => logs.push(event) });
    expect(agent.describe()).toMatch(/^reference agent \(worker thread; text=/);
    const run = startRun({ scenarios: [await plannedTestScenario('question-short')], load: { model: 'closed', calls: 1, concurrency: 1 }, profile: instant, seed: 3, agent, authToken: 'worker-agent-token' }, { clock });
    const calls: CallRecord[] = [];
    run.subscribe((event) => {
      if (event.type === 'call-ended') calls.push(event.call);
    });
    const { result, outcome } = await foldRun(run);
    expect(result.state).toBe('completed');
    expect(outcome.scenarios[0]).toMatchObject({ calls: 1, failedCalls: 0 });
    expect(outcome.samples['turn.response_ms'].length).toBeGreaterThan(0);
    expect(logs.map((e) => e.type)).toEqual(expect.arrayContaining(['agent.listening', 'stt.final', 'twilio.first_media', 'agent.closed']));
    // The agent's own timings were paired with the harness's (within its pairing window): they read one clock.
    expect(outcome.samples['agent.self_report_error_ms'].length, selfReportEvidence(calls, logs)).toBeGreaterThan(0);
    // Stopped: nothing listens where the agent did.
    const listening = logs.find((e) => e.type === 'agent.listening');
    const url = listening !== undefined && 'url' in listening ? new URL(String(listening.url)) : undefined;
    expect(url).toBeDefined();
    expect((await probeTcp(url as URL, 1000)).ok).toBe(false);
  });

  it('a start given up by its signal terminates the thread and rejects', async () => {
    const mocks = await startMocks({ clock, profile: instant, seed: 1 });
    mocksToClose.push(mocks);
    const stop = new AbortController();
    const logs: AgentLogEvent[] = [];
    const starting = createWorkerAgentTarget({ onLog: (event) => logs.push(event) }).start({ ...mocks.env, TWILIO_AUTH_TOKEN: 't' }, { signal: stop.signal });
    stop.abort('SIGINT');
    await expect(starting).rejects.toBeDefined();
  });

  it("a worker given this thread's clock offset reads this thread's clock", async () => {
    const offset = measureSystemClockOffset();
    const worker = startModuleWorker(new URL('./helpers/clock-echo.ts', import.meta.url).href, 'clock-echo', { workerData: { offset: offset.offsetMs } });
    try {
      const sentAt = clock.now();
      const reply = await new Promise<{ readAt: number; uncertaintyMs: number }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage('read');
      });
      const receivedAt = clock.now();
      // Whatever the threads' loads, the worker read its clock after this thread sent and before it
      // received, to within the two offsets' measured uncertainties (a preempted measurement widens them).
      const slack = offset.uncertaintyMs + reply.uncertaintyMs;
      expect(reply.readAt).toBeGreaterThanOrEqual(sentAt - slack);
      expect(reply.readAt).toBeLessThanOrEqual(receivedAt + slack);
    } finally {
      await worker.terminate();
    }
  });
});
