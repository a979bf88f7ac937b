/**
 * placeCall, the fake Twilio side of a call, against a small local agent written here: an HTTP
 * webhook answering TwiML built with the twilio library and a WebSocket endpoint that records
 * everything the caller sends. Real sockets and the system clock; the assertions are about order
 * and content, never latency.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import WebSocket, { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMulaw, MULAW_SILENCE, writeMulawWav } from '../../harness/audio/index.ts';
import { CallEndedError, placeCall, type ActiveCall } from '../../harness/caller/call.ts';
import { eventsOf, type EventOf } from '../../harness/caller/timeline.ts';
import type { Utterance } from '../../harness/caller/utterance.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { parseTwilioToAgent } from '../../harness/protocol/twilio.ts';

const TOKEN = 'caller-call-test-token';
const PARAMETERS = { tenant: 'acme', hostile: `a&b"<c>'` };

// ---- the local agent ------------------------------------------------------

/** Whatever the caller sent, parsed. */
type Sent = Record<string, unknown> & { event: string };

interface Connection {
  ws: WebSocket;
  rawHeaders: string[];
  path: string;
  messages: Sent[];
  /** Set once the caller's side of the socket has closed. */
  closeCode: number | undefined;
}

interface WebhookHit {
  params: Record<string, string>;
  signature: string;
  url: string;
}

interface Agent {
  webhookUrl: string;
  streamUrl: string;
  webhooks: WebhookHit[];
  connections: Connection[];
  /** What the webhook answers next: TwiML (the default) or an HTTP error. */
  webhookStatus: number;
  /** Refuse the next upgrade with this HTTP status. */
  refuseUpgrade: number | undefined;
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
    webhooks: [],
    connections: [],
    webhookStatus: 200,
    refuseUpgrade: undefined,
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
      agent.webhooks.push({ params: Object.fromEntries(new URLSearchParams(body)), signature: String(req.headers['x-twilio-signature']), url: req.url ?? '' });
      if (agent.webhookStatus !== 200) {
        res.writeHead(agent.webhookStatus).end();
        return;
      }
      const response = new twilio.twiml.VoiceResponse();
      const stream = response.connect().stream({ url: agent.streamUrl });
      for (const [name, value] of Object.entries(PARAMETERS)) stream.parameter({ name, value });
      res.writeHead(200, { 'content-type': 'text/xml' }).end(response.toString());
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (agent.refuseUpgrade !== undefined) {
      socket.end(`HTTP/1.1 ${agent.refuseUpgrade} Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection: Connection = { ws, rawHeaders: req.rawHeaders, path: req.url ?? '', messages: [], closeCode: undefined };
      agent.connections.push(connection);
      ws.on('message', (data, isBinary) => {
        if (isBinary) throw new Error('the caller sent a binary frame');
        connection.messages.push(JSON.parse(String(data)) as Sent);
      });
      ws.on('close', (code) => (connection.closeCode = code));
    });
  });
  return agent;
}

// ---- helpers --------------------------------------------------------------

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

function media(connection: Connection): Array<Sent & { media: { track: string; chunk: string; timestamp: string; payload: string } }> {
  return connection.messages.filter((m) => m.event === 'media') as Array<Sent & { media: { track: string; chunk: string; timestamp: string; payload: string } }>;
}

const bytesOf = (payload: string): Buffer => Buffer.from(payload, 'base64');
const isSilence = (bytes: Uint8Array): boolean => bytes.every((b) => b === MULAW_SILENCE);

/** `lead` samples of digital silence then `loud` samples at ±10000, as mu-law. */
function toneBurst(lead: number, loud: number): Uint8Array {
  const pcm = new Int16Array(lead + loud);
  for (let i = 0; i < loud; i++) pcm[lead + i] = i % 2 === 0 ? 10_000 : -10_000;
  return encodeMulaw(pcm);
}

/** Distinctive caller audio: no byte is the silence code, so its frames can be told apart. */
function utterance(id: string, bytes: number, voiced: Array<{ startMs: number; endMs: number }>): Utterance {
  const audio = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) audio[i] = (i * 37 + id.length) % 0x7f;
  return { id, text: `text of ${id}`, audio, voiced };
}

function agentSend(connection: Connection, streamSid: string, message: Record<string, unknown>): void {
  connection.ws.send(JSON.stringify({ streamSid, ...message }));
}

function sendAudio(connection: Connection, streamSid: string, audio: Uint8Array): void {
  agentSend(connection, streamSid, { event: 'media', media: { payload: Buffer.from(audio).toString('base64') } });
}

// ---- tests ----------------------------------------------------------------

describe('placeCall against a local agent', () => {
  const clock = createSystemClock();
  let agent: Agent;
  const open: ActiveCall[] = [];

  beforeAll(async () => {
    agent = await startAgent();
  });
  afterAll(async () => {
    for (const call of open) if (!call.ended) await call.hangup();
    await agent?.close();
  });

  async function call(options: { onUtterance?: (u: Utterance) => void } = {}): Promise<{ call: ActiveCall; connection: Connection }> {
    const active = await placeCall({ clock, webhookUrl: agent.webhookUrl, authToken: TOKEN, ...options });
    open.push(active);
    const connection = await waitFor('the media-stream connection', () => agent.connections.find((c) => c.messages.some((m) => m.event === 'start' && m['streamSid'] === active.streamSid)));
    return { call: active, connection };
  }

  it('signs the webhook, opens the stream with a lowercase x-twilio-signature, sends connected, start, then silence frames', async () => {
    const { call: active, connection } = await call();
    await waitFor('five media frames', () => media(connection).length >= 5);

    // The webhook: form-encoded, validly signed, carrying this call's SID.
    const hit = agent.webhooks[agent.webhooks.length - 1];
    expect(hit?.url).toBe('/incoming-call');
    expect(twilio.validateRequest(TOKEN, hit?.signature ?? '', agent.webhookUrl, hit?.params ?? {})).toBe(true);
    expect(hit?.params['CallSid']).toBe(active.callSid);

    // The upgrade: to the TwiML's path, header name in lowercase as Twilio sends it, signed over the wss URL.
    expect(connection.path).toBe('/media-stream');
    const names = connection.rawHeaders.filter((_, i) => i % 2 === 0);
    expect(names).toContain('x-twilio-signature');
    expect(names).not.toContain('X-Twilio-Signature');
    const signature = connection.rawHeaders[connection.rawHeaders.indexOf('x-twilio-signature') + 1] ?? '';
    expect(twilio.validateRequest(TOKEN, signature, agent.streamUrl, {})).toBe(true);

    const [connected, start] = connection.messages;
    expect(connected).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    expect(start).toEqual({
      event: 'start',
      sequenceNumber: '1',
      start: {
        accountSid: hit?.params['AccountSid'],
        streamSid: active.streamSid,
        callSid: active.callSid,
        tracks: ['inbound'],
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        customParameters: PARAMETERS,
      },
      streamSid: active.streamSid,
    });
    expect(active.streamSid).toMatch(/^MZ[0-9a-f]{32}$/);
    expect(active.callSid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(hit?.params['AccountSid']).toMatch(/^AC[0-9a-f]{32}$/);

    const frames = media(connection).slice(0, 5);
    frames.forEach((frame, i) => {
      expect(frame).toEqual({
        event: 'media',
        sequenceNumber: String(i + 2),
        streamSid: active.streamSid,
        media: { track: 'inbound', chunk: String(i + 1), timestamp: String(i * 20), payload: expect.any(String) },
      });
      const bytes = bytesOf(frame.media.payload);
      expect(bytes.length).toBe(160);
      expect(isSilence(bytes)).toBe(true);
    });
    // Every message is a valid Twilio -> agent message by the protocol schema.
    for (const message of connection.messages) expect(parseTwilioToAgent(JSON.stringify(message)).ok).toBe(true);

    const timeline = active.timeline.events.map((e) => e.kind);
    expect(timeline.slice(0, 3)).toEqual(['webhook', 'socket_open', 'start_sent']);
    await active.hangup();
  });

  it('say(): sends exactly the utterance bytes in consecutive frames between silence, and records the utterance', async () => {
    let framesAtCallback = -1;
    const said: Utterance[] = [];
    const { call: active, connection } = await call({
      onUtterance: (u) => {
        said.push(u);
        framesAtCallback = media(connection).length;
      },
    });
    await waitFor('a first frame', () => media(connection).length >= 2);
    // 600 bytes: three full frames and 40 bytes padded with silence; voice from 25 to 45 ms.
    const u = utterance('hello', 600, [{ startMs: 25, endMs: 45 }]);
    const before = clock.now();
    await active.say(u);
    expect(said).toEqual([u]);

    const frames = await waitFor('the frame after the utterance', () => {
      const all = media(connection);
      const first = all.findIndex((f) => !isSilence(bytesOf(f.media.payload)));
      return first >= 0 && all.length > first + 4 ? { all, first } : undefined;
    });
    const { all, first } = frames;
    const spoken = all.slice(first, first + 4);
    const sent = Buffer.concat(spoken.map((f) => bytesOf(f.media.payload)));
    expect(sent.length).toBe(640);
    expect(sent.subarray(0, 600).equals(Buffer.from(u.audio))).toBe(true);
    expect(isSilence(sent.subarray(600))).toBe(true);
    expect(isSilence(bytesOf(all[first + 4]?.media.payload ?? ''))).toBe(true);
    expect(isSilence(bytesOf(all[first - 1]?.media.payload ?? ''))).toBe(true);
    // Consecutive chunks, timestamps 20 ms apart, sequence numbers one apart.
    const firstChunk = Number(spoken[0]?.media.chunk);
    spoken.forEach((f, k) => {
      expect(f.media.chunk).toBe(String(firstChunk + k));
      expect(f.media.timestamp).toBe(String((firstChunk + k - 1) * 20));
      expect(Number(f.sequenceNumber)).toBe(Number(spoken[0]?.sequenceNumber) + k);
    });
    // onUtterance ran before the first frame of the utterance was sent.
    expect(firstChunk).toBeGreaterThan(framesAtCallback);

    const events = eventsOf(active.timeline.events, 'utterance');
    expect(events).toHaveLength(1);
    const event = events[0];
    expect(event).toEqual({
      kind: 'utterance',
      t: expect.any(Number),
      id: 'hello',
      text: 'text of hello',
      firstVoicedAt: expect.any(Number),
      lastVoicedAt: expect.any(Number),
      endAt: expect.any(Number),
    });
    if (event === undefined) return;
    for (const value of [event.t, event.firstVoicedAt, event.lastVoicedAt, event.endAt]) expect(Number.isFinite(value)).toBe(true);
    expect(event.t).toBeGreaterThanOrEqual(before);
    expect(event.firstVoicedAt).toBeGreaterThanOrEqual(event.t);
    expect(event.lastVoicedAt).toBeGreaterThanOrEqual(event.firstVoicedAt);
    expect(event.endAt).toBeGreaterThanOrEqual(event.lastVoicedAt);
    expect(event.endAt).toBeLessThanOrEqual(clock.now());
    await active.hangup();
  });

  it('say() twice without waiting: the second utterance follows the first, frame for frame', async () => {
    const { call: active, connection } = await call();
    const a = utterance('first', 320, [{ startMs: 0, endMs: 40 }]);
    const b = utterance('second-one', 480, [{ startMs: 0, endMs: 60 }]);
    await Promise.all([active.say(a), active.say(b)]);
    const all = await waitFor('both utterances', () => {
      const frames = media(connection);
      const first = frames.findIndex((f) => !isSilence(bytesOf(f.media.payload)));
      return first >= 0 && frames.length >= first + 5 ? frames.slice(first, first + 5) : undefined;
    });
    const sent = Buffer.concat(all.map((f) => bytesOf(f.media.payload)));
    expect(sent.equals(Buffer.concat([Buffer.from(a.audio), Buffer.from(b.audio)]))).toBe(true);
    const events = eventsOf(active.timeline.events, 'utterance');
    expect(events.map((e) => e.id)).toEqual(['first', 'second-one']);
    expect(events[1]?.firstVoicedAt).toBeGreaterThanOrEqual(events[0]?.endAt ?? Infinity);
    await active.hangup();
  });

  it('plays agent media in the playback model, records its playback times, and echoes a mark after it has played', async () => {
    const { call: active, connection } = await call();
    // 20 ms of silence then 20 ms of tone: 320 bytes, 40 ms.
    sendAudio(connection, active.streamSid, toneBurst(160, 160));
    agentSend(connection, active.streamSid, { event: 'mark', mark: { name: 'm1' } });
    const echoed = await waitFor('the echo of m1', () => connection.messages.find((m) => m.event === 'mark'));

    const [played] = eventsOf(active.timeline.events, 'agent_media');
    if (played === undefined) throw new Error('no agent_media event');
    expect(played.bytes).toBe(320);
    expect(played.playStart).toBeGreaterThanOrEqual(played.t);
    expect(played.playEnd - played.playStart).toBe(40);
    expect((played.audibleFrom ?? NaN) - played.playStart).toBe(20);
    expect((played.audibleTo ?? NaN) - played.playStart).toBe(40);

    expect(echoed).toEqual({ event: 'mark', sequenceNumber: expect.stringMatching(/^\d+$/), streamSid: active.streamSid, mark: { name: 'm1' } });
    expect(parseTwilioToAgent(JSON.stringify(echoed)).ok).toBe(true);
    const kinds = active.timeline.events.filter((e) => ['agent_media', 'agent_mark', 'mark_echo'].includes(e.kind));
    expect(kinds.map((e) => e.kind)).toEqual(['agent_media', 'agent_mark', 'mark_echo']);
    const echo = eventsOf(active.timeline.events, 'mark_echo')[0];
    expect(echo).toMatchObject({ name: 'm1', cleared: false });
    expect(echo?.t).toBeGreaterThanOrEqual(played.playEnd);

    // A mark with nothing queued is echoed at once, after the first.
    agentSend(connection, active.streamSid, { event: 'mark', mark: { name: 'idle' } });
    await waitFor('the echo of idle', () => connection.messages.some((m) => m.event === 'mark' && (m['mark'] as { name: string }).name === 'idle'));
    expect(eventsOf(active.timeline.events, 'mark_echo').map((e) => [e.name, e.cleared])).toEqual([
      ['m1', false],
      ['idle', false],
    ]);
    await active.hangup();
  });

  it('clear drops the queued audio, echoes the pending mark as cleared, and later audio plays at once', async () => {
    const { call: active, connection } = await call();
    sendAudio(connection, active.streamSid, toneBurst(0, 80_000)); // 10 s
    agentSend(connection, active.streamSid, { event: 'mark', mark: { name: 'end-of-answer' } });
    agentSend(connection, active.streamSid, { event: 'clear' });
    const echoed = await waitFor('the echo of the cleared mark', () => connection.messages.find((m) => m.event === 'mark'));
    expect(echoed).toMatchObject({ event: 'mark', streamSid: active.streamSid, mark: { name: 'end-of-answer' } });

    const [long] = eventsOf(active.timeline.events, 'agent_media');
    const [clear] = eventsOf(active.timeline.events, 'clear');
    if (long === undefined || clear === undefined) throw new Error('missing agent_media or clear');
    expect(long.playEnd - long.playStart).toBe(10_000);
    expect(clear.droppedMs).toBeGreaterThan(0);
    expect(clear.droppedMs).toBeLessThanOrEqual(long.playEnd - long.t);
    expect(clear.droppedMs).toBeGreaterThanOrEqual(long.playEnd - clear.t);
    expect(eventsOf(active.timeline.events, 'mark_echo')).toEqual([{ kind: 'mark_echo', t: expect.any(Number), name: 'end-of-answer', cleared: true }]);
    const order = active.timeline.events.map((e) => e.kind).filter((k) => ['agent_media', 'agent_mark', 'mark_echo', 'clear'].includes(k));
    expect(order).toEqual(['agent_media', 'agent_mark', 'mark_echo', 'clear']);

    sendAudio(connection, active.streamSid, toneBurst(0, 160));
    const after = await waitFor('media after the clear', () => eventsOf(active.timeline.events, 'agent_media')[1]);
    expect(after.playStart).toBeGreaterThanOrEqual(clear.t);
    expect(after.playStart).toBeLessThan(long.playEnd);
    await active.hangup();
  });

  it('records invalid agent messages as protocol errors, other-stream messages and bad payloads apart, and keeps the call going', async () => {
    const { call: active, connection } = await call();
    const wrongSid = `MZ${'0'.repeat(32)}`;
    connection.ws.send('this is not json');
    connection.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    agentSend(connection, wrongSid, { event: 'clear' });
    agentSend(connection, active.streamSid, { event: 'dance' });
    sendAudio(connection, active.streamSid, writeMulawWav(toneBurst(0, 800)));
    connection.ws.send(Buffer.from([4, 5, 6]), { binary: true });
    connection.ws.send(JSON.stringify({ event: 'media', streamSid: null, media: { payload: 'AAAA' } }));
    agentSend(connection, active.streamSid, { event: 'mark' });
    sendAudio(connection, active.streamSid, toneBurst(0, 160));
    await waitFor('the valid media after the errors', () => eventsOf(active.timeline.events, 'agent_media').length === 2);
    const framesThen = media(connection).length;

    // twilio.protocol's: not JSON, binary (once per stream), an unknown event, a known event of the wrong shape.
    const errors = eventsOf(active.timeline.events, 'protocol_error').map((e) => e.error);
    expect(errors).toHaveLength(4);
    expect(errors[0]).toMatch(/31951/);
    expect(errors[0]).toMatch(/not JSON/);
    expect(errors[1]).toMatch(/binary/);
    expect(errors[1]).toMatch(/31950/);
    expect(errors[2]).toMatch(/31951/);
    expect(errors[2]).toContain('unknown event "dance"');
    expect(errors[3]).toMatch(/^invalid mark message \(Twilio warning 31951\): mark: /);
    // twilio.stream-sid's: messages for another stream, or none, are ignored as Twilio ignores them.
    expect(eventsOf(active.timeline.events, 'foreign_sid').map((e) => [e.event, e.streamSid])).toEqual([
      ['clear', wrongSid],
      ['media', null],
    ]);
    expect(eventsOf(active.timeline.events, 'clear')).toEqual([]);
    // twilio.audio-format's: the WAV payload is still queued (Twilio plays it), its header named.
    const [wav, tone] = eventsOf(active.timeline.events, 'agent_media');
    expect(wav?.bytes).toBe(writeMulawWav(toneBurst(0, 800)).length);
    expect(wav?.payloadIssue).toMatch(/WAV \(RIFF\) header/);
    expect(tone?.payloadIssue).toBeUndefined();

    // The stream survives: still open, still sending frames.
    expect(active.ended).toBe(false);
    expect(eventsOf(active.timeline.events, 'closed')).toEqual([]);
    await waitFor('more frames', () => media(connection).length > framesThen + 2);
    await active.hangup();
  });

  it('hangup() sends stop with the account and call SIDs, then closes; the call is over', async () => {
    const { call: active, connection } = await call();
    agentSend(connection, active.streamSid, { event: 'mark', mark: { name: 'x' } });
    await waitFor('a few frames and the mark echo', () => media(connection).length >= 3 && connection.messages.some((m) => m.event === 'mark'));
    const result = await active.hangup();
    await waitFor('the close on the agent side', () => connection.closeCode !== undefined);
    expect(connection.closeCode).toBe(1000);

    const start = connection.messages[1] as unknown as { start: { accountSid: string; callSid: string } };
    const last = connection.messages[connection.messages.length - 1];
    expect(last).toEqual({
      event: 'stop',
      sequenceNumber: String(connection.messages.length - 1),
      stop: { accountSid: start.start.accountSid, callSid: active.callSid },
      streamSid: active.streamSid,
    });
    // One sequence counter for the whole stream: start is 1, then every message in order.
    expect(connection.messages.slice(1).map((m) => m['sequenceNumber'])).toEqual(connection.messages.slice(1).map((_, i) => String(i + 1)));

    expect(result.callSid).toBe(active.callSid);
    expect(result.streamSid).toBe(active.streamSid);
    expect(result.pacing.framesSent).toBe(media(connection).length);
    expect(result.pacing.lateness.count).toBe(result.pacing.framesSent);
    const tail = result.timeline.events.slice(-2);
    expect(tail.map((e) => e.kind)).toEqual(['stop_sent', 'closed']);
    expect(tail[1]).toMatchObject({ kind: 'closed', by: 'caller', code: 1000 });

    expect(active.ended).toBe(true);
    await expect(active.say(utterance('late', 160, [{ startMs: 0, endMs: 20 }]))).rejects.toBeInstanceOf(CallEndedError);
    const again = await active.hangup();
    expect(again.timeline.events.filter((e) => e.kind === 'stop_sent')).toHaveLength(1);
  });

  it('ends the call when the agent closes the stream: pending steps reject, the close is on the timeline', async () => {
    const { call: active, connection } = await call();
    const pending = active.say(utterance('long', 8000 * 30, [{ startMs: 0, endMs: 30_000 }]));
    await waitFor('a frame', () => media(connection).length >= 1);
    connection.ws.close(4000, 'agent done');
    await expect(pending).rejects.toThrow(/closed the media stream \(code 4000\)/);
    expect(active.ended).toBe(true);
    const closed = eventsOf(active.timeline.events, 'closed');
    expect(closed.map((e: EventOf<'closed'>) => [e.by, e.code])).toEqual([['agent', 4000]]);
    expect(eventsOf(active.timeline.events, 'stop_sent')).toEqual([]);
  });

  it('waitForAgentTurn resolves once the agent audio has played and the line has been quiet for quietMs', async () => {
    const { call: active, connection } = await call();
    const turn = active.waitForAgentTurn({ quietMs: 100, timeoutMs: 10_000 });
    sendAudio(connection, active.streamSid, toneBurst(0, 800)); // 100 ms
    await turn;
    const doneAt = clock.now();
    const [played] = eventsOf(active.timeline.events, 'agent_media');
    expect(played).toBeDefined();
    expect(doneAt).toBeGreaterThanOrEqual((played?.playEnd ?? Infinity) + 100 - 0.01);
    await active.hangup();
  });

  it('waitForAgentTurn: a stall of our own event loop does not pass for a quiet line; audio that came in during it is read first', async () => {
    const { call: active, connection } = await call();
    const turn = active.waitForAgentTurn({ quietMs: 100, timeoutMs: 10_000 });
    sendAudio(connection, active.streamSid, toneBurst(0, 800)); // 100 ms
    const first = await waitFor('the audio to arrive', () => eventsOf(active.timeline.events, 'agent_media')[0]);
    let heardWhenDone = 0;
    const done = turn.then(() => (heardWhenDone = eventsOf(active.timeline.events, 'agent_media').length));
    // The agent goes on (in our socket's buffer at once) while our loop is blocked past the quiet
    // wait, in a setImmediate: the loop's next turn begins with its timers, then reads the socket.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        sendAudio(connection, active.streamSid, toneBurst(0, 800));
        while (clock.now() < first.playEnd + 100 + 200) {
          // stalled
        }
        resolve();
      }),
    );
    await done;
    expect(heardWhenDone, 'the wait ended before the audio sent during the stall was read').toBe(2);
    const second = eventsOf(active.timeline.events, 'agent_media')[1];
    expect(clock.now()).toBeGreaterThanOrEqual((second?.playEnd ?? Infinity) + 100 - 0.01);
    await active.hangup();
  });

  it('waitForAgentTurn counts audio still playing when it begins: it resolves when that audio has played and the line is quiet', async () => {
    const { call: active, connection } = await call();
    sendAudio(connection, active.streamSid, toneBurst(0, 2400)); // 300 ms, all received before the wait begins
    await waitFor('the audio to arrive', () => eventsOf(active.timeline.events, 'agent_media')[0]);
    const turn = active.waitForAgentTurn({ quietMs: 100, timeoutMs: 10_000 });
    await turn;
    const [played] = eventsOf(active.timeline.events, 'agent_media');
    expect(clock.now()).toBeGreaterThanOrEqual((played?.playEnd ?? Infinity) + 100 - 0.01);
    await active.hangup();
  });

  it('untilAgentQuiet waits for the agent to be heard, then for quietMs with nothing audible: streamed silence is quiet', async () => {
    const { call: active, connection } = await call();
    // Nothing heard yet: a reply not begun is not a quiet line.
    const quiet = active.untilAgentQuiet({ quietMs: 150, timeoutMs: 120_000 });
    // 100 ms of tone, then 200 ms of streamed silence: quiet counts from the tone's end.
    sendAudio(connection, active.streamSid, toneBurst(0, 800));
    sendAudio(connection, active.streamSid, new Uint8Array(1600).fill(MULAW_SILENCE));
    await quiet;
    const [tone, silence] = eventsOf(active.timeline.events, 'agent_media');
    expect(tone).toBeDefined();
    expect(clock.now()).toBeGreaterThanOrEqual((tone?.audibleTo ?? Infinity) + 150 - 0.01);
    expect(silence === undefined || silence.audibleTo === undefined).toBe(true);
    // Heard and quiet already: at once (a wait for the 120 s timeout would outlast the test's own).
    await active.untilAgentQuiet({ quietMs: 100, timeoutMs: 120_000 });
    await active.hangup();
  });

  it('untilAgentQuiet gives up at timeoutMs while the agent keeps talking, and resolves (it does not fail the call)', async () => {
    const { call: active, connection } = await call();
    sendAudio(connection, active.streamSid, toneBurst(0, 80_000)); // 10 s of tone: far past the 1 s timeout, however late timers fire
    await waitFor('the audio to arrive', () => eventsOf(active.timeline.events, 'agent_media')[0]);
    const startedAt = clock.now();
    await active.untilAgentQuiet({ quietMs: 100, timeoutMs: 1000 });
    const [tone] = eventsOf(active.timeline.events, 'agent_media');
    expect(clock.now()).toBeGreaterThanOrEqual(startedAt + 1000 - 0.01);
    expect(clock.now()).toBeLessThan((tone?.audibleTo ?? -Infinity) + 100);
    await active.hangup();
  });

  it('fails to place the call when the webhook answers an HTTP error', async () => {
    agent.webhookStatus = 500;
    try {
      const attempt = placeCall({ clock, webhookUrl: agent.webhookUrl, authToken: TOKEN });
      await expect(attempt).rejects.toBeInstanceOf(CallEndedError);
      await expect(attempt).rejects.toThrow(/HTTP 500/);
    } finally {
      agent.webhookStatus = 200;
    }
  });

  it('fails to place the call when the agent refuses the upgrade (Twilio error 31920)', async () => {
    agent.refuseUpgrade = 401;
    try {
      const attempt = placeCall({ clock, webhookUrl: agent.webhookUrl, authToken: TOKEN });
      await expect(attempt).rejects.toBeInstanceOf(CallEndedError);
      await expect(attempt).rejects.toThrow(/HTTP 401 \(Twilio error 31920\)/);
    } finally {
      agent.refuseUpgrade = undefined;
    }
  });
});
