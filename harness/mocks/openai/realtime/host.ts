/**
 * Realtime on the mock OpenAI host: routes WebSocket upgrades on /v1/realtime to the session
 * handler, and runs the TLS twin of the host on a second port (same routes, a certificate made at
 * start) for clients that force wss://, as openai-node's OpenAIRealtimeWS does.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { MockContext } from '../../context.ts';
import { listenOnLoopback } from '../../../net/listen.ts';
import { openAIErrors } from '../errors.ts';
import { createMockCertificate } from './tls.ts';
import { createRealtimeWss, handleRealtimeUpgrade, REALTIME_PATHS } from './upgrade.ts';

export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface RealtimeHost {
  onUpgrade: UpgradeListener;
  /** Terminates every open Realtime session. */
  close(): void;
}

export function createRealtimeHost(ctx: MockContext): RealtimeHost {
  const wss = createRealtimeWss();
  return {
    onUpgrade(req, socket, head) {
      // A client may reset the socket while a refusal is written; that must not bring the mock down.
      socket.on('error', () => {});
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (REALTIME_PATHS.has(path)) {
        handleRealtimeUpgrade(wss, ctx, req, socket, head);
        return;
      }
      const { body } = openAIErrors.invalidUrl(req.method ?? 'GET', path);
      ctx.journal.record({ service: 'openai.realtime', connection: ctx.nextId('realtime'), direction: 'event', kind: 'refused', data: { what: 'upgrade', status: 404, code: null, message: body.error.message } });
      const text = JSON.stringify(body);
      socket.end(`HTTP/1.1 404 Not Found\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
    },
    close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}

export interface TlsTwin {
  /** Port of the TLS listener on 127.0.0.1. */
  port: number;
  /** PEM of its self-signed certificate: pass it as `ca` to trust it. */
  ca: string;
  close(): Promise<void>;
}

/** Serves `plain`'s requests and `onUpgrade`'s upgrades over TLS on 127.0.0.1:`port` (0: any free port). */
export async function startTlsTwin(plain: Server, onUpgrade: UpgradeListener, port = 0): Promise<TlsTwin> {
  const { cert, key } = createMockCertificate();
  const server = createHttpsServer({ cert, key }, (req: IncomingMessage, res: ServerResponse) => {
    plain.emit('request', req, res);
  });
  server.on('upgrade', onUpgrade);
  const bound = await listenOnLoopback(server, port);
  return {
    port: bound,
    ca: cert,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
