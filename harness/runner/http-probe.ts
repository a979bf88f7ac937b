/**
 * Whether an HTTP server still answers at a URL's origin: any status line counts (404 and 501
 * included). A TCP connect is not enough to tell a dying process from a live one: until its last
 * moment the kernel completes handshakes on its listening socket for it, so a connect succeeds
 * while nothing will ever answer. An answer proves the process is still serving.
 */
import { request } from 'node:http';

export type HttpProbeResult = { answered: true; status: number } | { answered: false; error: string };

/** GET / on `url`'s origin over a fresh connection; no answer within `timeoutMs` is a failure. */
export function probeHttp(url: URL, timeoutMs: number): Promise<HttpProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: HttpProbeResult): void => {
      if (settled) return;
      settled = true;
      req.destroy();
      resolve(result);
    };
    const req = request(new URL('/', url), { method: 'GET', agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      done({ answered: true, status: res.statusCode ?? 0 });
    });
    req.setTimeout(timeoutMs, () => done({ answered: false, error: `no answer within ${timeoutMs} ms` }));
    req.once('error', (error) => done({ answered: false, error: error.message }));
    req.end();
  });
}
