/** Deepgram authentication as the live service checks it: `Authorization: Token <key>` or the `token` sub-protocol. */
import type { IncomingHttpHeaders } from 'node:http';

export type AuthResult = { ok: true; protocol: string | undefined } | { ok: false; status: number; message: string };

export function checkDeepgramAuth(headers: IncomingHttpHeaders, apiKey: string): AuthResult {
  const header = headers.authorization;
  if (typeof header === 'string') {
    const [scheme, key] = header.split(/\s+/, 2);
    if (scheme?.toLowerCase() === 'token' && key === apiKey) return { ok: true, protocol: undefined };
    if (scheme?.toLowerCase() === 'bearer') return { ok: false, status: 401, message: 'Invalid credentials.' };
  }
  const offered = headers['sec-websocket-protocol'];
  if (typeof offered === 'string') {
    const [scheme, key] = offered.split(',').map((part) => part.trim());
    if (scheme === 'token' && key === apiKey) return { ok: true, protocol: 'token' };
  }
  return { ok: false, status: 401, message: 'Invalid credentials.' };
}
