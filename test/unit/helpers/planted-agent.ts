/**
 * A small Twilio media-stream agent with no upstream, for proving the Twilio-side checks on
 * planted bugs (REFERENCE-AGENTS §6). It greets with a tone, hears the caller by energy (any frame
 * that is not digital silence: it cannot tell a backchannel from words), clears when the caller
 * speaks over its audio, and answers the end of each utterance with another tone, marking its
 * audio as it goes. Each `bug` switches on one of the faults of the seed agents; without any it
 * conforms. Not a model of timing: it sends each reply at once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import WebSocket, { WebSocketServer } from 'ws';
import { MULAW_SILENCE, encodeMulaw } from '../../../harness/audio/index.ts';

export type PlantedBug =
  /** Bug 3: greets as soon as the socket opens, before `start`, with a null streamSid. */
  | 'greet-on-connect'
  /**
   * Bug 1: one streamSid for the whole process, which the first message of any stream it has not
   * seen overwrites (as another call's start would): after a media of another stream, it answers
   * on that stream's SID.
   */
  | 'latch-new-sid'
  /** A1: closes the stream on a message it cannot read. */
  | 'close-on-unknown'
  /** A2: hangs up on any `stop`, another stream's included. */
  | 'stop-any-stream'
  /** Bug 16: forwards a JSON control frame as audio before its greeting. */
  | 'forward-metadata'
  /** Bug 4: ignores `stop` and goes on sending its reply. */
  | 'talk-after-stop'
  /** C12: clears twice per interruption. */
  | 'double-clear'
  /** Bug 13: one mark name everywhere, and any echo pops an outstanding mark. */
  | 'pop-any-mark'
  /** Bug 7: never clears. */
  | 'no-barge-in'
  /** Bug 18: echoes the webhook's From into a <Parameter> written by hand, unescaped. */
  | 'echo-from-into-twiml-raw'
  /** A7: echoes the webhook's From into a <Parameter>, escaped by the twilio builder, control characters dropped. */
  | 'echo-from-into-twiml';

export interface PlantedAgentOptions {
  bugs?: readonly PlantedBug[];
  /** ms of tone in the greeting and in each reply. */
  greetingMs?: number;
  replyMs?: number;
}

export interface PlantedAgent {
  webhookUrl: string;
  close(): Promise<void>;
}

const FRAME = 160;
/** ms of tone between marks. */
const MARK_EVERY_MS = 200;

function tone(ms: number): Uint8Array {
  const samples = ms * 8;
  return encodeMulaw(Int16Array.from({ length: samples }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 300 * i) / 8000))));
}

const XML_FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export async function startPlantedAgent(options: PlantedAgentOptions = {}): Promise<PlantedAgent> {
  const bugs = new Set(options.bugs ?? []);
  const greetingMs = options.greetingMs ?? 600;
  const replyMs = options.replyMs ?? 4000;
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const streamUrl = `wss://127.0.0.1:${port}/media-stream`;
  const wss = new WebSocketServer({ noServer: true });
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  server.on('request', (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const from = params['From'] ?? '';
      let twiml: string;
      if (bugs.has('echo-from-into-twiml-raw')) {
        twiml = `<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="${streamUrl}"><Parameter name="caller" value="${from}"/></Stream></Connect></Response>`;
      } else {
        const response = new twilio.twiml.VoiceResponse();
        const stream = response.connect().stream({ url: streamUrl });
        if (bugs.has('echo-from-into-twiml')) stream.parameter({ name: 'caller', value: from.replace(XML_FORBIDDEN, '') });
        twiml = response.toString();
      }
      res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml);
    });
  });

  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  });

  function serve(ws: WebSocket): void {
    let streamSid: string | null = null;
    let stopped = false;
    /** Marks sent and not echoed: by name (a Set), or, with pop-any-mark, a count. */
    const pending = new Set<string>();
    let popCount = 0;
    let markSeq = 0;
    let turn = 0;
    /** The turn whose audio is being sent; a clear or a new turn stops older sends. */
    let sending = -1;
    let callerVoiced = false;
    let silentFrames = 0;
    const seen = new Set<string>();

    const send = (message: Record<string, unknown>): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    };
    const speaking = (): boolean => (bugs.has('pop-any-mark') ? popCount > 0 : pending.size > 0);
    const markSent = (): void => {
      const name = bugs.has('pop-any-mark') ? 'responsePart' : `m${++markSeq}`;
      if (bugs.has('pop-any-mark')) popCount++;
      else pending.add(name);
      send({ event: 'mark', streamSid, mark: { name } });
    };
    /** Sends `ms` of tone for turn `n`, a mark after every MARK_EVERY_MS, all at once (faster than real time, as TTS is). */
    const speak = (n: number, ms: number): void => {
      sending = n;
      const audio = tone(ms);
      const per = MARK_EVERY_MS * 8;
      for (let at = 0; at < audio.length; at += per) {
        if (sending !== n || (stopped && !bugs.has('talk-after-stop'))) return;
        send({ event: 'media', streamSid, media: { payload: Buffer.from(audio.subarray(at, at + per)).toString('base64') } });
        markSent();
      }
    };
    const clear = (): void => {
      send({ event: 'clear', streamSid });
      sending = -1;
      pending.clear();
      popCount = 0;
      if (bugs.has('double-clear')) later(50, () => send({ event: 'clear', streamSid }));
    };

    if (bugs.has('greet-on-connect')) speak(0, greetingMs);

    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(String(data)) as Record<string, unknown>;
      } catch {
        if (bugs.has('close-on-unknown')) ws.close(1011, 'bad frame');
        return;
      }
      const sid = typeof message['streamSid'] === 'string' ? message['streamSid'] : null;
      if (bugs.has('latch-new-sid') && sid !== null && !seen.has(sid)) {
        seen.add(sid);
        streamSid = sid;
      }
      switch (message['event']) {
        case 'connected':
          return;
        case 'start':
          streamSid = sid;
          if (bugs.has('forward-metadata')) send({ event: 'media', streamSid, media: { payload: Buffer.from(JSON.stringify({ type: 'Metadata', request_id: 'r', model_name: 'aura', model_version: '1', model_uuid: 'u' })).toString('base64') } });
          if (!bugs.has('greet-on-connect')) speak(0, greetingMs);
          return;
        case 'media': {
          if (sid !== streamSid && !bugs.has('latch-new-sid')) return;
          const payload = Buffer.from(String((message['media'] as { payload?: string } | undefined)?.payload ?? ''), 'base64');
          const voiced = payload.length === FRAME && payload.some((b) => b !== MULAW_SILENCE);
          if (voiced) {
            silentFrames = 0;
            if (!callerVoiced && speaking() && !bugs.has('no-barge-in')) clear();
            callerVoiced = true;
          } else if (callerVoiced && ++silentFrames >= 10) {
            callerVoiced = false;
            const n = ++turn;
            later(100, () => speak(n, replyMs));
          }
          return;
        }
        case 'mark': {
          const name = (message['mark'] as { name?: string } | undefined)?.name ?? '';
          if (bugs.has('pop-any-mark')) popCount = Math.max(0, popCount - 1);
          else pending.delete(name);
          return;
        }
        case 'stop':
          if (sid !== streamSid && !bugs.has('stop-any-stream')) return;
          stopped = true;
          if (bugs.has('talk-after-stop')) {
            const n = ++turn;
            speak(n, 400);
            return;
          }
          ws.close(1000);
          return;
        case 'dtmf':
          return;
        default:
          if (bugs.has('close-on-unknown')) ws.close(1011, 'unknown event');
      }
    });
  }

  return {
    webhookUrl: `http://127.0.0.1:${port}/incoming-call`,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
