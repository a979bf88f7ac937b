/**
 * A TCP port on 127.0.0.1 that was free a moment ago: for a child process that must be told
 * where to listen (it cannot report a port 0 choice back). Another process may take it in
 * between; the caller then sees the child fail to listen and says so.
 */
import { createServer } from 'node:net';
import { listenOnLoopback } from './listen.ts';

export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  const port = await listenOnLoopback(server, 0);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
