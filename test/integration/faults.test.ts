/**
 * Faults injected by scenarios, against the reference agent: the mocks misbehave as the real
 * services do on a bad day, and the agent must neither crash nor leave the caller in dead air.
 * The calls play the shipped fault scenarios made short (test/integration/scenarios: the same
 * faults, short questions and answers); the two calls share the agent and mocks, each tied to its
 * own faults and journal entries by its CallSid, and play side by side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSystemClock } from '../../harness/clock.ts';
import { eventsOf } from '../../harness/caller/timeline.ts';
import type { Utterance } from '../../harness/caller/utterance.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import { entriesOfKind } from '../../harness/mocks/journal/queries.ts';
import { startMocks, type Mocks } from '../../harness/mocks/start-mocks.ts';
import { createReferenceAgentTarget } from '../../harness/runner/reference-agent.ts';
import type { RunningAgent } from '../../harness/runner/agent-target.ts';
import { runScenarioCall } from '../../harness/runner/run-scenario-call.ts';
import { loadFixture } from '../../harness/scenario/load.ts';
import { FIXTURES, loadTestScenario } from './helpers/test-scenarios.ts';
import { fixedProfile } from './helpers/mock-context.ts';
import { facts } from './helpers/journal.ts';

const AUTH = 'faults-auth-token';

describe('injected faults', () => {
  const clock = createSystemClock();
  let mocks: Mocks;
  let agent: RunningAgent;
  const fixtures = new Map<string, Utterance>();

  beforeAll(async () => {
    mocks = await startMocks({ clock, profile: fixedProfile({ 'llm.first_token_ms': 100, 'tts.first_byte_ms': 50 }, 20), seed: 3 });
    agent = await createReferenceAgentTarget({ clock }).start({ ...mocks.env, TWILIO_AUTH_TOKEN: AUTH });
    for (const name of ['ok', 'weather']) fixtures.set(name, await loadFixture(FIXTURES, name));
  });
  afterAll(async () => {
    await agent?.stop();
    await mocks?.close();
  });

  const play = async (name: string) => {
    const scenario = await loadTestScenario(name);
    return runScenarioCall({ clock, scenario, fixtures, webhookUrl: agent.webhookUrl, authToken: AUTH, script: mocks.script, faults: mocks.faults });
  };
  const journalOf = (callSid: string | undefined) => mocks.journal.entries().filter((e) => e.call === callSid);

  it.concurrent('a 429 from OpenAI (twice, with the SDK retry): the call survives and the caller hears something', async () => {
    const outcome = await play('llm-rate-limited-short');
    const callSid = outcome.result?.callSid;
    const faults = journalOf(callSid).filter((e) => e.kind === 'fault');
    expect(faults.map((e) => facts(e)['status'])).toEqual([429, 429]);
    const metrics = computeCallMetrics(outcome.result?.timeline.events ?? [], journalOf(callSid));
    expect(metrics.unansweredTurns).toBe(0);
    expect(outcome.error).toBeUndefined();
  });

  it.concurrent('the speak socket closing mid-reply: no dead air, and the next question is answered', async () => {
    const outcome = await play('upstream-drop-short');
    const callSid = outcome.result?.callSid;
    const faults = journalOf(callSid).filter((e) => e.kind === 'fault' && e.service === 'deepgram.speak.ws');
    expect(faults).toHaveLength(1);
    const events = outcome.result?.timeline.events ?? [];
    const closedByAgent = eventsOf(events, 'closed').some((c) => c.by === 'agent');
    const metrics = computeCallMetrics(events, journalOf(callSid));
    // Either the agent recovered and answered both questions, or it ended the call: never silence with the line open.
    if (!closedByAgent) {
      expect(outcome.error).toBeUndefined();
      expect(metrics.unansweredTurns).toBe(0);
    }
    expect(metrics.turns.length).toBeGreaterThan(0);
  });

  it('late audio after Clear, and control frames between audio frames, on the speak socket', async () => {
    mocks.faults.arm('CAprobe', [
      { type: 'late_audio', service: 'deepgram.speak', ms: 300 },
      { type: 'interleave_control', service: 'deepgram.speak' },
    ]);
    const ws = new WebSocket(`${mocks.env.DEEPGRAM_API_URL.replace('http', 'ws')}/v1/speak?encoding=mulaw&sample_rate=8000`, {
      headers: { authorization: `Token ${mocks.env.DEEPGRAM_API_KEY}`, 'x-callbench-call': 'CAprobe' },
    });
    const frames: Array<{ binary: boolean; type?: string }> = [];
    let clearedAt = -1;
    let clearSentAt = -1;
    await new Promise<void>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('open', () => {
        ws.send(JSON.stringify({ type: 'Speak', text: 'A sentence long enough to give several chunks of audio before it ends.' }));
        ws.send(JSON.stringify({ type: 'Flush' }));
      });
      ws.on('message', (data, binary) => {
        const type = binary ? undefined : (JSON.parse(data.toString()) as { type: string }).type;
        frames.push({ binary, ...(type === undefined ? {} : { type }) });
        if (binary && clearSentAt < 0) {
          clearSentAt = frames.length;
          ws.send(JSON.stringify({ type: 'Clear' }));
        }
        if (type === 'Cleared') {
          clearedAt = frames.length;
          resolve();
        }
      });
    });
    ws.close();
    mocks.faults.disarm('CAprobe');
    const afterClear = frames.slice(clearSentAt, clearedAt - 1);
    // 300 ms of late audio = three 100 ms chunks the mock sent once it had read the Clear, before
    // Cleared (its journal). The caller got them, after any audio the mock had sent before it read
    // the Clear (on a loaded machine, a chunk more was on its way when the Clear went out).
    const journal = journalOf('CAprobe');
    const clearReadAt = entriesOfKind(journal, 'deepgram.speak.ws', 'Clear')[0]?.t ?? Infinity;
    const sentAfterClear = entriesOfKind(journal, 'deepgram.speak.ws', 'audio').filter((e) => e.t >= clearReadAt);
    expect(sentAfterClear.map((e) => e.data.late)).toEqual([true, true, true]);
    expect(afterClear.filter((f) => f.binary).length).toBeGreaterThanOrEqual(3);
    // The first audio frame (after Metadata) is followed by a control frame.
    expect(frames[0]?.type).toBe('Metadata');
    expect(frames[1]?.binary).toBe(true);
    expect(frames[2]?.type).toBe('Warning');
  });
});
