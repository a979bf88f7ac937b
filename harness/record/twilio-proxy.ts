/**
 * The Twilio-facing side of `callbench record`: Twilio (or callbench's caller) calls the proxy
 * instead of the agent. The voice webhook is forwarded to the agent with its signature made anew
 * for the agent's URL with the user's auth token (as Twilio signs: HMAC-SHA1 over the URL and the
 * sorted form parameters); the agent's TwiML comes back with each <Stream url> rewritten to point
 * at the proxy, which, when Twilio connects there, dials the agent's own stream URL (signed anew
 * for that URL) and forwards every message both ways unchanged. Everything is recorded for the
 * call (recorder.ts): the webhook, the TwiML as the agent wrote it, and each media-stream message,
 * `media` payloads going to caller.wav, or through the playback model to agent.wav.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { plainOnLoopback } from '../caller/loopback.ts';
import { twilioSignature } from '../caller/twilio-signature.ts';
import { streamSignature } from '../caller/webhook.ts';
import { fetchErrorMessage } from '../net/fetch-error.ts';
import { listenOnLoopback } from '../net/listen.ts';
import type { CallTap, Recorder } from './recorder.ts';
import type { Redactor } from './redact.ts';
import { createBridges } from './ws-bridge.ts';

/** Where the proxy serves the streams it rewrote: /callbench-stream/<id>. */
export const STREAM_PATH = '/callbench-stream/';
/** Twilio gives up on a voice webhook after 15 s. */
const WEBHOOK_TIMEOUT_MS = 15_000;
const MAX_BODY_BYTES = 1024 * 1024;

export interface TwilioProxyOptions {
  recorder: Recorder;
  redactor: Redactor;
  /** The agent's voice webhook; other paths posted to the proxy go to the same host. */
  agentWebhookUrl: string;
  /** The Twilio auth token: the agent checks signatures with it, so the proxy signs with it. */
  authToken: string;
  /** How Twilio reaches the proxy (a tunnel's https URL); default its own loopback address. */
  publicUrl?: string;
  port?: number;
}

export interface TwilioProxy {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** The URL to give Twilio (or callbench's caller) as the voice webhook: the public base and the agent's webhook path. */
  readonly webhookUrl: string;
  close(): Promise<void>;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXml(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

const encodeXml = (value: string): string => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * `twiml` with the url attribute of every <Stream> replaced by `rewrite(original)`; the originals
 * are returned in document order. Everything else of the document is left byte for byte.
 */
export function rewriteStreamUrls(twiml: string, rewrite: (url: string) => string): { twiml: string; urls: string[] } {
  const urls: string[] = [];
  const out = twiml.replace(/(<Stream\b[^>]*?\burl\s*=\s*)(["'])([^"']*)\2/g, (_whole, before: string, _quote: string, value: string) => {
    const original = decodeXml(value);
    urls.push(original);
    return `${before}"${encodeXml(rewrite(original))}"`;
  });
  return { twiml: out, urls };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (part: Buffer) => {
      size += part.length;
      if (size <= MAX_BODY_BYTES) parts.push(part);
    });
    req.on('end', () => (size > MAX_BODY_BYTES ? reject(new Error('body over 1 MB')) : resolve(Buffer.concat(parts))));
    req.on('error', reject);
  });
}

/**
 * Checked with the harness's own signer (node:crypto), not the `twilio` package: that is an optional
 * peer of the reference agent, and `callbench record` in front of a team's own agent must not need it.
 */
function sameSignature(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function startTwilioProxy(options: TwilioProxyOptions): Promise<TwilioProxy> {
  const { recorder, redactor, authToken } = options;
  redactor.remember(authToken);
  const agent = new URL(options.agentWebhookUrl);
  const bridges = createBridges();
  /** Stream id → the agent's stream URL as its TwiML wrote it, and the call it belongs to. */
  const streams = new Map<string, { url: string; tap: CallTap }>();
  let nextStream = 0;
  let base = '';

  const publicBase = (): URL => new URL(options.publicUrl ?? base);

  const onWebhook = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req).catch(() => undefined);
    if (raw === undefined) {
      res.writeHead(413, { 'content-type': 'text/plain' }).end('callbench record: webhook body over 1 MB');
      return;
    }
    const path = req.url ?? '/';
    const form = new URLSearchParams(raw.toString('utf8'));
    const params: Record<string, string> = {};
    for (const [name, value] of form) params[name] = value;
    const given = req.headers['x-twilio-signature'];
    const publicUrl = new URL(path, publicBase()).toString();
    const signature =
      typeof given !== 'string' ? 'missing' : sameSignature(given, twilioSignature(authToken, publicUrl, params)) ? 'valid' : 'invalid';
    const callSid = params['CallSid'] ?? `CA-unknown-${Date.now()}`;
    const tap = recorder.beginCall(callSid, new URL(path, 'http://x').pathname);
    tap.twilio({ kind: 'webhook', path: redactor.url(path), params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, redactor.text(v)])), signature });

    const target = new URL(path, agent.origin);
    // The path Twilio was given is the agent's own, so the agent's webhook URL is the proxy's with the agent's origin.
    const headers: Record<string, string> = {
      'content-type': String(req.headers['content-type'] ?? 'application/x-www-form-urlencoded'),
      'x-twilio-signature': twilioSignature(authToken, target.toString(), params),
    };
    for (const name of ['user-agent', 'i-twilio-idempotency-token', 'accept']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    let status: number;
    let contentType: string | null;
    let body: string;
    try {
      const answer = await fetch(target, { method: 'POST', headers, body: raw, signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
      status = answer.status;
      contentType = answer.headers.get('content-type');
      body = await answer.text();
    } catch (error) {
      const message = `callbench record: the agent's webhook ${target.origin}${target.pathname} failed: ${fetchErrorMessage(error)}`;
      tap.twilio({ kind: 'webhook_answer', status: 502, contentType: 'text/plain', body: message });
      tap.end();
      res.writeHead(502, { 'content-type': 'text/plain' }).end(message);
      return;
    }
    tap.twilio({ kind: 'webhook_answer', status, contentType, body: redactor.text(body) });
    const { twiml, urls } = rewriteStreamUrls(body, (url) => {
      const id = String(++nextStream);
      streams.set(id, { url, tap });
      const proxied = publicBase();
      // Twilio dials wss://; a loopback proxy keeps the scheme the agent wrote (callbench's caller dials loopback in plain ws).
      const secure = options.publicUrl === undefined ? url.startsWith('wss:') : proxied.protocol === 'https:';
      return `${secure ? 'wss' : 'ws'}://${proxied.host}${STREAM_PATH}${id}`;
    });
    const first = urls[0];
    if (first !== undefined) tap.streamUrl(redactor.url(first));
    else tap.end();
    res.writeHead(status, contentType === null ? {} : { 'content-type': contentType }).end(twiml);
  };

  const onStream = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => undefined);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const stream = path.startsWith(STREAM_PATH) ? streams.get(path.slice(STREAM_PATH.length)) : undefined;
    if (stream === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    streams.delete(path.slice(STREAM_PATH.length));
    const { tap, url } = stream;
    const shown = redactor.url(url);
    bridges.bridge(
      req,
      socket,
      head,
      { url: plainOnLoopback(new URL(url), true), protocols: [], headers: { 'x-twilio-signature': streamSignature(authToken, url) } },
      {
        onOpen: () => tap.twilio({ kind: 'stream_open', url: shown }),
        onRefused: (status, _body, error) => {
          tap.twilio({ kind: 'stream_refused', url: shown, status, error });
          tap.end();
        },
        onFrame: (from, data, isBinary) => record(tap, from === 'client' ? 'twilio' : 'agent', data, isBinary),
        onClose: (from, code) => {
          tap.twilio({ kind: 'close', from: from === 'client' ? 'twilio' : 'agent', code });
          tap.end();
        },
      },
    );
  };

  const record = (tap: CallTap, from: 'twilio' | 'agent', data: Buffer, isBinary: boolean): void => {
    let message: unknown;
    if (!isBinary) {
      try {
        message = JSON.parse(data.toString('utf8'));
      } catch {
        message = undefined;
      }
    }
    const event = isRecord(message) && typeof message['event'] === 'string' ? message['event'] : undefined;
    if (!isRecord(message) || event === undefined) {
      tap.twilio({ kind: 'frame', from, binary: isBinary, bytes: data.length, ...(isBinary ? {} : { text: redactor.text(data.toString('utf8').slice(0, 2000)) }) });
      return;
    }
    const media = isRecord(message['media']) ? message['media'] : undefined;
    if (event === 'media' && typeof media?.['payload'] === 'string') {
      const audio = Buffer.from(media['payload'], 'base64');
      if (from === 'twilio') tap.twilio({ kind: 'caller_media', bytes: audio.length, audioMs: tap.callerAudio(audio) });
      else tap.twilio({ kind: 'agent_media', bytes: audio.length, ...tap.agentAudio(audio) });
      return;
    }
    let at: number | undefined;
    if (from === 'twilio' && event === 'start') {
      const start = isRecord(message['start']) ? message['start'] : {};
      const sid = typeof start['streamSid'] === 'string' ? start['streamSid'] : typeof message['streamSid'] === 'string' ? message['streamSid'] : null;
      at = tap.started(sid);
    }
    if (from === 'agent' && event === 'clear') tap.clear();
    tap.twilio({ kind: 'message', from, event, message: JSON.parse(redactor.text(JSON.stringify(message))) as unknown }, at);
  };

  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST') {
      req.resume();
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'POST' }).end('callbench record: the voice webhook is a POST');
      return;
    }
    onWebhook(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`callbench record: ${String(error)}`);
    });
  });
  server.on('upgrade', onStream);
  const port = await listenOnLoopback(server, options.port ?? 0);
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    webhookUrl: new URL(`${agent.pathname}${agent.search}`, publicBase()).toString(),
    async close() {
      bridges.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
