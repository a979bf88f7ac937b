/**
 * The mock Deepgram host: WS /v1/listen, WS /v1/speak and POST /v1/speak on one 127.0.0.1 port,
 * as the agent reaches them through one DEEPGRAM_API_URL.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { tieByHeader, type MockContext, type MockServer } from '../context.ts';
import type { MockService } from '../journal/entries.ts';
import { checkDeepgramAuth } from './auth.ts';
import { handleListenSocket, validateListenParams } from './listen.ts';
import { handleSpeakRest } from './speak-rest.ts';
import { handleSpeakSocket, validateSpeakParams } from './speak-ws.ts';
import { listenOnLoopback } from '../../net/listen.ts';
export type { SocketArgs } from './socket-args.ts';

/** Refuses an upgrade as Deepgram does (HTTP status, dg-error header, JSON body) and journals the refusal. */
function refuseUpgrade(ctx: MockContext, service: MockService, req: IncomingMessage, socket: Duplex, status: number, message: string, requestId: string): void {
  const connection = ctx.nextId(service === 'deepgram.listen' ? 'listen' : 'speak');
  tieByHeader(ctx, service, connection, req.headers);
  ctx.journal.record({ service, connection, direction: 'event', kind: 'refused', data: { what: 'upgrade', status, message } } as const);
  const body = JSON.stringify({ err_code: status === 401 ? 'INVALID_AUTH' : 'Bad Request', err_msg: message, request_id: requestId });
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Bad Request'}\r\n` +
      `content-type: application/json\r\ndg-request-id: ${requestId}\r\ndg-error: ${message}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Listens on 127.0.0.1:`port` (0: any free port). */
export async function startDeepgramMock(ctx: MockContext, port = 0): Promise<MockServer> {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('token') ? 'token' : false) });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST' && url.pathname === '/v1/speak') {
      const args = { ctx, connection: ctx.nextId('speak-rest'), requestId };
      tieByHeader(ctx, 'deepgram.speak.rest', args.connection, req.headers);
      handleSpeakRest(req, res, args).catch((error: unknown) => {
        ctx.journal.record({ service: 'deepgram.speak.rest', connection: args.connection, direction: 'event', kind: 'error', data: { message: String(error) } });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end();
      });
      return;
    }
    res.setHeader('dg-request-id', requestId);
    res.statusCode = 404;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ err_code: 'NOT_FOUND', err_msg: `No route for ${req.method} ${req.url}`, request_id: requestId }));
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client may reset the socket while the refusal is written; that must not bring the mock down.
    socket.on('error', () => {});
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const service: MockService = url.pathname === '/v1/speak' ? 'deepgram.speak.ws' : 'deepgram.listen';
    const auth = checkDeepgramAuth(req, ctx.apiKey);
    if (!auth.ok) {
      refuseUpgrade(ctx, service, req, socket, auth.status, auth.message, requestId);
      return;
    }
    if (url.pathname === '/v1/listen') {
      const problem = validateListenParams(url.searchParams);
      if (problem !== undefined) {
        refuseUpgrade(ctx, service, req, socket, 400, problem, requestId);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const connection = ctx.nextId('listen');
        tieByHeader(ctx, 'deepgram.listen', connection, req.headers);
        handleListenSocket(ws, { ctx, connection, params: url.searchParams, requestId });
      });
      return;
    }
    if (url.pathname === '/v1/speak') {
      const problem = validateSpeakParams(url.searchParams);
      if (problem !== undefined) {
        refuseUpgrade(ctx, service, req, socket, 400, problem, requestId);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const connection = ctx.nextId('speak');
        tieByHeader(ctx, 'deepgram.speak.ws', connection, req.headers);
        handleSpeakSocket(ws, { ctx, connection, params: url.searchParams, requestId });
      });
      return;
    }
    refuseUpgrade(ctx, service, req, socket, 404, `No route for ${url.pathname}`, requestId);
  });

  const bound = await listenOnLoopback(server, port);
  return {
    url: `http://127.0.0.1:${bound}`,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
