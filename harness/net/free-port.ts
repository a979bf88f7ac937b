/**
 * TCP ports on 127.0.0.1 that were free a moment ago, for a child process that must be told where
 * to listen (it cannot report a port 0 choice back), and for `--mock-port N` (N, N+1, N+2).
 *
 * They are drawn from below the kernel's ephemeral range (Linux: ip_local_port_range, by default
 * 32768–60999; other systems' defaults start higher still), which a bind to port 0 is never given.
 * So another process asking for any free port cannot take one of them between this check and the
 * child's own bind; only a process that names the very port could, and the child's failure to
 * listen then says so.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { listenOnLoopback } from './listen.ts';

/** Where the draw starts: above the ports services are commonly configured on. */
const LOWEST = 20_000;
const ATTEMPTS = 64;

/** The first port of the kernel's ephemeral range (the default where it cannot be read). */
function ephemeralStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > LOWEST) return low;
  } catch {
    // Not Linux: the defaults elsewhere (49152 on macOS and Windows) start above 32768.
  }
  return 32_768;
}

async function bindable(port: number): Promise<boolean> {
  const server = createServer();
  try {
    await listenOnLoopback(server, port);
  } catch {
    return false;
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return true;
}

/** The first of `count` consecutive ports on 127.0.0.1, all free a moment ago. */
export async function freeLoopbackPort(count = 1): Promise<number> {
  const span = ephemeralStart() - LOWEST - count;
  for (let attempt = 0; attempt < ATTEMPTS && span > 0; attempt++) {
    const first = LOWEST + Math.floor(Math.random() * span);
    let free = true;
    for (let i = 0; i < count && free; i++) free = await bindable(first + i);
    if (free) return first;
  }
  // Below the ephemeral range everything was taken: any free port the kernel gives (single ports only).
  if (count === 1) {
    const server = createServer();
    const port = await listenOnLoopback(server, 0);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
  throw new Error(`found no ${count} consecutive free ports on 127.0.0.1 below ${ephemeralStart()}`);
}
