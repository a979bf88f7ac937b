/**
 * `callHeader: false`: the reference agent sends no `x-callbench-call` on any upstream connection
 * or request (Deepgram listen and speak, OpenAI chat, OpenAI Realtime), and a call still works:
 * the mocks recognise the caller by content. One short call per mode, instant-ish profile, each
 * on mocks of its own (the journal each reads is its call's alone), the two side by side.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAgent, type AgentMode } from '../../agent/index.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import { startMocks, type Mocks } from '../../harness/mocks/start-mocks.ts';
import { runScenarioCall } from '../../harness/runner/run-scenario-call.ts';
import { loadFixture } from '../../harness/scenario/load.ts';
import { fixedProfile } from './helpers/mock-context.ts';
import { answerScenario, GREETING } from './helpers/reply-call.ts';

const FIXTURES = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'utterances');
const AUTH_TOKEN = 'call-header-auth-token';
const clock = createSystemClock();
const started: Mocks[] = [];
afterAll(async () => {
  for (const mocks of started) await mocks.close();
});

/** One answered call with the header off; every journal entry recorded meanwhile, with its call as recorded. */
async function callWithoutHeader(mode: AgentMode) {
  const mocks = await startMocks({ clock, profile: fixedProfile({ 'llm.first_token_ms': 20, 'tts.first_byte_ms': 20, 'realtime.first_audio_ms': 20 }, 20), seed: 1 });
  started.push(mocks);
  const agent = createAgent({
    mode,
    deepgramApiUrl: mocks.env.DEEPGRAM_API_URL,
    deepgramApiKey: mocks.env.DEEPGRAM_API_KEY,
    openaiBaseUrl: mocks.env.OPENAI_BASE_URL,
    openaiApiKey: mocks.env.OPENAI_API_KEY,
    openaiRealtimeBaseUrl: mocks.env.OPENAI_REALTIME_BASE_URL,
    openaiCa: mocks.env.OPENAI_CA_CERT,
    twilioAuthToken: AUTH_TOKEN,
    greeting: GREETING,
    callHeader: false,
    clock,
  });
  // Copied at record time: attribution after the fact would fill `call` in later.
  const seen: Array<{ service: string; call: string | undefined }> = [];
  const unsubscribe = mocks.journal.subscribe((entry) => seen.push({ service: entry.service, call: entry.call }));
  try {
    const { url } = await agent.listen(0, '127.0.0.1');
    const fixtures = new Map([['ok', await loadFixture(FIXTURES, 'ok')]]);
    const outcome = await runScenarioCall({ clock, scenario: answerScenario(), fixtures, webhookUrl: `${url}/incoming-call`, authToken: AUTH_TOKEN, script: mocks.script });
    // Closed before the journal is read: what the agent closes on the way out is in it too.
    await agent.close();
    return { outcome, seen };
  } finally {
    unsubscribe();
    await agent.close();
  }
}

describe.concurrent('callHeader: false', () => {
  it('cascaded: no Deepgram or chat request carries the header, and the call is answered', async () => {
    const { outcome, seen } = await callWithoutHeader('cascaded');
    expect(outcome.error).toBeUndefined();
    expect(computeCallMetrics(outcome.result?.timeline.events ?? []).unansweredTurns).toBe(0);
    const services = new Set(seen.map((entry) => entry.service));
    for (const service of ['deepgram.listen', 'deepgram.speak.ws', 'openai.chat']) expect(services).toContain(service);
    expect(seen.filter((entry) => entry.call !== undefined)).toEqual([]);
  });

  it('realtime: the Realtime upgrade carries no header, and the call is answered', async () => {
    const { outcome, seen } = await callWithoutHeader('realtime');
    expect(outcome.error).toBeUndefined();
    expect(computeCallMetrics(outcome.result?.timeline.events ?? []).unansweredTurns).toBe(0);
    expect(seen.some((entry) => entry.service === 'openai.realtime')).toBe(true);
    expect(seen.filter((entry) => entry.call !== undefined)).toEqual([]);
  });
});
