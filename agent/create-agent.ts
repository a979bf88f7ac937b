/**
 * The reference agent's server: `POST /incoming-call` answers Twilio with TwiML, `/media-stream`
 * accepts the media-stream WebSocket, and each socket gets its own call session. Nothing happens
 * until `listen()`; `close()` ends every call and closes every upstream.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { createCallSession, type CallSession } from './call/call-session.ts';
import type { TwilioSocket } from './call/twilio-out.ts';
import { handleIncomingCall, sendText } from './http/incoming-call.ts';
import { judgeUpgrade, refuseUpgrade } from './http/media-upgrade.ts';
import { INCOMING_CALL_PATH, requestPath } from './http/request-urls.ts';
import { createAgentLogger, describeError } from './logger.ts';
import { resolveAgentOptions, type AgentOptions } from './options.ts';

export interface AgentServer {
  /** Starts serving; resolves with the http base URL, e.g. http://127.0.0.1:41234 */
  listen(port?: number, host?: string): Promise<{ url: string }>;
  /** Ends every call (upstreams closed, timers cleared) and stops serving. Idempotent. */
  close(): Promise<void>;
}

/** Bounds of the HTTP server's sweep for requests over their headers or request timeout. */
const SWEEP_MIN_MS = 25;
const SWEEP_MAX_MS = 1000;

/** Twilio's messages are small (a 20 ms media frame is ~300 bytes of JSON). */
const MAX_TWILIO_MESSAGE_BYTES = 1024 * 1024;

function frameText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function baseUrl(host: string, port: number): string {
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

function twilioSocketOf(ws: WebSocket): TwilioSocket {
  return {
    send: (text) => ws.send(text),
    close: (code, reason) => ws.close(code, reason),
    get isOpen() {
      return ws.readyState === WebSocket.OPEN;
    },
  };
}

export function createAgent(options: AgentOptions): AgentServer {
  const resolved = resolveAgentOptions(options);
  const logger = createAgentLogger(resolved.log, resolved.clock);
  const sessions = new Set<CallSession>();
  let server: Server | undefined;
  let sockets: WebSocketServer | undefined;
  let closing: Promise<void> | undefined;

  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    if (requestPath(request.url) !== INCOMING_CALL_PATH) {
      sendText(response, 404, 'Not Found\n');
      return;
    }
    handleIncomingCall(request, response, resolved, logger).catch((error: unknown) => {
      logger.error(null, 'internal', `/incoming-call failed: ${describeError(error)}`);
      sendText(response, 500, 'Internal Server Error\n');
    });
  };

  const startSession = (ws: WebSocket): void => {
    const session = createCallSession({
      socket: twilioSocketOf(ws),
      options: resolved,
      logger,
      onEnded: () => sessions.delete(session),
    });
    sessions.add(session);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      try {
        if (isBinary) session.receiveBinary();
        else session.receiveText(frameText(data));
      } catch (error) {
        // The session catches its own failures; this is the last line: end this call, no other.
        logger.error(null, 'internal', `handling a Twilio frame failed: ${describeError(error)}; hanging up this call`);
        void session.end('agent_error');
      }
    });
    ws.on('close', () => session.socketClosed());
    ws.on('error', (error) => logger.warn(null, 'twilio.socket_error', error.message));
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    if (closing !== undefined || sockets === undefined) {
      socket.destroy();
      return;
    }
    const verdict = judgeUpgrade(request, resolved);
    if (!verdict.ok) {
      refuseUpgrade(socket, verdict.status, logger, verdict.reason);
      return;
    }
    sockets.handleUpgrade(request, socket, head, startSession);
  };

  return {
    async listen(port = 0, host = '127.0.0.1') {
      if (closing !== undefined) throw new Error('the agent is closed');
      if (server !== undefined) throw new Error('the agent is already listening');
      const { httpHeadersTimeoutMs, httpRequestTimeoutMs } = resolved.tuning;
      // Node only enforces these on its connection sweep (every 30 s by default): sweep often
      // enough that a request held open by a slow client is dropped close to its bound.
      const bounds = [httpHeadersTimeoutMs, httpRequestTimeoutMs].filter((ms) => ms > 0);
      const http = createServer(
        {
          headersTimeout: httpHeadersTimeoutMs,
          requestTimeout: httpRequestTimeoutMs,
          connectionsCheckingInterval: Math.max(SWEEP_MIN_MS, Math.min(SWEEP_MAX_MS, ...bounds.map((ms) => ms / 4))),
        },
        onRequest,
      );
      server = http;
      sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_TWILIO_MESSAGE_BYTES });
      http.on('upgrade', onUpgrade);
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => {
          http.off('error', reject);
          resolve();
        });
      });
      const address = http.address();
      if (address === null || typeof address === 'string') throw new Error(`unexpected server address ${String(address)}`);
      const url = baseUrl(host, address.port);
      logger.emit({ type: 'agent.listening', url, signatureValidation: resolved.twilioAuthToken !== null, callHeader: resolved.callHeader });
      return { url };
    },
    close() {
      if (closing !== undefined) return closing;
      closing = (async () => {
        await Promise.all([...sessions].map((session) => session.end('agent_closed')));
        for (const client of sockets?.clients ?? []) client.terminate();
        sockets?.close();
        const http = server;
        if (http !== undefined && http.listening) {
          const closed = new Promise<void>((resolve) => http.close(() => resolve()));
          http.closeAllConnections();
          await closed;
        }
        if (server !== undefined) logger.emit({ type: 'agent.closed' });
      })();
      return closing;
    },
  };
}
