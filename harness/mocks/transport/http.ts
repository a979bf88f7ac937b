/**
 * The request and response a mock HTTP handler sees (chat completions, Deepgram REST speak). The
 * handlers are written against these, so the same behaviour answers a node:http request on the
 * localhost servers (fromNode) and a fetch Request intercepted by msw (harness/msw/http.ts).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

export type BodyResult = { ok: true; bytes: Buffer } | { ok: false; reason: 'too-large' };

export interface MockRequest {
  readonly method: string;
  /** The full URL (path and query are what the handlers read). */
  readonly url: URL;
  /** Lower-case header names, as node:http gives them. */
  readonly headers: IncomingHttpHeaders;
  /** The whole body, or `too-large` past `maxBytes`; rejects if the client goes away before its end. */
  readBody(maxBytes: number): Promise<BodyResult>;
  /** Drops a body the handler will not read. */
  discardBody(): void;
}

export interface MockResponse {
  readonly headersSent: boolean;
  writeHead(status: number, headers: Record<string, string | number>): void;
  /** Sends the head now, before the first body bytes (an SSE stream's). */
  flushHeaders(): void;
  write(chunk: string | Uint8Array): void;
  end(chunk?: string | Uint8Array): void;
  /** Breaks the response off (a mock bug after the head was sent). */
  destroy(): void;
  /** Once, if the client goes away before the response has ended. */
  onAbort(listener: () => void): void;
}

/** A node:http request and response as a MockRequest and MockResponse. */
export function fromNode(req: IncomingMessage, res: ServerResponse): { request: MockRequest; response: MockResponse } {
  const request: MockRequest = {
    method: req.method ?? 'GET',
    url: new URL(req.url ?? '/', 'http://127.0.0.1'),
    headers: req.headers,
    readBody(maxBytes) {
      return new Promise((resolve, reject) => {
        const parts: Buffer[] = [];
        let size = 0;
        req.on('data', (part: Buffer) => {
          size += part.length;
          if (size <= maxBytes) parts.push(part);
        });
        req.on('end', () => resolve(size > maxBytes ? { ok: false, reason: 'too-large' } : { ok: true, bytes: Buffer.concat(parts) }));
        req.on('close', () => {
          if (!req.complete) reject(new Error('the client closed the request before its end'));
        });
        req.on('error', reject);
      });
    },
    discardBody: () => {
      req.resume();
    },
  };
  const response: MockResponse = {
    get headersSent() {
      return res.headersSent;
    },
    writeHead: (status, headers) => {
      res.writeHead(status, headers);
    },
    flushHeaders: () => res.flushHeaders(),
    write: (chunk) => {
      res.write(chunk);
    },
    end: (chunk) => {
      if (chunk === undefined) res.end();
      else res.end(chunk);
    },
    destroy: () => {
      res.destroy();
    },
    onAbort: (listener) =>
      res.on('close', () => {
        if (!res.writableFinished) listener();
      }),
  };
  return { request, response };
}
