/**
 * The null agent: a calibration target with no upstream at all. It answers the voice webhook with
 * TwiML, accepts the media stream, greets with a tone burst `greetDelayMs` after `start`, and
 * answers each caller utterance with a tone burst at a known time, so the harness's measurement
 * error can be read off as (measured − expected).
 *
 * End of speech: an energy VAD (10 ms windows, -40 dBFS, as the harness's own) over the inbound
 * audio; the utterance has ended once `hangoverMs` of unvoiced audio has followed the last voiced
 * window. Times are taken on the audio's own timebase, anchored at the arrival of the frame that
 * carried the last voiced window: the end is detected at (that arrival + hangoverMs) and the tone
 * is sent `delayMs` later. The caller anchors `turn.response_ms` at the send time of the same
 * frame, so the expected value is exactly hangoverMs + delayMs (`expectedResponseMs`), and
 * `greeting.first_audio_ms` is expected to be greetDelayMs. What is left over is what the harness
 * adds: loopback transport both ways, timer lateness and event-loop delay.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { createSystemClock, type Clock } from '../clock.ts';
import { createStreamingVad, decodeMulaw, encodeMulaw, FRAME_BYTES, SAMPLE_RATE, toFrames } from '../audio/index.ts';
import { parseTwilioToAgent } from '../protocol/twilio.ts';
import type { AgentTarget } from './agent-target.ts';

export interface NullAgentOptions {
  clock: Clock;
  /** ms from receiving `start` to sending the greeting tone; null: no greeting. */
  greetDelayMs: number | null;
  /** ms from the detected end of the caller's speech to sending the reply tone. */
  delayMs: number;
  /** Unvoiced audio (ms, a multiple of 10) after the last voiced window that ends an utterance. */
  hangoverMs: number;
  /** Length of each tone burst (ms, a multiple of 20). */
  toneMs: number;
  toneHz: number;
  /** RMS level of the tone in dBFS. */
  toneLevelDb: number;
  /** VAD threshold in dBFS. */
  thresholdDb: number;
}

export const NULL_AGENT_DEFAULTS: Omit<NullAgentOptions, 'clock'> = {
  greetDelayMs: 250,
  delayMs: 300,
  hangoverMs: 200,
  toneMs: 200,
  toneHz: 440,
  toneLevelDb: -12,
  thresholdDb: -40,
};

const VAD_WINDOW_MS = 10;

/** What `turn.response_ms` should read against a null agent with these options. */
export function expectedResponseMs(options: Pick<NullAgentOptions, 'hangoverMs' | 'delayMs'>): number {
  return options.hangoverMs + options.delayMs;
}

/** A cosine burst (audible from its first sample) as mu-law. */
export function toneMulaw(ms: number, hz: number, levelDb: number): Uint8Array {
  const n = Math.round((ms * SAMPLE_RATE) / 1000);
  const peak = 32767 * Math.SQRT2 * 10 ** (levelDb / 20);
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) pcm[i] = Math.round(Math.min(32767, peak) * Math.cos((2 * Math.PI * hz * i) / SAMPLE_RATE));
  return encodeMulaw(pcm);
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** Serves one media stream. */
function serveStream(ws: WebSocket, options: NullAgentOptions, tone: readonly Uint8Array[]): void {
  const { clock } = options;
  const vad = createStreamingVad(SAMPLE_RATE, { thresholdDb: options.thresholdDb, windowMs: VAD_WINDOW_MS });
  const timers = new Set<() => void>();
  let streamSid: string | undefined;
  let speaking = false;
  /** Arrival time of the frame that carried the last voiced window. */
  let lastVoicedFrameAt = 0;
  let silentMs = 0;
  let bursts = 0;

  const sendTone = (): void => {
    if (streamSid === undefined || ws.readyState !== ws.OPEN) return;
    for (const chunk of tone) ws.send(JSON.stringify({ event: 'media', streamSid, media: { payload: Buffer.from(chunk).toString('base64') } }));
    ws.send(JSON.stringify({ event: 'mark', streamSid, mark: { name: `tone-${++bursts}` } }));
  };
  const schedule = (at: number): void => {
    const cancel = clock.at(at, () => {
      timers.delete(cancel);
      sendTone();
    });
    timers.add(cancel);
  };

  ws.on('message', (data) => {
    const now = clock.now();
    const parsed = parseTwilioToAgent(textOf(data));
    if (!parsed.ok) return;
    const message = parsed.value;
    switch (message.event) {
      case 'start':
        streamSid = message.start.streamSid;
        if (options.greetDelayMs !== null) schedule(now + options.greetDelayMs);
        return;
      case 'media': {
        for (const window of vad.push(decodeMulaw(Buffer.from(message.media.payload, 'base64')))) {
          if (window.voiced) {
            speaking = true;
            lastVoicedFrameAt = now;
            silentMs = 0;
          } else if (speaking) {
            silentMs += window.endMs - window.startMs;
            if (silentMs >= options.hangoverMs) {
              speaking = false;
              // End of speech, on the audio timebase: hangoverMs after the last voiced frame arrived.
              schedule(lastVoicedFrameAt + options.hangoverMs + options.delayMs);
            }
          }
        }
        return;
      }
      case 'stop':
        ws.close(1000);
        return;
      default:
        return;
    }
  });
  ws.on('close', () => {
    for (const cancel of timers) cancel();
    timers.clear();
  });
}

/** A null agent listening on `host`:`port` (0: any free port), outside any run: a trivial agent process (bench/trivial-agent.ts) serves calls with it. */
export interface NullAgentServer {
  webhookUrl: string;
  /** Terminates every stream and closes the server. */
  stop(): Promise<void>;
}

/** The options with their defaults filled in, checked. */
export function nullAgentOptions(settings: Partial<NullAgentOptions> = {}): NullAgentOptions {
  const options: NullAgentOptions = { ...NULL_AGENT_DEFAULTS, clock: settings.clock ?? createSystemClock(), ...settings };
  if (options.hangoverMs % VAD_WINDOW_MS !== 0) throw new Error(`null agent: hangoverMs must be a multiple of ${VAD_WINDOW_MS}`);
  return options;
}

export async function listenNullAgent(options: NullAgentOptions, address: { port: number; host: string } = { port: 0, host: '127.0.0.1' }): Promise<NullAgentServer> {
  const tone = toFrames(toneMulaw(options.toneMs, options.toneHz, options.toneLevelDb)).map((frame) => frame.subarray(0, FRAME_BYTES));
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url?.split('?')[0] === '/incoming-call') {
      req.resume();
      req.on('end', () => {
        const { port } = server.address() as AddressInfo;
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://${address.host}:${port}/media-stream"/></Connect></Response>`);
      });
      return;
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server, path: '/media-stream' });
  wss.on('connection', (ws) => serveStream(ws, options, tone));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    webhookUrl: `http://${address.host}:${port}/incoming-call`,
    async stop() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function createNullAgentTarget(settings: Partial<NullAgentOptions> = {}): AgentTarget {
  const options = nullAgentOptions(settings);
  return {
    describe: () =>
      `null agent (tone ${options.greetDelayMs === null ? 'no greeting' : `greeting after ${options.greetDelayMs} ms`}, reply ${options.hangoverMs} ms hangover + ${options.delayMs} ms)`,
    start: () => listenNullAgent(options),
  };
}
