/**
 * The probe that tells a live agent from a dying one after a failed call: only an HTTP answer
 * counts. A listening socket whose process never reads (as a process in its last moments) has its
 * TCP handshake completed by the kernel, so a connect succeeds there; the probe must not.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../../harness/net/listen.ts';
import { probeHttp } from '../../harness/runner/http-probe.ts';
import { probeTcp } from '../../harness/runner/tcp-probe.ts';

const servers: (HttpServer | TcpServer)[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

describe('probeHttp', () => {
  it('counts any status line as an answer (404 from a server that serves nothing at /)', async () => {
    const server = createHttpServer((_req, res) => res.writeHead(404).end());
    servers.push(server);
    const port = await listenOnLoopback(server, 0);
    expect(await probeHttp(new URL(`http://127.0.0.1:${port}/incoming-call`), 5_000)).toEqual({ answered: true, status: 404 });
  });

  it('is not answered by a port that accepts connections and never answers, where a TCP probe succeeds', async () => {
    const server = createTcpServer((socket) => sockets.push(socket));
    servers.push(server);
    const port = await listenOnLoopback(server, 0);
    const url = new URL(`http://127.0.0.1:${port}/incoming-call`);
    expect(await probeTcp(url, 5_000)).toEqual({ ok: true });
    expect(await probeHttp(url, 200)).toEqual({ answered: false, error: 'no answer within 200 ms' });
  });

  it('is not answered by a port that resets the connection, nor by one that refuses it', async () => {
    const resetting = createTcpServer((socket) => socket.resetAndDestroy());
    servers.push(resetting);
    const port = await listenOnLoopback(resetting, 0);
    const reset = await probeHttp(new URL(`http://127.0.0.1:${port}/`), 5_000);
    expect(reset.answered).toBe(false);
    await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));
    const refused = await probeHttp(new URL(`http://127.0.0.1:${port}/`), 5_000);
    expect(refused).toMatchObject({ answered: false, error: expect.stringContaining('ECONNREFUSED') });
  });
});
