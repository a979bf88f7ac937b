/**
 * The mock OpenAI host on 127.0.0.1: POST /v1/chat/completions (and /chat/completions, for base
 * URLs without /v1). Its `url` is the SDK base URL, http://127.0.0.1:PORT/v1. WebSocket upgrades on
 * /v1/realtime reach the Realtime mock, over ws:// here and over wss:// on the TLS twin (`tls`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { MockContext, MockServer } from '../context.ts';
import { serveChatCompletion } from './chat.ts';
import { fromNode } from '../transport/http.ts';
import { openAIErrors, sendError } from './errors.ts';
import { createRealtimeHost, startTlsTwin } from './realtime/host.ts';
import { listenOnLoopback } from '../../net/listen.ts';

const CHAT_PATHS = new Set(['/v1/chat/completions', '/chat/completions']);

export interface OpenAIMockServer extends MockServer {
  /** ws://127.0.0.1:PORT/v1/realtime, for raw WebSocket clients (append ?model=…). */
  readonly realtimeUrl: string;
  /**
   * The same host over TLS on a second port, with a self-signed certificate made at start.
   * openai-node's OpenAIRealtimeWS dials wss:// on its baseURL's port, so give it `tls.url` as
   * baseURL and `{ ca: tls.ca }` as ws options.
   */
  readonly tls: { readonly url: string; readonly realtimeUrl: string; readonly ca: string };
}

/** Listens on 127.0.0.1:`port`, and its TLS twin on 127.0.0.1:`tlsPort` (0: any free port). */
export async function startOpenAIMock(ctx: MockContext, port = 0, tlsPort = 0): Promise<OpenAIMockServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method === 'POST' && CHAT_PATHS.has(path)) {
      const { request, response } = fromNode(req, res);
      serveChatCompletion(ctx, request, response);
      return;
    }
    req.resume();
    sendError(fromNode(req, res).response, openAIErrors.invalidUrl(req.method ?? 'GET', path), `req_${randomBytes(16).toString('hex')}`);
  });
  const realtime = createRealtimeHost(ctx);
  server.on('upgrade', realtime.onUpgrade);
  const bound = await listenOnLoopback(server, port);
  const tls = await startTlsTwin(server, realtime.onUpgrade, tlsPort).catch(async (error: unknown) => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  });
  return {
    url: `http://127.0.0.1:${bound}/v1`,
    realtimeUrl: `ws://127.0.0.1:${bound}/v1/realtime`,
    tls: { url: `https://127.0.0.1:${tls.port}/v1`, realtimeUrl: `wss://127.0.0.1:${tls.port}/v1/realtime`, ca: tls.ca },
    async close() {
      realtime.close();
      await tls.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
