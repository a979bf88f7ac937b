/**
 * An agent that greets only with TwiML, as three of four public agents do: its webhook answers
 * `<Say>…</Say><Connect><Stream/></Connect>`, it says nothing over the stream until the caller
 * has spoken, then answers once. The shipped `question` scenario must pass through
 * runScenarioCall, its first wait ending on the Say, and the greeting sample must come from TwiML.
 * Real sockets and the system clock; the assertions are about order and content, not latency.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMulaw, levelDb, speechDurationMs, synthesizeMulaw } from '../../harness/audio/index.ts';
import { eventsOf } from '../../harness/caller/timeline.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import { runScenarioCall } from '../../harness/runner/run-scenario-call.ts';
import { loadFixture, loadScenario } from '../../harness/scenario/load.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SAY = 'Hello, Acme here.';
const ANSWER = 'Nine to five.';
/** Caller frames this quiet after speech end the caller's turn (the VAD's -40 dB threshold). */
const END_OF_TURN_MS = 600;

interface TwimlAgent {
  webhookUrl: string;
  /** Media messages the agent sent over the stream. */
  sent: number;
  close(): Promise<void>;
}

async function startTwimlAgent(): Promise<TwimlAgent> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const wss = new WebSocketServer({ noServer: true });
  const agent: TwimlAgent = {
    webhookUrl: `http://127.0.0.1:${port}/incoming-call`,
    sent: 0,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('request', (req, res) => {
    req.resume();
    req.on('end', () =>
      res
        .writeHead(200, { 'content-type': 'text/xml' })
        .end(`<?xml version="1.0" encoding="UTF-8"?><Response><Say>${SAY}</Say><Connect><Stream url="wss://127.0.0.1:${port}/media"/></Connect></Response>`),
    );
  });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      let streamSid = '';
      let heardSpeech = false;
      let quietMs = 0;
      let answered = false;
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { event: string; streamSid?: string; media?: { payload: string } };
        if (message.event === 'start') streamSid = message.streamSid ?? '';
        if (message.event !== 'media' || message.media === undefined || answered) return;
        const voiced = levelDb(decodeMulaw(Buffer.from(message.media.payload, 'base64'))) >= -40;
        if (voiced) {
          heardSpeech = true;
          quietMs = 0;
          return;
        }
        if (!heardSpeech) return;
        quietMs += 20;
        if (quietMs < END_OF_TURN_MS) return;
        answered = true;
        agent.sent++;
        ws.send(JSON.stringify({ event: 'media', streamSid, media: { payload: Buffer.from(synthesizeMulaw(ANSWER)).toString('base64') } }));
      });
    });
  });
  return agent;
}

describe('an agent that greets with TwiML <Say> only', () => {
  const clock = createSystemClock();
  let agent: TwimlAgent;

  beforeAll(async () => {
    agent = await startTwimlAgent();
  });
  afterAll(async () => {
    await agent?.close();
  });

  it('passes the shipped question scenario, with the greeting sample from TwiML', async () => {
    const scenario = await loadScenario(path.join(ROOT, 'scenarios', 'question.json'));
    const hours = await loadFixture(path.join(ROOT, 'fixtures', 'utterances'), 'hours');
    const outcome = await runScenarioCall({
      clock,
      scenario,
      fixtures: new Map([['hours', hours]]),
      webhookUrl: agent.webhookUrl,
      authToken: 'twiml-greeting-token',
      script: undefined,
    });
    expect(outcome.error).toBeUndefined();
    const events = outcome.result?.timeline.events ?? [];
    expect(eventsOf(events, 'protocol_error')).toEqual([]);

    // The Say played before the stream opened, and the first wait ended on it: quietMs after it.
    const [say] = eventsOf(events, 'twiml_say');
    const [open] = eventsOf(events, 'socket_open');
    const [question] = eventsOf(events, 'utterance');
    if (say === undefined || open === undefined || question === undefined) throw new Error('missing twiml_say, socket_open or utterance');
    expect(say).toMatchObject({ text: SAY, loop: 1 });
    expect(say.playEnd - say.playStart).toBe(speechDurationMs(SAY));
    expect(open.t).toBeGreaterThanOrEqual(say.playEnd);
    const firstWait = scenario.steps[0];
    expect(firstWait?.type).toBe('wait_for_agent');
    expect(question.t).toBeGreaterThanOrEqual(say.playEnd + (firstWait?.type === 'wait_for_agent' ? firstWait.quietMs : 0) - 0.01);
    // Nothing came over the stream before the answer.
    expect(agent.sent).toBe(1);
    expect(eventsOf(events, 'agent_media').every((m) => m.t > question.lastVoicedAt)).toBe(true);

    const metrics = computeCallMetrics(events);
    const [webhook] = eventsOf(events, 'webhook');
    expect(metrics.greetingSource).toBe('twiml');
    expect(metrics.samples['greeting.first_audio_ms']).toEqual([(say.audibleFrom ?? NaN) - (webhook?.sentAt ?? NaN)]);
    expect(metrics.unansweredTurns).toBe(0);
    expect(metrics.samples['turn.response_ms']).toHaveLength(1);
  });
});
