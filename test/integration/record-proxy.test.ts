/**
 * `callbench record`'s proxies, end to end: callbench's caller calls the planted agent (correct,
 * cascaded) through the Twilio proxy, the agent's upstream goes through the upstream proxy to the
 * mocks. The call is judged as any other (the mocks cannot tell the proxy from the agent) and its
 * capture holds every side of it, with no key or token anywhere in it.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../harness/clock.ts';
import { DEFAULT_MOCK_KEY } from '../../harness/mocks/start-mocks.ts';
import type { Capture } from '../../harness/record/capture-format.ts';
import { recordCall } from './helpers/record-call.ts';
import type { AgentTarget } from '../../harness/runner/agent-target.ts';
import type { CallRecord } from '../../harness/runner/events.ts';
import { createProcessAgentTarget } from '../../harness/runner/process-agent.ts';
import { createReferenceAgentTarget } from '../../harness/runner/reference-agent.ts';
import { plannedTestScenario } from './helpers/test-scenarios.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const AUTH_TOKEN = 'record-proxy-test-auth-token';
const clock = createSystemClock();

let dir: string;
let capture: Capture;
let call: CallRecord | undefined;
let realtime: { capture: Capture; call: CallRecord | undefined };

/** One call of the test scenario `scenario` (test/integration/scenarios) through the proxies to `agent`, recorded into `out`. */
async function recordOnce(agent: AgentTarget, scenario: string, out: string): Promise<{ capture: Capture; call: CallRecord | undefined }> {
  return recordCall(agent, await plannedTestScenario(scenario), out, clock, AUTH_TOKEN);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'callbench-record-'));
  const [cascaded, rt] = await Promise.all([
    recordOnce(createProcessAgentTarget({ command: 'AGENT_MODE=cascaded node test/agents/planted.mjs', cwd: ROOT, clock }), 'question-hours-short', path.join(dir, 'capture')),
    // openai-node's OpenAIRealtimeWS dials wss://: the proxy's TLS twin, and on to the mocks' TLS twin.
    recordOnce(createReferenceAgentTarget({ mode: 'realtime', callHeader: false }), 'question-hours-short', path.join(dir, 'realtime')),
  ]);
  ({ capture, call } = cascaded);
  realtime = rt;
}, 90_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('callbench record: the capture proxies', () => {
  it('the call through the proxies is judged as any call: completed, every check that applies passes', () => {
    expect(call?.state, JSON.stringify(call?.verdicts.filter((v) => v.status === 'failed'))).toBe('completed');
    expect(call?.verdicts.filter((v) => v.status === 'failed')).toEqual([]);
    expect(call?.verdicts.find((v) => v.id === 'turn.answered')?.status).toBe('passed');
  });

  it('the capture holds the Twilio side: a signed webhook, the TwiML, start, caller and agent media, marks, the close', () => {
    const { twilio, manifest } = capture;
    expect(manifest.call.callSid).toBe(call?.callSid);
    const webhook = twilio.find((l) => l.kind === 'webhook');
    expect(webhook?.kind === 'webhook' && webhook.signature).toBe('valid');
    expect(twilio.some((l) => l.kind === 'webhook_answer' && l.body.includes('<Stream'))).toBe(true);
    expect(twilio.some((l) => l.kind === 'message' && l.event === 'start' && l.t === 0)).toBe(true);
    const callerMedia = twilio.filter((l) => l.kind === 'caller_media');
    expect(callerMedia.length).toBeGreaterThan(50);
    expect(capture.callerAudio.length).toBe(callerMedia.reduce((sum, l) => sum + l.bytes, 0));
    expect(twilio.some((l) => l.kind === 'agent_media')).toBe(true);
    expect(twilio.some((l) => l.kind === 'message' && l.from === 'agent' && l.event === 'mark')).toBe(true);
    expect(twilio.some((l) => l.kind === 'close')).toBe(true);
    // Times never go backwards.
    for (let i = 1; i < twilio.length; i++) expect(twilio[i]!.t).toBeGreaterThanOrEqual(twilio[i - 1]!.t);
    // What the caller heard: the greeting and the answer.
    expect(manifest.durations.agentAudioMs).toBeGreaterThan(1000);
  });

  it('the capture holds the upstream side: listen audio and results, the chat request and its SSE, speak text and audio', () => {
    const { upstream, manifest } = capture;
    expect(manifest.services).toEqual(expect.arrayContaining(['twilio', 'deepgram.listen', 'openai.chat', 'deepgram.speak.ws']));
    const listen = upstream.find((l) => l.kind === 'ws_open' && l.service === 'deepgram.listen');
    expect(listen).toBeDefined();
    const conn = listen?.conn;
    expect(upstream.some((l) => l.conn === conn && l.kind === 'binary' && l.from === 'agent')).toBe(true);
    expect(upstream.some((l) => l.conn === conn && l.kind === 'text' && l.from === 'upstream' && l.text.includes('"speech_final":true'))).toBe(true);
    expect(upstream.some((l) => l.kind === 'http_request' && l.service === 'openai.chat' && (l.body ?? '').includes('"stream":true'))).toBe(true);
    expect(upstream.some((l) => l.kind === 'http_chunk' && (l.text ?? '').includes('data: [DONE]'))).toBe(true);
    expect(upstream.some((l) => l.kind === 'text' && l.from === 'agent' && l.text.includes('"type":"Flush"'))).toBe(true);
    expect(upstream.some((l) => l.kind === 'binary' && l.from === 'upstream')).toBe(true);
  });

  it("the caller's script is in capture.json: each utterance's place in caller.wav and what it expected", () => {
    const utterances = capture.manifest.caller?.utterances ?? [];
    expect(utterances.map((u) => u.id)).toEqual(['hours']);
    expect(utterances[0]?.expect).toBe('reply');
    expect((utterances[0]?.startMs ?? -1) % 20).toBe(0);
  });

  it('no key or token is written anywhere in the capture', async () => {
    const files = await readdir(path.join(dir, 'capture'));
    for (const file of files) {
      const text = (await readFile(path.join(dir, 'capture', file))).toString('latin1');
      expect(text, file).not.toContain(DEFAULT_MOCK_KEY);
      expect(text, file).not.toContain(AUTH_TOKEN);
    }
    const listen = capture.upstream.find((l) => l.kind === 'ws_open' && l.service === 'deepgram.listen');
    expect(listen?.kind === 'ws_open' && listen.headers['authorization']).toBe('Token ***');
  });

  it('a Realtime agent over wss:// is recorded too: TLS on both sides of the proxy, the audio appended counted, not written', async () => {
    expect(realtime.call?.state).toBe('completed');
    expect(realtime.call?.verdicts.filter((v) => v.status === 'failed')).toEqual([]);
    const { upstream, manifest } = realtime.capture;
    expect(manifest.services).toContain('openai.realtime');
    const open = upstream.find((l) => l.kind === 'ws_open' && l.service === 'openai.realtime');
    expect(open?.kind === 'ws_open' && new URL(open.url).pathname).toBe('/v1/realtime');
    expect(upstream.some((l) => l.kind === 'text' && l.from === 'agent' && l.text.includes('input_audio_buffer.append') && (l.audioBytes ?? 0) > 0)).toBe(true);
    expect(upstream.some((l) => l.kind === 'text' && l.from === 'upstream' && l.text.includes('response.output_audio.delta') && (l.audioBytes ?? 0) > 0)).toBe(true);
    for (const file of await readdir(path.join(dir, 'realtime'))) {
      const text = (await readFile(path.join(dir, 'realtime', file))).toString('latin1');
      expect(text, file).not.toContain(DEFAULT_MOCK_KEY);
      expect(text, file).not.toContain(AUTH_TOKEN);
    }
  });
});
