/**
 * The upstream side of `callbench record`: the agent's DEEPGRAM_API_URL, OPENAI_BASE_URL and
 * Realtime URLs point here, and every request, SSE stream and WebSocket goes on to the services it
 * stands in for (the real ones over TLS, or callbench's mocks: the proxy cannot tell) and back,
 * unchanged, while each request line, header, body, chunk and frame is recorded with its time.
 *
 * Two listeners: one for Deepgram (listen and speak, WebSocket and REST, on one host as the real
 * service has them) and one for OpenAI (chat completions over HTTP with SSE, Realtime over ws://),
 * plus a TLS twin of the OpenAI one (https/wss, with a certificate made at start) for SDK helpers
 * that force wss://. A path the proxy is asked for is the same path on the service.
 *
 * What is recorded is redacted first (redact.ts); Realtime audio (`input_audio_buffer.append`
 * `audio`, audio deltas' `delta`) is recorded as its size, the audio itself being the caller's
 * (caller.wav) or the service's (what the caller heard, agent.wav).
 */
import { createServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { createMockCertificate } from '../mocks/openai/realtime/tls.ts';
import type { UpstreamEnv } from '../mocks/start-mocks.ts';
import { listenOnLoopback } from '../net/listen.ts';
import type { CaptureService } from './capture-format.ts';
import type { Recorder } from './recorder.ts';
import type { Redactor } from './redact.ts';
import { createBridges, forwardedHeaders, requestedProtocols } from './ws-bridge.ts';

/** Bodies up to this size are recorded as text (a chat request); larger ones by their size only. */
const MAX_RECORDED_BODY = 256 * 1024;

export interface UpstreamTargets {
  /** Deepgram's base URL (http(s)): listen, speak. */
  deepgram: string;
  /** OpenAI's base URL with its version path (http(s)://…/v1): chat completions. */
  openai: string;
  /** The Realtime socket (ws(s)://…/v1/realtime); default derived from `openai`. */
  openaiRealtime?: string;
  /** PEM of a certificate to trust for https/wss targets besides the public roots (the mocks' own). */
  ca?: string;
}

export interface UpstreamProxyOptions {
  recorder: Recorder;
  redactor: Redactor;
  targets: UpstreamTargets;
  /** Fixed ports (0 or absent: any): Deepgram, OpenAI, and OpenAI's TLS twin. */
  ports?: { deepgram?: number; openai?: number; openaiTls?: number };
}

export interface UpstreamProxy {
  /** The agent's upstream environment pointed at the proxy, with the keys it was given. */
  env(keys: { DEEPGRAM_API_KEY: string; OPENAI_API_KEY: string }): UpstreamEnv;
  close(): Promise<void>;
}

function deepgramService(method: string, path: string, upgrade: boolean): CaptureService {
  if (upgrade && path.endsWith('/listen')) return 'deepgram.listen';
  if (upgrade && path.endsWith('/speak')) return 'deepgram.speak.ws';
  if (!upgrade && method === 'POST' && path.endsWith('/speak')) return 'deepgram.speak.rest';
  return 'deepgram.other';
}

function openaiService(path: string, upgrade: boolean): CaptureService {
  if (upgrade && path.endsWith('/realtime')) return 'openai.realtime';
  if (!upgrade && path.endsWith('/chat/completions')) return 'openai.chat';
  return 'openai.other';
}

/** Whether a body of this Content-Type is worth keeping as text (JSON, SSE, form, plain text). */
function isText(contentType: string | undefined): boolean {
  return contentType !== undefined && /json|text\/|event-stream|x-www-form-urlencoded/i.test(contentType);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A Realtime event with its audio replaced by its size (the audio is in the WAV files or is the service's to make anew). */
export function withoutAudio(text: string): { text: string; audioBytes?: number } {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    return { text };
  }
  if (!isRecord(event)) return { text };
  const field = event['type'] === 'input_audio_buffer.append' ? 'audio' : /^response\.(output_)?audio\.delta$/.test(String(event['type'])) ? 'delta' : undefined;
  const audio = field === undefined ? undefined : event[field];
  if (field === undefined || typeof audio !== 'string') return { text };
  const audioBytes = Buffer.from(audio, 'base64').length;
  return { text: JSON.stringify({ ...event, [field]: `<${audioBytes} bytes>` }), audioBytes };
}

/** Response headers that belong to one hop. */
const HOP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection']);

export async function startUpstreamProxy(options: UpstreamProxyOptions): Promise<UpstreamProxy> {
  const { recorder, redactor, targets } = options;
  const bridges = createBridges();
  const deepgram = new URL(targets.deepgram);
  const openai = new URL(targets.openai);
  const realtime = new URL(targets.openaiRealtime ?? `${targets.openai.replace(/\/+$/, '')}/realtime`.replace(/^http/, 'ws'));
  const servers: Server[] = [];

  /** Forwards one HTTP request to `origin` + its own path, recording it all. */
  const forward = (req: IncomingMessage, res: ServerResponse, origin: URL, service: CaptureService): void => {
    const conn = recorder.openUpstream(service);
    const target = new URL(req.url ?? '/', origin);
    const parts: Buffer[] = [];
    let size = 0;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      recorder.closeUpstream(conn);
    };
    req.on('data', (part: Buffer) => {
      size += part.length;
      if (size <= MAX_RECORDED_BODY) parts.push(part);
    });
    req.on('end', () => {
      const contentType = req.headers['content-type'];
      const text = isText(contentType) && size <= MAX_RECORDED_BODY ? redactor.text(Buffer.concat(parts).toString('utf8')) : undefined;
      recorder.upstream({ conn, service, kind: 'http_request', method: req.method ?? 'GET', url: redactor.url(target.toString()), headers: redactor.headers(req.headers), ...(text === undefined ? {} : { body: text }), bodyBytes: size });
      const headers: OutgoingHttpHeaders = forwardedHeaders(req);
      headers['host'] = target.host;
      headers['content-length'] = String(size);
      const secure = target.protocol === 'https:';
      const send = secure ? httpsRequest : httpRequest;
      const upstream = send(target, {
        method: req.method ?? 'GET',
        headers,
        ...(secure && targets.ca !== undefined && targets.ca !== '' ? { ca: [targets.ca, ...rootCertificates] } : {}),
      });
      res.on('close', () => {
        if (res.writableFinished) return;
        recorder.upstream({ conn, kind: 'http_abort', from: 'agent', error: 'the agent closed the connection' });
        upstream.destroy();
        finish();
      });
      upstream.on('response', (answer) => {
        const answerHeaders: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_RESPONSE.has(name)) answerHeaders[name] = value;
        recorder.upstream({ conn, kind: 'http_response', status: answer.statusCode ?? 0, headers: redactor.headers(answer.headers) });
        res.writeHead(answer.statusCode ?? 502, answerHeaders);
        res.flushHeaders();
        const text = isText(answer.headers['content-type']);
        answer.on('data', (chunk: Buffer) => {
          recorder.upstream({ conn, kind: 'http_chunk', bytes: chunk.length, ...(text ? { text: redactor.text(chunk.toString('utf8')) } : {}) });
          res.write(chunk);
        });
        answer.on('end', () => {
          recorder.upstream({ conn, kind: 'http_end' });
          res.end();
          finish();
        });
        answer.on('error', (error) => {
          recorder.upstream({ conn, kind: 'http_abort', from: 'upstream', error: error.message });
          res.destroy();
          finish();
        });
      });
      upstream.on('error', (error) => {
        if (finished) return;
        recorder.upstream({ conn, kind: 'http_abort', from: 'upstream', error: error.message });
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`callbench record: ${target.origin} could not be reached: ${error.message}`);
        else res.destroy();
        finish();
      });
      for (const part of parts) upstream.write(part);
      upstream.end();
    });
  };

  /** Bridges one WebSocket upgrade to `origin` + its own path, recording every frame. */
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, origin: URL, service: CaptureService): void => {
    const conn = recorder.openUpstream(service);
    const target = new URL(req.url ?? '/', origin);
    const protocols = requestedProtocols(req);
    recorder.upstream({ conn, service, kind: 'ws_open', url: redactor.url(target.toString()), protocols: redactor.protocols(protocols), headers: redactor.headers(req.headers) });
    bridges.bridge(
      req,
      socket,
      head,
      { url: target, protocols, headers: forwardedHeaders(req), ...(targets.ca === undefined ? {} : { ca: targets.ca }) },
      {
        onOpen: (protocol) => recorder.upstream({ conn, kind: 'ws_accepted', protocol: redactor.protocols(protocol === '' ? [] : [protocol])[0] ?? '' }),
        onRefused: (status, body, error) => recorder.upstream({ conn, kind: 'ws_refused', status, body: redactor.text(body === '' ? error : body) }),
        onFrame: (from, data, isBinary) => {
          const side = from === 'client' ? 'agent' : 'upstream';
          if (isBinary) {
            recorder.upstream({ conn, kind: 'binary', from: side, bytes: data.length });
            return;
          }
          const text = data.toString('utf8');
          const framed = service === 'openai.realtime' ? withoutAudio(text) : { text };
          recorder.upstream({ conn, kind: 'text', from: side, text: redactor.text(framed.text), ...(framed.audioBytes === undefined ? {} : { audioBytes: framed.audioBytes }) });
        },
        onClose: (from, code, reason) => recorder.upstream({ conn, kind: 'ws_close', from: from === 'client' ? 'agent' : 'upstream', code, reason: redactor.text(reason) }),
        onDone: () => recorder.closeUpstream(conn),
      },
    );
  };

  const deepgramServer = createServer((req, res) => forward(req, res, deepgram, deepgramService(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname, false)));
  deepgramServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => upgrade(req, socket, head, wsOrigin(deepgram), deepgramService('GET', new URL(req.url ?? '/', 'http://x').pathname, true)));
  const openaiHandler = (req: IncomingMessage, res: ServerResponse): void => forward(req, res, openai, openaiService(new URL(req.url ?? '/', 'http://x').pathname, false));
  const openaiUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => upgrade(req, socket, head, realtime, openaiService(new URL(req.url ?? '/', 'http://x').pathname, true));
  const openaiServer = createServer(openaiHandler);
  openaiServer.on('upgrade', openaiUpgrade);
  const certificate = createMockCertificate('callbench record proxy');
  const tlsServer = createHttpsServer({ cert: certificate.cert, key: certificate.key }, openaiHandler);
  tlsServer.on('upgrade', openaiUpgrade);
  servers.push(deepgramServer, openaiServer, tlsServer);

  const close = async (): Promise<void> => {
    bridges.close();
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
  };
  let ports: number[];
  try {
    ports = [
      await listenOnLoopback(deepgramServer, options.ports?.deepgram ?? 0),
      await listenOnLoopback(openaiServer, options.ports?.openai ?? 0),
      await listenOnLoopback(tlsServer, options.ports?.openaiTls ?? 0),
    ];
  } catch (error) {
    await close();
    throw error;
  }
  const [dgPort, oaPort, tlsPort] = ports;
  const openaiPath = openai.pathname.replace(/\/+$/, '');
  const realtimePath = realtime.pathname.replace(/\/realtime\/?$/, '');
  return {
    env: (keys) => ({
      DEEPGRAM_API_URL: `http://127.0.0.1:${dgPort}${deepgram.pathname.replace(/\/+$/, '')}`,
      DEEPGRAM_API_KEY: keys.DEEPGRAM_API_KEY,
      OPENAI_BASE_URL: `http://127.0.0.1:${oaPort}${openaiPath}`,
      OPENAI_API_KEY: keys.OPENAI_API_KEY,
      OPENAI_REALTIME_URL: `ws://127.0.0.1:${oaPort}${realtimePath}/realtime`,
      OPENAI_REALTIME_BASE_URL: `https://127.0.0.1:${tlsPort}${realtimePath}`,
      OPENAI_CA_CERT: certificate.cert,
    }),
    close,
  };
}

/** ws(s):// of an http(s) base URL: Deepgram's sockets live on the same host as its REST API. */
function wsOrigin(url: URL): URL {
  const out = new URL(url);
  out.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return out;
}
