/**
 * holdLoopbackPorts: ports below the kernel's ephemeral range (which port 0 binds are never given),
 * consecutive when asked for several, free (the caller can bind every one of them), and held: no
 * other draw, in this process or another, is given a held port until it is released; a hold whose
 * process is gone is taken over. holdPortsAt is the same hold at a port of the test's choosing.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../../harness/net/listen.ts';
import { holdLoopbackPorts, holdPortsAt } from '../../harness/net/free-port.ts';

const ephemeralStart = ((): number => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32_768;
  }
})();

const lockFile = (port: number): string => path.join(tmpdir(), `callbench-ports-${userInfo().uid}`, String(port));

/**
 * Whether this process holds `port`'s lock. Not whether a lock exists: another test file's draw
 * (another worker) may hold a neighbouring port at that moment, which says nothing of this one.
 */
function heldHere(port: number): boolean {
  try {
    return readFileSync(lockFile(port), 'utf8') === String(process.pid);
  } catch {
    return false;
  }
}

/** A port free and unheld a moment ago, for the tests that write its lock file themselves. */
async function unheldPort(): Promise<number> {
  const hold = await holdLoopbackPorts();
  hold.release();
  return hold.port;
}

describe('holdLoopbackPorts', () => {
  it('gives N with N, N+1 and N+2 bindable, all below the ephemeral range', async () => {
    const hold = await holdLoopbackPorts(3);
    const { port } = hold;
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
      hold.release();
      for (const server of servers) if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('never gives a port the kernel would hand to a port 0 bind, nor one port twice while held', async () => {
    const holds = await Promise.all(Array.from({ length: 40 }, () => holdLoopbackPorts()));
    try {
      for (const { port } of holds) expect(port).toBeLessThan(ephemeralStart);
      expect(new Set(holds.map((h) => h.port)).size).toBe(40);
    } finally {
      for (const hold of holds) hold.release();
    }
  });

  it('holds by a lock file naming this process: a held port is not given again until released', async () => {
    const hold = await holdLoopbackPorts();
    expect(readFileSync(lockFile(hold.port), 'utf8')).toBe(String(process.pid));
    expect(await holdPortsAt(hold.port)).toBeUndefined();
    hold.release();
    hold.release();
    expect(() => readFileSync(lockFile(hold.port))).toThrow(/ENOENT/);
    const again = await holdPortsAt(hold.port);
    expect(again?.port).toBe(hold.port);
    again?.release();
  });

  it('a port another running process holds is not given; one whose holder is gone is taken over', async () => {
    const port = await unheldPort();
    // The parent of this worker: a process that is running, as another callbench would be.
    writeFileSync(lockFile(port), String(process.ppid));
    try {
      expect(await holdPortsAt(port)).toBeUndefined();
      // Of three consecutive ports, one held elsewhere: none of the three is held after the refusal.
      expect(await holdPortsAt(port - 1, 3)).toBeUndefined();
      expect(heldHere(port - 1)).toBe(false);
    } finally {
      rmSync(lockFile(port), { force: true });
    }
    // A lock with no pid in it, just written: its holder may be writing the pid now.
    writeFileSync(lockFile(port), '');
    expect(await holdPortsAt(port)).toBeUndefined();
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', 'console.log(process.pid)']);
    writeFileSync(lockFile(port), stdout.trim());
    const taken = await holdPortsAt(port);
    expect(taken?.port).toBe(port);
    expect(readFileSync(lockFile(port), 'utf8')).toBe(String(process.pid));
    taken?.release();
  });

  it('a port something listens on is not given, and is left unheld', async () => {
    const server = createServer();
    const port = await listenOnLoopback(server, await unheldPort());
    try {
      expect(await holdPortsAt(port)).toBeUndefined();
      expect(heldHere(port)).toBe(false);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
