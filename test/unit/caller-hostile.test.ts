/**
 * The fake Twilio as the hostile peer a conformance harness needs, against a small local agent
 * whose behaviour each test sets: `start` delayed after `connected` (what the agent sends before
 * it is recorded, not acted on), injected messages, hostile webhook parameters and their round
 * trip into `start.customParameters`, what the agent sends after `stop`, payloads that are no
 * audio, and placements that fail with their timeline. Real sockets, the system clock; the
 * assertions are about order and content, never latency.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import WebSocket, { WebSocketServer } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeMulaw } from '../../harness/audio/index.ts';
import { PlacementError, placeCall, type ActiveCall, type CallOptions } from '../../harness/caller/call.ts';
import { INJECT_KINDS } from '../../harness/caller/inject.ts';
import { eventsOf } from '../../harness/caller/timeline.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';

const TOKEN = 'caller-hostile-token';
const clock = createSystemClock();

type Received = { binary: true; data: Buffer } | { binary: false; text: string; json: Record<string, unknown> | undefined };

interface Peer {
  ws: WebSocket;
  received: Received[];
  /** The streamSid of the `start` received, once it is. */
  streamSid: string | undefined;
  closed: Promise<number>;
}

interface AgentBehaviour {
  /** The TwiML answered (default: a <Connect><Stream> to this agent). */
  twiml?: (params: Record<string, string>) => string;
  contentType?: string | null;
  status?: number;
  /** Refuse the upgrade with 404. */
  refuseUpgrade?: boolean;
  /** Runs once the socket is open, before anything has been received. */
  onOpen?: (peer: Peer) => void;
  /** Runs for each message received (after it is recorded). */
  onMessage?: (peer: Peer, message: Received) => void;
}

interface Agent {
  webhookUrl: string;
  streamUrl: string;
  behaviour: AgentBehaviour;
  peers: Peer[];
  webhooks: Array<Record<string, string>>;
  close(): Promise<void>;
}

async function startAgent(): Promise<Agent> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const wss = new WebSocketServer({ noServer: true });
  const agent: Agent = {
    webhookUrl: `http://127.0.0.1:${port}/incoming-call`,
    streamUrl: `wss://127.0.0.1:${port}/media-stream`,
    behaviour: {},
    peers: [],
    webhooks: [],
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('request', (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      agent.webhooks.push(params);
      const { behaviour } = agent;
      const twiml = behaviour.twiml?.(params) ?? `<Response><Connect><Stream url="${agent.streamUrl}"/></Connect></Response>`;
      const type = behaviour.contentType === undefined ? 'text/xml' : behaviour.contentType;
      res.writeHead(behaviour.status ?? 200, type === null ? {} : { 'content-type': type }).end(twiml);
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (agent.behaviour.refuseUpgrade === true) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      let closedWith: (code: number) => void = () => undefined;
      const peer: Peer = { ws, received: [], streamSid: undefined, closed: new Promise<number>((resolve) => (closedWith = resolve)) };
      ws.on('close', (code) => closedWith(code));
      agent.peers.push(peer);
      ws.on('message', (data, isBinary) => {
        const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
        let message: Received;
        if (isBinary) message = { binary: true, data: bytes };
        else {
          const text = bytes.toString('utf8');
          let json: Record<string, unknown> | undefined;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          message = { binary: false, text, json };
          if (json?.['event'] === 'start') peer.streamSid = String(json['streamSid']);
        }
        peer.received.push(message);
        agent.behaviour.onMessage?.(peer, message);
      });
      agent.behaviour.onOpen?.(peer);
    });
  });
  return agent;
}

/** Polls `probe` until it returns something other than undefined/false (a sync point, not a timing assertion). */
async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const events = (peer: Peer): string[] => peer.received.map((m) => (m.binary ? 'binary' : String(m.json?.['event'] ?? 'text')));
const tone = (samples: number): Uint8Array => encodeMulaw(Int16Array.from({ length: samples }, (_, i) => (i % 2 === 0 ? 9000 : -9000)));
const mediaMessage = (streamSid: string | null, audio: Uint8Array | string): string =>
  JSON.stringify({ event: 'media', streamSid, media: { payload: Buffer.from(audio).toString('base64') } });

describe('the fake Twilio as a hostile peer', () => {
  let agent: Agent;
  const open: ActiveCall[] = [];

  beforeAll(async () => {
    agent = await startAgent();
  });
  afterEach(async () => {
    for (const call of open.splice(0)) if (!call.ended) await call.hangup();
    agent.behaviour = {};
    agent.peers.length = 0;
    agent.webhooks.length = 0;
  });
  afterAll(async () => {
    await agent?.close();
  });

  async function call(options: Partial<CallOptions> = {}): Promise<{ call: ActiveCall; peer: Peer }> {
    const active = await placeCall({ clock, webhookUrl: agent.webhookUrl, authToken: TOKEN, stopLingerMs: 100, ...options });
    open.push(active);
    const peer = await waitFor('the agent to see start', () => agent.peers.find((p) => p.streamSid === active.streamSid));
    return { call: active, peer };
  }

  it('startDelayMs: sends start that long after connected, no media before it, and records what the agent sent first without acting on it', async () => {
    agent.behaviour.onOpen = (peer) => {
      // A greeting sent on connect, before Twilio has said which stream this is.
      peer.ws.send(mediaMessage(null, tone(800)));
      peer.ws.send(JSON.stringify({ event: 'mark', streamSid: null, mark: { name: 'greeting' } }));
    };
    const { call: active, peer } = await call({ startDelayMs: 300 });
    expect(events(peer).slice(0, 2)).toEqual(['connected', 'start']);
    const timeline = active.timeline.events;
    const early = eventsOf(timeline, 'early_message');
    expect(early.map((e) => e.what)).toEqual(['media', 'mark']);
    const [opened] = eventsOf(timeline, 'socket_open');
    const [start] = eventsOf(timeline, 'start_sent');
    if (opened === undefined || start === undefined) throw new Error('no socket_open or start_sent');
    expect(start.t - opened.t).toBeGreaterThanOrEqual(300 - 0.01);
    for (const e of early) expect(e.t).toBeLessThan(start.t);
    // Not played, not echoed.
    expect(eventsOf(timeline, 'agent_media')).toEqual([]);
    expect(eventsOf(timeline, 'mark_echo')).toEqual([]);
  });

  it('inject: sends each hostile message as its own frame, in order, and the call goes on', async () => {
    const { call: active, peer } = await call();
    const before = peer.received.length;
    await active.inject(INJECT_KINDS);
    const got = await waitFor('the five injected frames', () => {
      const after = peer.received.slice(before).filter((m) => m.binary || m.json?.['event'] !== 'media' || m.json['streamSid'] !== active.streamSid);
      return after.length >= 5 ? after : undefined;
    });
    const [unknown, malformed, binary, media, stop] = got;
    expect(unknown).toMatchObject({ binary: false, json: { event: 'callbench_probe', streamSid: active.streamSid } });
    expect(malformed).toMatchObject({ binary: false, json: undefined });
    expect(binary?.binary).toBe(true);
    const foreign = eventsOf(active.timeline.events, 'injected').find((e) => e.message === 'foreign-media')?.foreignStreamSid;
    expect(foreign).toMatch(/^MZ[0-9a-f]{32}$/);
    expect(media).toMatchObject({ binary: false, json: { event: 'media', streamSid: foreign } });
    expect(stop).toMatchObject({ binary: false, json: { event: 'stop', streamSid: foreign } });
    expect(stop).toMatchObject({ json: { stop: { callSid: expect.stringMatching(/^CA[0-9a-f]{32}$/) } } });
    expect(stop).not.toMatchObject({ json: { stop: { callSid: active.callSid } } });
    expect(eventsOf(active.timeline.events, 'injected').map((e) => e.message)).toEqual([...INJECT_KINDS]);
    const frames = peer.received.length;
    await waitFor('more caller frames', () => peer.received.length > frames + 2);
    expect(active.ended).toBe(false);
  });

  it('webhookParams: posts hostile values, signed; what the agent echoes into <Parameter>s comes back in start.customParameters', async () => {
    const from = 'client:Zoë & "Bo" <admin>\u0007';
    agent.behaviour.twiml = (params) => {
      const response = new twilio.twiml.VoiceResponse();
      // XML cannot carry U+0007 at all: an agent must drop it.
      response.connect().stream({ url: agent.streamUrl }).parameter({ name: 'caller', value: (params['From'] ?? '').replace('\u0007', '') });
      return response.toString();
    };
    const { call: active, peer } = await call({ webhookParams: { From: from, CallerName: `O'Brien\ttab` } });
    expect(agent.webhooks[0]).toMatchObject({ From: from, CallerName: `O'Brien\ttab`, CallSid: active.callSid });
    const start = peer.received.find((m) => !m.binary && m.json?.['event'] === 'start');
    expect(start).toMatchObject({ json: { start: { customParameters: { caller: 'client:Zoë & "Bo" <admin>' } } } });
    const [webhook] = eventsOf(active.timeline.events, 'webhook');
    expect(webhook?.scenarioParams).toEqual(['From', 'CallerName']);
    expect(webhook?.params).toMatchObject({ From: from });
    expect(eventsOf(active.timeline.events, 'start_sent')[0]?.customParameters).toEqual({ caller: 'client:Zoë & "Bo" <admin>' });
  });

  it('after stop: records what the agent still sends while the socket is open, echoes nothing, and ends once the agent closes', async () => {
    agent.behaviour.onMessage = (peer, message) => {
      if (message.binary || message.json?.['event'] !== 'stop' || peer.streamSid === undefined) return;
      peer.ws.send(mediaMessage(peer.streamSid, tone(1600)));
      peer.ws.send(JSON.stringify({ event: 'mark', streamSid: peer.streamSid, mark: { name: 'late' } }));
      setTimeout(() => peer.ws.close(1000), 20);
    };
    const { call: active, peer } = await call({ stopLingerMs: 5000 });
    const result = await active.hangup();
    await peer.closed;
    const timeline = result.timeline.events;
    expect(eventsOf(timeline, 'after_stop').map((e) => e.what)).toEqual(['media', 'mark']);
    expect(eventsOf(timeline, 'agent_media')).toEqual([]);
    expect(eventsOf(timeline, 'mark_echo')).toEqual([]);
    expect(timeline.slice(-1)[0]).toMatchObject({ kind: 'closed', by: 'caller' });
    const stop = eventsOf(timeline, 'stop_sent')[0];
    const sentAfter = eventsOf(timeline, 'after_stop');
    for (const e of sentAfter) expect(e.t).toBeGreaterThanOrEqual(stop?.t ?? Infinity);
  });

  it('after stop: closes the socket itself once the linger is over when the agent does not', async () => {
    const { call: active, peer } = await call({ stopLingerMs: 50 });
    await active.hangup();
    expect(await peer.closed).toBe(1000);
    expect(events(peer).slice(-1)).toEqual(['stop']);
    expect(eventsOf(active.timeline.events, 'after_stop')).toEqual([]);
  });

  it('a payload that is no audio (a forwarded Deepgram Metadata frame) is recorded with its issue and heard as nothing: the greeting is the audio after it', async () => {
    agent.behaviour.onMessage = (peer, message) => {
      if (message.binary || message.json?.['event'] !== 'start' || peer.streamSid === undefined) return;
      peer.ws.send(mediaMessage(peer.streamSid, JSON.stringify({ type: 'Metadata', request_id: 'r1', model_name: 'aura-2-thalia-en', model_version: '1', model_uuid: 'u1' })));
      const sid = peer.streamSid;
      setTimeout(() => peer.ws.send(mediaMessage(sid, tone(800))), 50);
    };
    const { call: active } = await call();
    await waitFor('both chunks', () => eventsOf(active.timeline.events, 'agent_media').length === 2);
    const [metadata, audio] = eventsOf(active.timeline.events, 'agent_media');
    expect(metadata).toMatchObject({ audibleFrom: undefined, audibleTo: undefined, payloadIssue: expect.stringMatching(/^payload is JSON, not audio/) });
    expect(audio?.audibleFrom).toBeDefined();
    expect(audio?.payloadIssue).toBeUndefined();
    const start = eventsOf(active.timeline.events, 'start_sent')[0];
    const metrics = computeCallMetrics(active.timeline.events);
    expect(metrics.samples['greeting.first_audio_ms']).toEqual([(audio?.audibleFrom ?? NaN) - (start?.t ?? NaN)]);
  });
});

describe('a placement that fails comes with what it recorded (twiml.valid judges it)', () => {
  let agent: Agent;
  beforeAll(async () => {
    agent = await startAgent();
  });
  afterAll(async () => {
    await agent?.close();
  });

  async function failure(behaviour: AgentBehaviour, options: Partial<CallOptions> = {}): Promise<PlacementError> {
    agent.behaviour = behaviour;
    try {
      const call = await placeCall({ clock, webhookUrl: agent.webhookUrl, authToken: TOKEN, stopLingerMs: 0, ...options });
      await call.hangup();
    } catch (error) {
      expect(error).toBeInstanceOf(PlacementError);
      return error as PlacementError;
    }
    throw new Error('the call was placed');
  }

  it('names the stage and records it on the timeline: the webhook, its TwiML, the stream upgrade', async () => {
    const http = await failure({ status: 500 });
    expect(http.stage).toBe('webhook');
    expect(http.timeline.events.map((e) => e.kind)).toEqual(['webhook', 'placement_failed']);
    expect(eventsOf(http.timeline.events, 'placement_failed')[0]).toMatchObject({ stage: 'webhook', error: expect.stringMatching(/answered HTTP 500$/) });

    const unescaped = await failure(
      { twiml: (params) => `<Response><Connect><Stream url="${agent.streamUrl}"><Parameter name="from" value="${params['From'] ?? ''}"/></Stream></Connect></Response>` },
      { webhookParams: { From: 'client:a <b>' } },
    );
    expect(unescaped.stage).toBe('twiml');
    expect(unescaped.message).toMatch(/inside an attribute value \(write &lt;\)$/);

    const bare = await failure({ twiml: () => `<Response><Say>Tom & Jerry</Say><Connect><Stream url="${agent.streamUrl}"/></Connect></Response>` });
    expect(bare.message).toMatch(/^TwiML is not well-formed XML: '&' at line 1, column \d+ begins no entity/);

    const untyped = await failure({ contentType: null });
    expect(untyped.message).toBe('the webhook answered TwiML with no Content-Type (Twilio error 12300)');
    expect(eventsOf(untyped.timeline.events, 'webhook')[0]).toMatchObject({ contentType: undefined, status: 200 });

    const json = await failure({ contentType: 'application/json' });
    expect(json.message).toMatch(/Content-Type "application\/json", not text\/xml \(Twilio error 12300\)$/);

    const refused = await failure({ refuseUpgrade: true });
    expect(refused.stage).toBe('stream');
    expect(refused.message).toMatch(/refused the upgrade: HTTP 404 \(Twilio error 31920\)$/);
    expect(refused.timeline.events.map((e) => e.kind)).toEqual(['webhook', 'placement_failed']);
  });
});
