/**
 * The reference agent on 127.0.0.1:0 against input a broken or hostile peer sends, on the mocks
 * (instant profile), through raw sockets rather than the fake caller (which is well behaved):
 * media that decodes to no audio (cascaded and Realtime), a stop for another stream, a socket
 * that never sends start, slowloris webhook requests, and form fields XML cannot carry. Every
 * bound is configured small; the tests wait on events, never on time.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createAgent, type AgentLogEvent, type AgentOptions } from '../../agent/index.ts';
import { createSystemClock } from '../../harness/clock.ts';
import type { JournalEntry } from '../../harness/mocks/journal/entries.ts';
import { startMocks, type Mocks } from '../../harness/mocks/start-mocks.ts';
import { instantProfile } from './helpers/mock-context.ts';

const clock = createSystemClock();
let mocks: Mocks;
beforeAll(async () => {
  mocks = await startMocks({ clock, profile: instantProfile(), seed: 1 });
});
afterAll(async () => {
  await mocks?.close();
});

const sid = (prefix: 'CA' | 'MZ'): string => prefix + randomBytes(16).toString('hex');

/** The reference agent on the mocks, its events kept and waited on. */
async function startAgent(overrides: Partial<AgentOptions> = {}) {
  const events: AgentLogEvent[] = [];
  const waiters = new Set<() => void>();
  const agent = createAgent({
    deepgramApiUrl: mocks.env.DEEPGRAM_API_URL,
    deepgramApiKey: mocks.env.DEEPGRAM_API_KEY,
    openaiBaseUrl: mocks.env.OPENAI_BASE_URL,
    openaiApiKey: mocks.env.OPENAI_API_KEY,
    openaiRealtimeBaseUrl: mocks.env.OPENAI_REALTIME_BASE_URL,
    openaiCa: mocks.env.OPENAI_CA_CERT,
    greeting: '',
    clock,
    ...overrides,
    log: (event) => {
      events.push(event);
      for (const wake of waiters) wake();
    },
  });
  const { url } = await agent.listen(0, '127.0.0.1');
  /** The first event that matches, as soon as it is logged. */
  const event = <T extends AgentLogEvent>(match: (e: AgentLogEvent) => e is T): Promise<T> =>
    new Promise((resolve) => {
      const check = (): void => {
        const found = events.find(match);
        if (found === undefined) return;
        waiters.delete(check);
        resolve(found);
      };
      waiters.add(check);
      check();
    });
  return { url, events, event, close: () => agent.close() };
}

/** The first journal entry that matches, as soon as the mocks record it. */
function journalEntry(match: (entry: JournalEntry) => boolean): Promise<JournalEntry> {
  return new Promise((resolve) => {
    const found = mocks.journal.entries().find(match);
    if (found !== undefined) {
      resolve(found);
      return;
    }
    const stop = mocks.journal.subscribe((entry) => {
      if (!match(entry)) return;
      stop();
      resolve(entry);
    });
  });
}

/** A raw media-stream socket: sends what it is told, reports how it closed. */
async function mediaStream(baseUrl: string) {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/media-stream`);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, closed, send: (message: unknown) => ws.send(JSON.stringify(message)) };
}

const connected = { event: 'connected', protocol: 'Call', version: '1.0.0' };

function startMessage(callSid: string, streamSid: string) {
  return {
    event: 'start',
    sequenceNumber: '1',
    streamSid,
    start: {
      accountSid: sid('CA').replace(/^CA/, 'AC'),
      streamSid,
      callSid,
      tracks: ['inbound'],
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      customParameters: {},
    },
  };
}

function mediaMessage(streamSid: string, payload: string, n: number) {
  return { event: 'media', sequenceNumber: String(n + 1), streamSid, media: { track: 'inbound', chunk: String(n), timestamp: String(n * 20), payload } };
}

const EMPTY_PAYLOADS = ['', '!!!', ''];

describe('media whose payload decodes to no audio', () => {
  it('cascaded: never reaches Deepgram as an empty frame (its old CloseStream), and a stop for another stream is ignored', async () => {
    const agent = await startAgent();
    try {
      const callSid = sid('CA');
      const streamSid = sid('MZ');
      const twilio = await mediaStream(agent.url);
      twilio.send(connected);
      twilio.send(startMessage(callSid, streamSid));
      await agent.event((e): e is AgentLogEvent => e.type === 'upstream.open' && e.callSid === callSid && e.upstream === 'listen');
      EMPTY_PAYLOADS.forEach((payload, n) => twilio.send(mediaMessage(streamSid, payload, n + 1)));
      twilio.send({ event: 'stop', sequenceNumber: '9', streamSid: sid('MZ'), stop: { accountSid: 'AC0', callSid: sid('CA') } });
      // Frames are handled in order: if the stop above had ended the call, the reason would be 'stop'.
      twilio.ws.close(1000);
      const end = await agent.event((e): e is Extract<AgentLogEvent, { type: 'call.end' }> => e.type === 'call.end' && e.callSid === callSid);
      expect(end).toMatchObject({ reason: 'twilio_closed', emptyMediaFrames: 3 });
      // The first CloseStream Deepgram sees is the agent's own at hang-up, not an empty binary frame.
      const closeStream = await journalEntry((e) => e.call === callSid && e.service === 'deepgram.listen' && e.kind === 'CloseStream');
      expect(closeStream.data).toEqual({ legacy: false });
      expect(mocks.journal.entries().filter((e) => e.call === callSid && e.service === 'deepgram.listen' && e.kind === 'open')).toHaveLength(1);
      expect(agent.events.filter((e) => e.type === 'warning' && e.code === 'upstream.dropped')).toEqual([]);
      expect(agent.events.filter((e) => e.type === 'warning' && e.code === 'twilio.empty_media')).toHaveLength(1);
    } finally {
      await agent.close();
    }
  });

  it('realtime: no empty input_audio_buffer.append; the first append is the first real audio', async () => {
    const agent = await startAgent({ mode: 'realtime' });
    try {
      const callSid = sid('CA');
      const streamSid = sid('MZ');
      const twilio = await mediaStream(agent.url);
      twilio.send(startMessage(callSid, streamSid));
      await agent.event((e): e is AgentLogEvent => e.type === 'realtime.session' && e.callSid === callSid);
      EMPTY_PAYLOADS.forEach((payload, n) => twilio.send(mediaMessage(streamSid, payload, n + 1)));
      twilio.send(mediaMessage(streamSid, Buffer.alloc(160, 0xff).toString('base64'), 9));
      const append = await journalEntry((e) => e.call === callSid && e.service === 'openai.realtime' && e.kind === 'input_audio_buffer.append');
      expect(append.data).toMatchObject({ bytes: 160 });
      twilio.ws.close(1000);
      await agent.event((e): e is AgentLogEvent => e.type === 'call.end' && e.callSid === callSid);
    } finally {
      await agent.close();
    }
  });
});

describe('connections that never get anywhere', () => {
  it('closes a media-stream socket that sends no start within startTimeoutMs (1008)', { timeout: 10_000 }, async () => {
    const agent = await startAgent({ tuning: { startTimeoutMs: 200 } });
    try {
      const sockets = await Promise.all([1, 2, 3].map(() => mediaStream(agent.url)));
      for (const socket of sockets) socket.send(connected);
      for (const socket of sockets) expect(await socket.closed).toEqual({ code: 1008, reason: 'no_start' });
    } finally {
      await agent.close();
    }
  });

  /** A raw TCP client: what it received, once the agent closes the connection. */
  function rawClient(baseUrl: string): { socket: Socket; received: Promise<string> } {
    const { port } = new URL(baseUrl);
    const socket = connect(Number(port), '127.0.0.1');
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    const received = new Promise<string>((resolve) => socket.once('close', () => resolve(data)));
    socket.on('error', () => {});
    return { socket, received };
  }

  it('drops a request whose headers never end, and a connection that says nothing (httpHeadersTimeoutMs)', { timeout: 10_000 }, async () => {
    const agent = await startAgent({ tuning: { httpHeadersTimeoutMs: 200, httpRequestTimeoutMs: 5000 } });
    try {
      const clients = [1, 2, 3].map(() => rawClient(agent.url));
      for (const { socket } of clients) socket.write('POST /incoming-call HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      const silent = rawClient(agent.url);
      for (const { received } of clients) expect(await received).toMatch(/^HTTP\/1\.1 408 /);
      await silent.received;
    } finally {
      await agent.close();
    }
  });

  it('answers 408 to a webhook whose body stalls (webhookBodyTimeoutMs), and drops the connection', { timeout: 10_000 }, async () => {
    const agent = await startAgent({ tuning: { webhookBodyTimeoutMs: 200, httpRequestTimeoutMs: 60_000 } });
    try {
      const { socket, received } = rawClient(agent.url);
      socket.write('POST /incoming-call HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\nCallSid=CA');
      const response = await received;
      expect(response).toMatch(/^HTTP\/1\.1 408 /);
      expect(response).toContain('Request Timeout\n');
      expect(agent.events.filter((e) => e.type === 'warning' && e.code === 'webhook.timeout')).toHaveLength(1);
    } finally {
      await agent.close();
    }
  });
});

describe('form fields XML cannot carry', () => {
  it('never answers malformed TwiML: a CallSid not of Twilio\'s form is refused (400), other fields never break it', async () => {
    const agent = await startAgent();
    try {
      const post = async (fields: Record<string, string>) => {
        const response = await fetch(`${agent.url}/incoming-call`, { method: 'POST', body: new URLSearchParams(fields) });
        return { status: response.status, body: await response.text() };
      };
      const good = sid('CA');
      for (const bad of ['\u0000', '\u0001', '\u000B', '\uFFFE', '\uFFFF']) {
        const refused = await post({ CallSid: `${good.slice(0, 10)}${bad}${good.slice(10)}`, From: '+15550001111' });
        expect(refused.status, JSON.stringify(bad)).toBe(400);
        const answered = await post({ CallSid: good, From: `+1555${bad}`, To: `${bad}+1555`, Custom: bad });
        expect(answered.status).toBe(200);
        expect(XMLValidator.validate(answered.body), JSON.stringify(bad)).toBe(true);
      }
      const plain = await post({ CallSid: good });
      expect(plain.status).toBe(200);
      expect(XMLValidator.validate(plain.body)).toBe(true);
      expect(plain.body).toContain(`value="${good}"`);
    } finally {
      await agent.close();
    }
  });
});
