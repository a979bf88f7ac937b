/**
 * One WebSocket through a capture proxy: the client's upgrade is held while the proxy dials the
 * target with the same subprotocols and headers; the target's answer decides the client's (a
 * refusal is relayed with its status and body, an accept completes the client's upgrade with the
 * subprotocol the target chose). Then every frame goes on unchanged, text as text and binary as
 * binary, in order, and a close on either side closes the other with the same code. The bridge
 * only reports what passes; the proxies decide what to record.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { rootCertificates } from 'node:tls';
import WebSocket, { WebSocketServer, type RawData } from 'ws';
import { rawDataToBuffer } from '../net/raw-data.ts';

export type Side = 'client' | 'target';

export interface BridgeEvents {
  /** Both sides are open. */
  onOpen?(protocol: string): void;
  /** The target refused (status 0: it could not be reached). The client has been answered the same. */
  onRefused?(status: number, body: string, error: string): void;
  /** A frame from `from`, before it is forwarded. */
  onFrame?(from: Side, data: Buffer, isBinary: boolean): void;
  /** `from` closed (1006: the connection was lost); the other side is being closed with the same code. */
  onClose?(from: Side, code: number, reason: string): void;
  /** Both sides are closed: nothing more will be reported. */
  onDone?(): void;
}

export interface BridgeTarget {
  url: URL;
  protocols: string[];
  headers: OutgoingHttpHeaders;
  /** Extra certificates to trust for a wss:// target (the mocks' self-signed one), besides the public roots. */
  ca?: string;
}

/** Request headers that belong to one hop (the proxy's own upgrade makes its own). */
const HOP_HEADERS = new Set(['host', 'connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol', 'content-length', 'transfer-encoding', 'keep-alive', 'proxy-connection']);

/** The client's headers worth passing on to the target (credentials included: the target needs them). */
export function forwardedHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_HEADERS.has(name)) out[name] = value;
  return out;
}

/** The subprotocols the client asked for. */
export function requestedProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  return typeof header === 'string' ? header.split(',').map((p) => p.trim()).filter((p) => p !== '') : [];
}

const STATUS_TEXT: Readonly<Record<number, string>> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway' };

function refuse(socket: Duplex, status: number, body: string, contentType: string): void {
  if (socket.destroyed) return;
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\ncontent-type: ${contentType}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** Closes `ws` as its peer closed: codes a close frame cannot carry (1005 no code, 1006 lost) become a bare close or a drop. */
function closeLike(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === WebSocket.CLOSED || ws.readyState === WebSocket.CLOSING) return;
  if (code === 1006 || ws.readyState === WebSocket.CONNECTING) ws.terminate();
  else if (code === 1005 || code < 1000 || code === 1015 || (code > 1015 && code < 3000)) ws.close();
  else ws.close(code, Buffer.from(reason).subarray(0, 123).toString());
}

export interface Bridges {
  /** Bridges one held upgrade to `target`. */
  bridge(req: IncomingMessage, socket: Duplex, head: Buffer, target: BridgeTarget, events: BridgeEvents): void;
  /** Drops every open bridge. */
  close(): void;
}

export function createBridges(): Bridges {
  const chosen = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (_offered, req) => chosen.get(req) ?? false,
  });
  const open = new Set<WebSocket>();
  return {
    bridge(req, socket, head, target, events) {
      socket.on('error', () => undefined);
      const upstream = new WebSocket(target.url, target.protocols, {
        headers: target.headers,
        perMessageDeflate: false,
        ...(target.ca === undefined || target.ca === '' ? {} : { ca: [target.ca, ...rootCertificates] }),
      });
      open.add(upstream);
      /** Frames of the target that came with its accept, before the client's side is up. */
      const early: Array<{ data: RawData; isBinary: boolean }> = [];
      let client: WebSocket | undefined;
      let closed = 0;
      const done = (): void => {
        if (++closed === 2) events.onDone?.();
      };
      const toClient = (data: RawData, isBinary: boolean): void => {
        const bytes = rawDataToBuffer(data);
        events.onFrame?.('target', bytes, isBinary);
        if (client?.readyState === WebSocket.OPEN) client.send(bytes, { binary: isBinary });
      };
      upstream.on('message', (data: RawData, isBinary: boolean) => {
        if (client === undefined) early.push({ data, isBinary });
        else toClient(data, isBinary);
      });
      upstream.once('unexpected-response', (_request, response) => {
        const parts: Buffer[] = [];
        response.on('data', (part: Buffer) => parts.push(part));
        response.on('end', () => {
          const body = Buffer.concat(parts).toString('utf8');
          const status = response.statusCode ?? 502;
          events.onRefused?.(status, body, `HTTP ${status}`);
          refuse(socket, status, body, String(response.headers['content-type'] ?? 'text/plain'));
          open.delete(upstream);
          events.onDone?.();
        });
        response.on('error', () => undefined);
      });
      upstream.once('error', (error) => {
        if (client !== undefined) return;
        events.onRefused?.(0, '', error.message);
        refuse(socket, 502, `callbench record: the target ${target.url.origin} could not be reached: ${error.message}`, 'text/plain');
        open.delete(upstream);
        events.onDone?.();
      });
      upstream.once('open', () => {
        chosen.set(req, upstream.protocol);
        wss.handleUpgrade(req, socket, head, (ws) => {
          client = ws;
          open.add(ws);
          events.onOpen?.(upstream.protocol);
          for (const frame of early.splice(0)) toClient(frame.data, frame.isBinary);
          ws.on('message', (data: RawData, isBinary: boolean) => {
            const bytes = rawDataToBuffer(data);
            events.onFrame?.('client', bytes, isBinary);
            if (upstream.readyState === WebSocket.OPEN) upstream.send(bytes, { binary: isBinary });
          });
          ws.on('close', (code: number, reason: Buffer) => {
            open.delete(ws);
            events.onClose?.('client', code, reason.toString('utf8'));
            closeLike(upstream, code, reason.toString('utf8'));
            done();
          });
          ws.on('error', () => undefined);
          if (upstream.readyState !== WebSocket.OPEN) closeLike(ws, 1006, '');
        });
        upstream.on('close', (code: number, reason: Buffer) => {
          open.delete(upstream);
          events.onClose?.('target', code, reason.toString('utf8'));
          if (client !== undefined) closeLike(client, code, reason.toString('utf8'));
          done();
        });
        upstream.on('error', () => undefined);
      });
    },
    close() {
      for (const ws of open) ws.terminate();
      open.clear();
      wss.close();
    },
  };
}
