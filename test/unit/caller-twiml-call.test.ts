/**
 * placeCall plays the TwiML before <Connect> as Twilio does, on the run's clock: a manual clock
 * here, so every time is exact. A small local agent (HTTP webhook, WAV files, WebSocket stream)
 * answers TwiML set per test and records, on the same clock, when it was fetched and when the
 * stream was dialled.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import wavefile from 'wavefile';
import WebSocket, { WebSocketServer } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeMulaw, speechDurationMs, synthesizeMulaw, writeMulawWav } from '../../harness/audio/index.ts';
import { CallEndedError, placeCall, type ActiveCall } from '../../harness/caller/call.ts';
import { eventsOf } from '../../harness/caller/timeline.ts';
import { createManualClock, type Clock } from '../../harness/clock.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';

const TOKEN = 'caller-twiml-call-token';
const T0 = 1000;

// ---- a manual clock that says when a timer is armed -----------------------

interface WatchedClock extends Clock {
  advanceTo(at: number): void;
  /** Resolves once a timer due at exactly `at` has been armed (at once if one already was). */
  armedAt(at: number): Promise<void>;
}

function watchedClock(start: number): WatchedClock {
  const inner = createManualClock(start);
  const armed: number[] = [];
  const waiters: Array<{ at: number; resolve: () => void }> = [];
  const clock: WatchedClock = {
    now: () => inner.now(),
    at(at, fn) {
      const cancel = inner.at(at, fn);
      armed.push(at);
      for (const waiter of waiters.filter((w) => w.at === at)) waiter.resolve();
      return cancel;
    },
    sleepUntil: (at, signal) =>
      new Promise<void>((resolve, reject) => {
        const cancel = clock.at(at, resolve);
        signal?.addEventListener('abort', () => {
          cancel();
          reject(signal.reason);
        });
      }),
    sleep: (ms, signal) => clock.sleepUntil(inner.now() + ms, signal),
    advanceTo: (at) => inner.advance(at - inner.now()),
    armedAt: (at) =>
      armed.includes(at)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            // A guard so a wrong schedule fails with what was armed instead of hanging the suite.
            const guard = setTimeout(() => reject(new Error(`no timer armed at ${at}; armed: ${armed.join(', ')}`)), 5000);
            waiters.push({ at, resolve: () => (clearTimeout(guard), resolve()) });
          }),
  };
  return clock;
}

// ---- the local agent ------------------------------------------------------

interface Agent {
  webhookUrl: string;
  streamUrl: string;
  base: string;
  /** The TwiML the webhook answers. */
  twiml: string;
  /** When set, the webhook answers only once this resolves. */
  hold: Promise<void> | undefined;
  webhookArrived: (() => void) | undefined;
  /** Files served under /audio/NAME. */
  files: Map<string, Uint8Array>;
  /** Every audio request, with the clock's reading when it arrived. */
  fetches: Array<{ path: string; at: number }>;
  /** Every stream upgrade, with the clock's reading when it arrived. */
  upgrades: Array<{ at: number; ws: WebSocket }>;
  clock: Clock;
  close(): Promise<void>;
}

async function startAgent(): Promise<Agent> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const wss = new WebSocketServer({ noServer: true });
  const base = `http://127.0.0.1:${port}`;
  const agent: Agent = {
    base,
    webhookUrl: `${base}/incoming-call`,
    streamUrl: `wss://127.0.0.1:${port}/media-stream`,
    twiml: '',
    hold: undefined,
    webhookArrived: undefined,
    files: new Map(),
    fetches: [],
    upgrades: [],
    clock: createManualClock(0),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('request', (req, res) => {
    const path = req.url ?? '';
    if (path.startsWith('/audio/')) {
      agent.fetches.push({ path, at: agent.clock.now() });
      const file = agent.files.get(path.slice('/audio/'.length));
      if (file === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'audio/wav' }).end(Buffer.from(file));
      return;
    }
    req.resume();
    req.on('end', () => {
      agent.webhookArrived?.();
      void (agent.hold ?? Promise.resolve()).then(() => res.writeHead(200, { 'content-type': 'text/xml' }).end(agent.twiml));
    });
  });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => agent.upgrades.push({ at: agent.clock.now(), ws }));
  });
  return agent;
}

// ---- helpers --------------------------------------------------------------

/** `lead` samples of digital silence, then `loud` samples at ±10000, as mu-law. */
function toneBurst(lead: number, loud: number): Uint8Array {
  const pcm = new Int16Array(lead + loud);
  for (let i = 0; i < loud; i++) pcm[lead + i] = i % 2 === 0 ? 10_000 : -10_000;
  return encodeMulaw(pcm);
}

/** A 16-bit PCM WAV at `rate` Hz: `ms` of tone. */
function pcmWav(rate: number, ms: number): Uint8Array {
  const samples = new Int16Array((rate * ms) / 1000).map((_, i) => (i % 2 === 0 ? 8000 : -8000));
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, rate, '16', samples);
  return wav.toBuffer();
}

/** Lets pending I/O callbacks and promise continuations run (a sync point, not a wait for time). */
const flushIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const connect = (agent: Agent): string => `<Connect><Stream url="${agent.streamUrl}"/></Connect>`;

// ---- tests ----------------------------------------------------------------

describe('placeCall plays the TwiML before <Connect>, then dials the stream', () => {
  let agent: Agent;
  const open: ActiveCall[] = [];

  beforeAll(async () => {
    agent = await startAgent();
  });
  afterEach(async () => {
    // hangup() waits up to 2 s on the call's clock for the close: a manual clock must not be it.
    for (const call of open.splice(0)) if (!call.ended) await call.hangup().catch(() => undefined);
    agent.hold = undefined;
    agent.webhookArrived = undefined;
    agent.fetches.length = 0;
    agent.upgrades.length = 0;
  });
  afterAll(async () => {
    await agent?.close();
  });

  function place(clock: WatchedClock): Promise<ActiveCall> {
    agent.clock = clock;
    // No linger after `stop`: it would wait on this manual clock, which the hang-up in afterEach does not move.
    return placeCall({ clock, webhookUrl: agent.webhookUrl, authToken: TOKEN, stopLingerMs: 0 }).then((call) => {
      open.push(call);
      return call;
    });
  }

  it('<Say> then <Connect>: the socket is dialled only once the Say has been spoken, at the mock TTS rate', async () => {
    const text = 'Hello, thanks for calling Acme.';
    agent.twiml = `<Response><Say voice="Polly.Amy">${text}</Say>${connect(agent)}</Response>`;
    const clock = watchedClock(T0);
    const pending = place(clock);
    const sayEnd = T0 + speechDurationMs(text);
    await clock.armedAt(sayEnd);
    clock.advanceTo(sayEnd - 1);
    await flushIo();
    expect(agent.upgrades).toEqual([]);
    clock.advanceTo(sayEnd);
    const call = await pending;

    expect(agent.upgrades.map((u) => u.at)).toEqual([sayEnd]);
    const events = call.timeline.events;
    expect(events.map((e) => e.kind)).toEqual(['webhook', 'twiml_say', 'socket_open', 'start_sent']);
    expect(eventsOf(events, 'twiml_say')).toEqual([
      { kind: 'twiml_say', t: T0, text, voice: 'Polly.Amy', language: undefined, loop: 1, playStart: T0, playEnd: sayEnd, audibleFrom: T0, audibleTo: sayEnd },
    ]);
    expect(eventsOf(events, 'socket_open')[0]?.t).toBe(sayEnd);
    expect(eventsOf(events, 'twiml_note')).toEqual([]);
  });

  it('<Say loop="3">: three times as long; entities in the text are decoded before its length is taken', async () => {
    agent.twiml = `<Response><Say loop="3">Fish &amp; chips</Say>${connect(agent)}</Response>`;
    const clock = watchedClock(T0);
    const pending = place(clock);
    const end = T0 + 3 * speechDurationMs('Fish & chips');
    await clock.armedAt(end);
    clock.advanceTo(end);
    const call = await pending;
    expect(eventsOf(call.timeline.events, 'twiml_say')[0]).toMatchObject({ text: 'Fish & chips', loop: 3, playStart: T0, playEnd: end });
  });

  it('the greeting counts from the webhook request to the Say (the webhook latency is in it), source twiml, even when the agent also greets over the stream', async () => {
    const text = 'Please hold.';
    agent.twiml = `<Response><Say>${text}</Say>${connect(agent)}</Response>`;
    let release = (): void => undefined;
    agent.hold = new Promise<void>((resolve) => (release = resolve));
    const arrived = new Promise<void>((resolve) => (agent.webhookArrived = resolve));
    const clock = watchedClock(T0);
    const pending = place(clock);
    await arrived;
    clock.advanceTo(T0 + 350); // the agent takes 350 ms to answer the webhook
    release();
    const sayEnd = T0 + 350 + speechDurationMs(text);
    await clock.armedAt(sayEnd);
    clock.advanceTo(sayEnd);
    const call = await pending;
    const webhook = eventsOf(call.timeline.events, 'webhook')[0];
    expect(webhook).toMatchObject({ sentAt: T0, t: T0 + 350, durationMs: 350 });

    // The agent greets over the stream as well, once it opens.
    const upgrade = agent.upgrades[0];
    if (upgrade === undefined) throw new Error('no upgrade');
    upgrade.ws.send(JSON.stringify({ event: 'media', streamSid: call.streamSid, media: { payload: Buffer.from(toneBurst(0, 800)).toString('base64') } }));
    while (eventsOf(call.timeline.events, 'agent_media').length === 0) await flushIo();

    const metrics = computeCallMetrics(call.timeline.events);
    expect(metrics.samples['greeting.first_audio_ms']).toEqual([350]);
    expect(metrics.greetingSource).toBe('twiml');
    expect(metrics.greetingHeard).toBe(true);
  });

  it('plays <Say>, <Pause>, <Play> (μ-law and PCM WAVs, fetched when reached), <Say> in document order, then dials', async () => {
    agent.files.set('tone.wav', writeMulawWav(toneBurst(800, 1600))); // 100 ms silence, 200 ms tone
    agent.files.set('pcm.wav', pcmWav(16_000, 500));
    agent.twiml = `<Response>
      <Say>One</Say>
      <Pause length="2"/>
      <Play loop="2">/audio/tone.wav</Play>
      <Play>${agent.base}/audio/pcm.wav</Play>
      <Say>Two</Say>
      ${connect(agent)}
    </Response>`;
    const clock = watchedClock(T0);
    const pending = place(clock);
    const oneEnd = T0 + speechDurationMs('One');
    const pauseEnd = oneEnd + 2000;
    await clock.armedAt(pauseEnd);
    clock.advanceTo(pauseEnd);
    const toneEnd = pauseEnd + 600;
    await clock.armedAt(toneEnd);
    clock.advanceTo(toneEnd);
    const pcmEnd = toneEnd + 500;
    const twoEnd = pcmEnd + speechDurationMs('Two');
    await clock.armedAt(twoEnd);
    clock.advanceTo(twoEnd);
    const call = await pending;

    // Each file was fetched only once everything before it had played.
    expect(agent.fetches).toEqual([
      { path: '/audio/tone.wav', at: pauseEnd },
      { path: '/audio/pcm.wav', at: toneEnd },
    ]);
    expect(agent.upgrades.map((u) => u.at)).toEqual([twoEnd]);
    const events = call.timeline.events.filter((e) => e.kind.startsWith('twiml_') || e.kind === 'socket_open');
    expect(events).toEqual([
      { kind: 'twiml_say', t: T0, text: 'One', voice: undefined, language: undefined, loop: 1, playStart: T0, playEnd: oneEnd, audibleFrom: T0, audibleTo: oneEnd },
      { kind: 'twiml_pause', t: oneEnd, lengthS: 2, playStart: oneEnd, playEnd: pauseEnd },
      { kind: 'twiml_play', t: pauseEnd, url: '/audio/tone.wav', loop: 2, playStart: pauseEnd, playEnd: toneEnd, audibleFrom: pauseEnd + 100, audibleTo: toneEnd },
      { kind: 'twiml_play', t: toneEnd, url: `${agent.base}/audio/pcm.wav`, loop: 1, playStart: toneEnd, playEnd: pcmEnd, audibleFrom: toneEnd, audibleTo: pcmEnd },
      { kind: 'twiml_say', t: pcmEnd, text: 'Two', voice: undefined, language: undefined, loop: 1, playStart: pcmEnd, playEnd: twoEnd, audibleFrom: pcmEnd, audibleTo: twoEnd },
      { kind: 'socket_open', t: twoEnd, url: agent.streamUrl },
    ]);
  });

  it('names what it does not play in one twiml_note, skips it, and leaves the verbs after <Connect> unplayed', async () => {
    agent.twiml = `<Response><Gather input="speech"/><Start><Stream url="wss://127.0.0.1/listen"/></Start>${connect(agent)}<Say>Goodbye.</Say></Response>`;
    const clock = watchedClock(T0);
    const call = await place(clock);
    expect(agent.upgrades.map((u) => u.at)).toEqual([T0]);
    expect(call.timeline.events.map((e) => e.kind)).toEqual(['webhook', 'twiml_note', 'socket_open', 'start_sent']);
    expect(eventsOf(call.timeline.events, 'twiml_note')).toEqual([
      {
        kind: 'twiml_note',
        t: T0,
        note: 'TwiML: the fake Twilio skips <Gather>, <Start><Stream> (unidirectional; not opened) before <Connect>; does not run <Say> after <Connect> (Twilio runs them once the stream ends)',
      },
    ]);
  });

  it('<Hangup> before <Connect> fails the call with one line; the stream is never dialled', async () => {
    agent.twiml = `<Response><Say>Sorry, we are closed.</Say><Hangup/>${connect(agent)}</Response>`;
    const attempt = place(watchedClock(T0));
    await expect(attempt).rejects.toBeInstanceOf(CallEndedError);
    await expect(attempt).rejects.toThrow(/^TwiML <Hangup> before <Connect>: Twilio would hang up before the stream opens$/);
    expect(agent.upgrades).toEqual([]);
  });

  it('a <Play> it cannot fetch or read fails the call with one line naming the URL', async () => {
    agent.files.set('not-a-wav.mp3', new Uint8Array([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0]));
    const cases: Array<[string, RegExp]> = [
      ['https://cdn.example.com/hold.mp3', /^TwiML <Play> https:\/\/cdn\.example\.com\/hold\.mp3: the fake Twilio plays audio only from an http\(s\) URL on a loopback host/],
      ['/audio/missing.wav', /^TwiML <Play> \/audio\/missing\.wav answered HTTP 404$/],
      ['/audio/not-a-wav.mp3', /^TwiML <Play> \/audio\/not-a-wav\.mp3 is not a WAV file the fake Twilio can read .*WAV audio \(μ-law or PCM\) only$/],
    ];
    for (const [url, error] of cases) {
      agent.twiml = `<Response><Play>${url}</Play>${connect(agent)}</Response>`;
      await expect(place(watchedClock(T0))).rejects.toThrow(error);
    }
    expect(agent.upgrades).toEqual([]);
  });

  it('waitForAgentTurn counts the Say as the agent heard: the first turn ends quietMs after it; it is counted once', async () => {
    const text = 'Hi there.';
    agent.twiml = `<Response><Say>${text}</Say>${connect(agent)}</Response>`;
    const clock = watchedClock(T0);
    const pending = place(clock);
    const sayEnd = T0 + speechDurationMs(text);
    await clock.armedAt(sayEnd);
    clock.advanceTo(sayEnd);
    const call = await pending;

    let ended = false;
    const turn = call.waitForAgentTurn({ quietMs: 800, timeoutMs: 15_000 }).then(() => (ended = true));
    clock.advanceTo(sayEnd + 799);
    await flushIo();
    expect(ended).toBe(false);
    clock.advanceTo(sayEnd + 800);
    await turn;

    // The greeting has been counted: the next wait needs new agent audio.
    const next = call.waitForAgentTurn({ quietMs: 100, timeoutMs: 1000 });
    clock.advanceTo(clock.now() + 1000);
    await expect(next).rejects.toThrow(/did not finish a turn within 1000 ms/);
  });

  it('waitForAgentTurn does not count the Say once the caller has sent audio: that is no reply', async () => {
    agent.twiml = `<Response><Say>Hi.</Say>${connect(agent)}</Response>`;
    const clock = watchedClock(T0);
    const pending = place(clock);
    const sayEnd = T0 + speechDurationMs('Hi.');
    await clock.armedAt(sayEnd);
    clock.advanceTo(sayEnd);
    const call = await pending;
    const sent = call.sendAudio(synthesizeMulaw('a'));
    clock.advanceTo(sayEnd + 200);
    await sent;
    const wait = call.waitForAgentTurn({ quietMs: 100, timeoutMs: 1000 });
    clock.advanceTo(clock.now() + 1000);
    await expect(wait).rejects.toThrow(/did not finish a turn/);
  });
});
