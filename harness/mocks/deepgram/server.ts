/**
 * The mock Deepgram host: WS /v1/listen, WS /v1/speak and POST /v1/speak on one 127.0.0.1 port,
 * as the agent reaches them through one DEEPGRAM_API_URL.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { WebSocketServer } from 'ws';
import type { MockContext, MockServer } from '../context.ts';
import { fromNode } from '../transport/http.ts';
import { fromWs } from '../transport/socket.ts';
import { serveSpeakRest } from './speak-rest.ts';
import { admitDeepgramSocket, type DeepgramAdmission } from './sockets.ts';
import { listenOnLoopback } from '../../net/listen.ts';
export type { SocketArgs } from './socket-args.ts';

/** Writes a refused upgrade as Deepgram answers it: HTTP status, dg-error header, JSON body. */
function writeRefusal(socket: Duplex, refusal: Extract<DeepgramAdmission, { ok: false }>, requestId: string): void {
  const { status, message, body } = refusal;
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
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST' && url.pathname === '/v1/speak') {
      const { request, response } = fromNode(req, res);
      serveSpeakRest(ctx, request, response);
      return;
    }
    const requestId = randomUUID();
    res.setHeader('dg-request-id', requestId);
    res.statusCode = 404;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ err_code: 'NOT_FOUND', err_msg: `No route for ${req.method} ${req.url}`, request_id: requestId }));
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client may reset the socket while the refusal is written; that must not bring the mock down.
    socket.on('error', () => {});
    const requestId = randomUUID();
    const admission = admitDeepgramSocket(ctx, new URL(req.url ?? '/', 'http://127.0.0.1'), req.headers, requestId);
    if (!admission.ok) {
      writeRefusal(socket, admission, requestId);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => admission.serve(fromWs(ws)));
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
