/**
 * The WebSocket upgrade on GET /v1/realtime, checked as the live service does: the key from
 * `Authorization: Bearer` or the browser sub-protocol `openai-insecure-api-key.<key>` (a bad
 * one gets HTTP 401 with the OpenAI error body, no upgrade); the sub-protocol `realtime` echoed;
 * the beta shape (`OpenAI-Beta: realtime=v1` or `openai-beta.realtime-v1`) accepted, answered
 * with `beta_api_shape_disabled` and closed 4000.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { tieByHeader, type MockContext } from '../../context.ts';
import { openAIErrors, type OpenAIError } from '../errors.ts';
import { createSender, handleRealtimeSocket, realtimeJournal } from './connection.ts';
import { realtimeErrors } from './errors.ts';
import { fromWs, type MockSocket } from '../../transport/socket.ts';

export const REALTIME_PATHS: ReadonlySet<string> = new Set(['/v1/realtime', '/realtime']);
/** Close code the live service uses after refusing the beta shape. */
export const BETA_CLOSE_CODE = 4000;
export const DEFAULT_REALTIME_MODEL = 'gpt-realtime';

const KEY_PROTOCOL = 'openai-insecure-api-key.';
const BETA_PROTOCOL = 'openai-beta.realtime-v1';

function offeredProtocols(headers: IncomingHttpHeaders): string[] {
  const header = headers['sec-websocket-protocol'];
  return typeof header === 'string' ? header.split(',').map((p) => p.trim()).filter((p) => p.length > 0) : [];
}

function keyOf(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (typeof header === 'string' && /^bearer\s+/i.test(header)) return header.replace(/^bearer\s+/i, '').trim();
  const fromProtocol = offeredProtocols(headers).find((p) => p.startsWith(KEY_PROTOCOL));
  return fromProtocol?.slice(KEY_PROTOCOL.length);
}

function isBeta(headers: IncomingHttpHeaders): boolean {
  const header = headers['openai-beta'];
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  return values.some((v) => /(^|,)\s*realtime=v1\s*(,|$)/.test(v)) || offeredProtocols(headers).includes(BETA_PROTOCOL);
}

function refuse(socket: Duplex, err: OpenAIError): void {
  const body = JSON.stringify(err.body);
  const reason = err.status === 401 ? 'Unauthorized' : err.status === 404 ? 'Not Found' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${err.status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\nx-request-id: req_${randomBytes(16).toString('hex')}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** The WebSocket server (no listener of its own) that realtime upgrades are handed to; it echoes `realtime`. */
export function createRealtimeWss(): WebSocketServer {
  return new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('realtime') ? 'realtime' : false) });
}

export type RealtimeAdmission = { ok: true; serve(socket: MockSocket): void } | { ok: false; error: OpenAIError };

/**
 * Decides an upgrade on a REALTIME_PATHS path with `headers`, on any transport (the localhost
 * servers', msw's): a refusal is journalled here, an admitted connection when it is served (the
 * beta shape is admitted, answered with its error and closed, as the live service does).
 */
export function admitRealtime(ctx: MockContext, url: URL, headers: IncomingHttpHeaders): RealtimeAdmission {
  const key = keyOf(headers);
  if (key !== ctx.apiKey) {
    const connection = ctx.nextId('realtime');
    tieByHeader(ctx, 'openai.realtime', connection, headers);
    const err = key === undefined || key === '' ? openAIErrors.missingKey() : openAIErrors.invalidKey(key);
    ctx.journal.record({ service: 'openai.realtime', connection, direction: 'event', kind: 'refused', data: { what: 'upgrade', status: err.status, code: err.body.error.code, message: err.body.error.message } });
    return { ok: false, error: err };
  }
  const model = url.searchParams.get('model') ?? DEFAULT_REALTIME_MODEL;
  const beta = isBeta(headers);
  return {
    ok: true,
    serve(socket) {
      const query = [...url.searchParams.keys()].filter((name) => name !== 'model');
      const args = { ctx, connection: ctx.nextId('realtime'), model, query };
      tieByHeader(ctx, 'openai.realtime', args.connection, headers);
      if (!beta) {
        handleRealtimeSocket(socket, args);
        return;
      }
      const journal = realtimeJournal(args);
      journal({ direction: 'event', kind: 'open', data: { model, beta: true, query } });
      socket.onClose((code) => journal({ direction: 'event', kind: 'close', data: { code } }));
      createSender(socket, journal, () => 48)({ type: 'error', error: { ...realtimeErrors.betaShapeDisabled(), event_id: null } });
      journal({ direction: 'event', kind: 'refused', data: { what: 'close', code: BETA_CLOSE_CODE, message: 'the beta Realtime shape is refused (OpenAI-Beta: realtime=v1)' } });
      socket.close(BETA_CLOSE_CODE);
    },
  };
}

/** Handles an upgrade request whose path is in REALTIME_PATHS. */
export function handleRealtimeUpgrade(wss: WebSocketServer, ctx: MockContext, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  // A client may reset the socket while the refusal is written; that must not bring the mock down.
  socket.on('error', () => {});
  const admission = admitRealtime(ctx, new URL(req.url ?? '/', 'http://127.0.0.1'), req.headers);
  if (!admission.ok) {
    refuse(socket, admission.error);
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => admission.serve(fromWs(ws)));
}
