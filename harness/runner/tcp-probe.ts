/** Whether something accepts TCP connections at a URL's host and port: the cheapest "is it up?". */
import { connect } from 'node:net';

export type ProbeResult = { ok: true } | { ok: false; error: string };

/** The port a URL names, or its scheme's default. */
export function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' || url.protocol === 'wss:' ? 443 : 80;
}

/** Connects to `url`'s host:port and closes at once; fails on a refusal, an error, or no answer within `timeoutMs`. */
export function probeTcp(url: URL, timeoutMs: number): Promise<ProbeResult> {
  // URL keeps IPv6 hosts in brackets; connect() wants them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    const socket = connect({ host, port: portOf(url) });
    const done = (result: ProbeResult): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, error: `no answer within ${timeoutMs} ms` }));
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (error) => done({ ok: false, error: error.message }));
  });
}
