/**
 * One real call end to end: the fake Twilio caller, the reference agent and the mocks, all on
 * real sockets. The greeting and the answer must arrive as audible audio, no sooner than the
 * delays the mocks model and well under a generous ceiling.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../harness/clock.ts';
import { eventsOf } from '../../harness/caller/timeline.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import { speechDurationMs } from '../../harness/audio/index.ts';
import { startMocks, type Mocks } from '../../harness/mocks/start-mocks.ts';
import { createReferenceAgentTarget } from '../../harness/runner/reference-agent.ts';
import type { RunningAgent } from '../../harness/runner/agent-target.ts';
import { runScenarioCall } from '../../harness/runner/run-scenario-call.ts';
import { loadFixture, loadScenario } from '../../harness/scenario/load.ts';
import { FIXTURES, loadTestScenario } from './helpers/test-scenarios.ts';
import { fixedProfile } from './helpers/mock-context.ts';
import { facts } from './helpers/journal.ts';
import { watchLoopStalls } from './helpers/loop-stalls.ts';
// Upper bounds on wall-clock latencies add the worst event-loop stall seen (helpers/loop-stalls.ts).
const stalls = watchLoopStalls();

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DELAYS = {
  'stt.result_lag_ms': 40,
  'stt.endpointing_ms': 60,
  'llm.first_token_ms': 250,
  'llm.token_gap_ms': 5,
  'tts.first_byte_ms': 150,
} as const;
/** The agent asks Deepgram for endpointing=300: the final needs that much silence after the speech. */
const AGENT_ENDPOINTING_MS = 300;
/** A one-sentence greeting: the call waits for all of it to play before the question. */
const GREETING = 'Hello, how can I help?';
/** Generous: a shared, noisy machine may add this much on top of the modeled delays. */
const CEILING_MS = 1500;

describe('a call through caller, reference agent and mocks', () => {
  const clock = createSystemClock();
  let mocks: Mocks;
  let agent: RunningAgent;
  const authToken = 'e2e-auth-token';

  beforeAll(async () => {
    mocks = await startMocks({ clock, profile: fixedProfile(DELAYS, 20), seed: 7 });
    agent = await createReferenceAgentTarget({ clock, greeting: GREETING }).start({ ...mocks.env, TWILIO_AUTH_TOKEN: authToken });
  });
  afterAll(async () => {
    await agent?.stop();
    await mocks?.close();
  });

  it('greets, hears the question, answers it audibly, within the modeled delays', async () => {
    // The shipped `question` made short: one short question ('ok'), a one-sentence answer heard in full.
    const scenario = await loadTestScenario('question-short');
    const step = scenario.steps.find((s) => s.type === 'say');
    if (step?.type !== 'say') throw new Error('question-short has no say step');
    const question = await loadFixture(FIXTURES, step.fixture);
    const outcome = await runScenarioCall({
      clock,
      scenario,
      fixtures: new Map([[step.fixture, question]]),
      webhookUrl: agent.webhookUrl,
      authToken,
      script: mocks.script,
    });
    expect(outcome.error).toBeUndefined();
    const events = outcome.result?.timeline.events ?? [];
    expect(eventsOf(events, 'protocol_error')).toEqual([]);

    const metrics = computeCallMetrics(events);
    expect(metrics.unansweredTurns).toBe(0);
    const greeting = metrics.samples['greeting.first_audio_ms']?.[0];
    const response = metrics.samples['turn.response_ms']?.[0];
    expect(greeting).toBeDefined();
    expect(response).toBeDefined();

    // Greeting: at least the TTS first-byte delay after `start`.
    expect(greeting).toBeGreaterThanOrEqual(DELAYS['tts.first_byte_ms']);
    expect(greeting).toBeLessThan(DELAYS['tts.first_byte_ms'] + CEILING_MS + stalls.maxMs());

    // Reply: endpointing silence, STT lag and processing, LLM first token, TTS first byte, at least.
    const floor = AGENT_ENDPOINTING_MS - 20 + DELAYS['stt.result_lag_ms'] + DELAYS['stt.endpointing_ms'] + DELAYS['llm.first_token_ms'] + DELAYS['tts.first_byte_ms'];
    expect(response).toBeGreaterThanOrEqual(floor);
    expect(response).toBeLessThan(floor + CEILING_MS + stalls.maxMs());

    // The LLM was asked the caller's words, and its scripted answer was heard in full.
    const reply = step.reply ?? '';
    const request = mocks.journal.entries().find((e) => e.service === 'openai.chat' && e.kind === 'request');
    expect(facts(request)['lastUserText']).toBe(question.text);
    const utterance = eventsOf(events, 'utterance')[0];
    const replyAudio = eventsOf(events, 'agent_media').filter((m) => utterance !== undefined && m.t > utterance.lastVoicedAt);
    const replyMs = replyAudio.reduce((sum, m) => sum + m.bytes / 8, 0);
    expect(replyMs).toBeGreaterThanOrEqual(speechDurationMs(reply) * 0.95);

    // Every upstream connection was tied to this call by the x-callbench-call header.
    const services = new Set(mocks.journal.entries().filter((e) => e.call === outcome.result?.callSid).map((e) => e.service));
    expect([...services].sort()).toEqual(['deepgram.listen', 'deepgram.speak.ws', 'openai.chat']);
  });

  it('hang-up tears down: every upstream socket of the call is closed at the mocks soon after stop', async () => {
    const scenario = await loadScenario(path.join(ROOT, 'scenarios', 'greeting.json'));
    const outcome = await runScenarioCall({ clock, scenario, fixtures: new Map(), webhookUrl: agent.webhookUrl, authToken, script: mocks.script });
    expect(outcome.error).toBeUndefined();
    const callSid = outcome.result?.callSid;
    await clock.sleep(1500);
    const entries = mocks.journal.entries().filter((e) => e.call === callSid && e.service !== 'openai.chat');
    const opened = new Set(entries.filter((e) => e.kind === 'open').map((e) => e.connection));
    const closed = new Set(entries.filter((e) => e.kind === 'close').map((e) => e.connection));
    expect(opened.size).toBeGreaterThanOrEqual(2);
    expect([...opened].filter((connection) => !closed.has(connection))).toEqual([]);
    // Closed by the agent's CloseStream / Close, not by a timeout.
    const received = new Set(entries.filter((e) => e.direction === 'received').map((e) => e.kind));
    expect(received.has('CloseStream') || received.has('Close')).toBe(true);
  });
});
