/**
 * A fetch Request (what an msw `http` resolver is given) as the MockRequest and MockResponse the
 * mock handlers answer (harness/mocks/transport/http.ts), and the Response the resolver returns:
 * it resolves when the handler writes its head, its body streams what the handler writes after,
 * so an SSE stream or chunked speech arrives over time as it does from the localhost servers.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { MockRequest, MockResponse } from '../mocks/transport/http.ts';

export interface FetchExchange {
  request: MockRequest;
  response: MockResponse;
  /** What the msw resolver returns. */
  answer: Promise<Response>;
  /** Settles when the response has ended, been broken off, or the client went away. */
  done: Promise<void>;
  /** Breaks the response off as if the client went away (the mocks are closing). */
  cancel(): void;
}

function headersOf(request: Request): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  request.headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  return out;
}

export function fromFetch(fetchRequest: Request): FetchExchange {
  let resolveAnswer: (response: Response) => void = () => {};
  const answer = new Promise<Response>((resolve) => {
    resolveAnswer = resolve;
  });
  const encoder = new TextEncoder();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    // The client stopped reading (an aborted stream, a cancelled body): the handler stops producing.
    cancel() {
      abort();
    },
  });
  let headersSent = false;
  let ended = false;
  const abortListeners: Array<() => void> = [];
  let settle: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const finish = (): void => {
    ended = true;
    settle();
  };
  const abort = (): void => {
    if (ended) return;
    finish();
    for (const listener of abortListeners.splice(0)) listener();
  };
  fetchRequest.signal.addEventListener('abort', abort, { once: true });

  const request: MockRequest = {
    method: fetchRequest.method,
    url: new URL(fetchRequest.url),
    headers: headersOf(fetchRequest),
    async readBody(maxBytes) {
      const bytes = Buffer.from(await fetchRequest.arrayBuffer());
      return bytes.length > maxBytes ? { ok: false, reason: 'too-large' } : { ok: true, bytes };
    },
    discardBody() {},
  };
  const response: MockResponse = {
    get headersSent() {
      return headersSent;
    },
    writeHead(status, headers) {
      if (headersSent) return;
      headersSent = true;
      const head = new Headers();
      for (const [name, value] of Object.entries(headers)) head.set(name, String(value));
      resolveAnswer(new Response(body, { status, headers: head }));
    },
    flushHeaders() {},
    write(chunk) {
      if (!headersSent) response.writeHead(200, {});
      if (ended) return;
      controller?.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
    },
    end(chunk) {
      if (chunk !== undefined) response.write(chunk);
      if (!headersSent) response.writeHead(200, {});
      if (ended) return;
      finish();
      controller?.close();
    },
    destroy() {
      if (!headersSent) {
        // Nothing was answered: the client sees a network error, as when a server drops the connection.
        headersSent = true;
        resolveAnswer(Response.error());
      } else if (!ended) {
        controller?.error(new Error('callbench mock: the response was broken off'));
      }
      finish();
    },
    onAbort(listener) {
      abortListeners.push(listener);
    },
  };
  const cancel = (): void => {
    if (ended) return;
    abort();
    if (!headersSent) {
      headersSent = true;
      resolveAnswer(Response.error());
    } else {
      controller?.error(new Error('callbench mock: the mocks were closed'));
    }
  };
  return { request, response, answer, done, cancel };
}
