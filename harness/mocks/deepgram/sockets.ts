/**
 * Deepgram's WebSocket routes (/v1/listen, /v1/speak) apart from any transport: whether an
 * upgrade is admitted (its key, its query), the refusal the service would answer, and serving an
 * admitted connection on a MockSocket. The localhost server (./server.ts) and the msw handlers
 * (harness/msw/) both call this, so both refuse and serve alike.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { tieByHeader, type MockContext } from '../context.ts';
import type { MockService } from '../journal/entries.ts';
import type { MockSocket } from '../transport/socket.ts';
import { checkDeepgramAuth } from './auth.ts';
import { handleListenSocket, validateListenParams } from './listen.ts';
import { handleSpeakSocket, validateSpeakParams } from './speak-ws.ts';

export type DeepgramSocketService = Extract<MockService, 'deepgram.listen' | 'deepgram.speak.ws'>;

export type DeepgramAdmission =
  | { ok: true; service: DeepgramSocketService; serve(socket: MockSocket): void }
  /** Refused (and journalled): `body` is the JSON error the service answers with `status`. */
  | { ok: false; service: DeepgramSocketService; status: number; message: string; body: string };

/** Decides an upgrade to `url` with `headers`; a refusal is journalled here, an admitted connection when it is served. */
export function admitDeepgramSocket(ctx: MockContext, url: URL, headers: IncomingHttpHeaders, requestId: string): DeepgramAdmission {
  const service: DeepgramSocketService = url.pathname === '/v1/speak' ? 'deepgram.speak.ws' : 'deepgram.listen';
  const refuse = (status: number, message: string): DeepgramAdmission => {
    const connection = ctx.nextId(service === 'deepgram.listen' ? 'listen' : 'speak');
    tieByHeader(ctx, service, connection, headers);
    ctx.journal.record({ service, connection, direction: 'event', kind: 'refused', data: { what: 'upgrade', status, message } } as const);
    const body = JSON.stringify({ err_code: status === 401 ? 'INVALID_AUTH' : 'Bad Request', err_msg: message, request_id: requestId });
    return { ok: false, service, status, message, body };
  };
  const auth = checkDeepgramAuth(headers, ctx.apiKey);
  if (!auth.ok) return refuse(auth.status, auth.message);
  if (url.pathname === '/v1/listen') {
    const problem = validateListenParams(url.searchParams);
    if (problem !== undefined) return refuse(400, problem);
    return {
      ok: true,
      service,
      serve(socket) {
        const connection = ctx.nextId('listen');
        tieByHeader(ctx, 'deepgram.listen', connection, headers);
        handleListenSocket(socket, { ctx, connection, params: url.searchParams, requestId });
      },
    };
  }
  if (url.pathname === '/v1/speak') {
    const problem = validateSpeakParams(url.searchParams);
    if (problem !== undefined) return refuse(400, problem);
    return {
      ok: true,
      service,
      serve(socket) {
        const connection = ctx.nextId('speak');
        tieByHeader(ctx, 'deepgram.speak.ws', connection, headers);
        handleSpeakSocket(socket, { ctx, connection, params: url.searchParams, requestId });
      },
    };
  }
  return refuse(404, `No route for ${url.pathname}`);
}
