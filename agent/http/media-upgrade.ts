/**
 * WebSocket upgrades: only the media-stream path is served, and with an auth token set only with a
 * valid lowercase `x-twilio-signature` over the URL as dialled, with no params: the wss:// URL the
 * TwiML gave plus the request's query string, if any. Twilio signs the full URL, so a signature
 * made for `/media-stream` does not admit `/media-stream?foo=bar`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AgentLogger } from '../logger.ts';
import type { ResolvedAgentOptions } from '../options.ts';
import { MEDIA_STREAM_PATH, mediaStreamUrl, requestPath, requestQuery } from './request-urls.ts';
import { isValidTwilioSignature, signatureHeader } from './twilio-signature.ts';

export type UpgradeVerdict = { ok: true } | { ok: false; status: 400 | 403 | 404; reason: string };

export function judgeUpgrade(request: Pick<IncomingMessage, 'url' | 'headers'>, options: ResolvedAgentOptions): UpgradeVerdict {
  const path = requestPath(request.url);
  if (path !== MEDIA_STREAM_PATH) return { ok: false, status: 404, reason: `no WebSocket endpoint at ${path}` };
  if (options.twilioAuthToken === null) return { ok: true };
  const base = mediaStreamUrl(options.publicUrl, request.headers.host);
  if (base === undefined) return { ok: false, status: 400, reason: 'missing or invalid Host header' };
  const url = `${base}${requestQuery(request.url)}`;
  if (!isValidTwilioSignature(options.twilioAuthToken, signatureHeader(request.headers), url, {})) {
    return { ok: false, status: 403, reason: `invalid or missing x-twilio-signature for ${url}` };
  }
  return { ok: true };
}

const STATUS_TEXT = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' } as const;

/** Answers a refused upgrade with a plain HTTP error and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: 400 | 403 | 404, logger: AgentLogger, reason: string): void {
  logger.warn(null, 'stream.rejected', `WebSocket upgrade refused (${status}): ${reason}`);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
