/**
 * freeLoopbackPort: ports below the kernel's ephemeral range (which port 0 binds are never given),
 * consecutive when asked for several, and free: the caller can bind every one of them.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../../harness/net/listen.ts';
import { freeLoopbackPort } from '../../harness/net/free-port.ts';

const ephemeralStart = ((): number => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32_768;
  }
})();

describe('freeLoopbackPort', () => {
  it('gives N with N, N+1 and N+2 bindable, all below the ephemeral range', async () => {
    const port = await freeLoopbackPort(3);
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port + 2).toBeLessThan(ephemeralStart);
    const servers: Server[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const server = createServer();
        servers.push(server);
        expect(await listenOnLoopback(server, port + i)).toBe(port + i);
      }
    } finally {
      for (const server of servers) if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('never gives a port the kernel would hand to a port 0 bind', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freeLoopbackPort()));
    for (const port of ports) expect(port).toBeLessThan(ephemeralStart);
  });
});
