/**
 * TCP ports on 127.0.0.1 for a child process that must be told where to listen (it cannot report
 * a port 0 choice back), and for `--mock-port N` (N, N+1, N+2): free when drawn, and held for the
 * caller until it releases them, by then bound by the child.
 *
 * They are drawn from below the kernel's ephemeral range (Linux: ip_local_port_range, by default
 * 32768–60999; other systems' defaults start higher still), which a bind to port 0 is never given,
 * so a process asking for any free port cannot take one between the draw and the child's bind.
 * Other callbench processes draw from the same range, though (the test suite starts agents from
 * several workers at once, a CI machine may run two callbench jobs): a port both drew in the
 * second before either child listened went to one child, and the other failed with EADDRINUSE.
 * So a drawn port is held by a lock file (its name the port, its content the holder's pid) in a
 * folder of the user's under the temporary directory, created exclusively: no other callbench
 * process, and no other draw in this one, is given it until release() or this process's exit. A
 * lock whose holder is gone is taken over. Only a program that names the very port can still take
 * it, and the child's failure to listen then says so.
 */
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { processAlive } from '../process-alive.ts';
import { removeAtExit } from '../remove-at-exit.ts';
import { listenOnLoopback } from './listen.ts';

/** Where the draw starts: above the ports services are commonly configured on. */
const LOWEST = 20_000;
const ATTEMPTS = 64;

/** Ports drawn and held, released together. */
export interface PortHold {
  /** The first of the held ports. */
  readonly port: number;
  /** Ends the hold (idempotent): by then the child listens on them, or no longer needs them. */
  release(): void;
}

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

function lockDir(): string {
  let user = 'user';
  try {
    user = String(userInfo().uid);
  } catch {
    // No user database entry: one folder for whoever runs here.
  }
  return path.join(tmpdir(), `callbench-ports-${user}`);
}

/** How long a lock file without a pid is taken for one being written. */
const HALF_WRITTEN_MS = 10_000;

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}

/** Takes the lock of `port`, removed at exit if not released before (a SIGKILL leaves it to be taken over); not ok when another live process (or this one) holds it. */
function lock(port: number): { ok: true; file: string; forget: () => void } | { ok: false } {
  const dir = lockDir();
  const file = path.join(dir, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { ok: true, file, forget: removeAtExit(file) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        // No lock folder to be had (read-only or foreign temporary directory): draw without one.
        return { ok: true, file: '', forget: () => undefined };
      }
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(file, 'utf8'));
      } catch {
        // Released meanwhile: try again.
        continue;
      }
      // A holder still running keeps it; a lock left by a process that is gone is taken over, and
      // so is one with no pid in it, unless it is new (its holder may be writing the pid now).
      if (Number.isInteger(holder) && holder > 0) {
        if (processAlive(holder)) return { ok: false };
      } else if (ageMs(file) < HALF_WRITTEN_MS) {
        return { ok: false };
      }
      unlinkQuietly(file);
    }
  }
  return { ok: false };
}

function unlock(taken: { file: string; forget: () => void }): void {
  if (taken.file === '') return;
  taken.forget();
  unlinkQuietly(taken.file);
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

/** Ports `first`…`first + count - 1` held, when each is free and held by no other process; else undefined. */
export async function holdPortsAt(first: number, count = 1): Promise<PortHold | undefined> {
  const locks: Array<{ file: string; forget: () => void }> = [];
  const undo = (): void => {
    for (const taken of locks) unlock(taken);
  };
  for (let i = 0; i < count; i++) {
    const taken = lock(first + i);
    if (!taken.ok) {
      undo();
      return undefined;
    }
    locks.push(taken);
    if (!(await bindable(first + i))) {
      undo();
      return undefined;
    }
  }
  let released = false;
  return {
    port: first,
    release: () => {
      if (released) return;
      released = true;
      undo();
    },
  };
}

/** `count` consecutive ports on 127.0.0.1, drawn at random below the ephemeral range, free and held until release(). */
export async function holdLoopbackPorts(count = 1): Promise<PortHold> {
  const span = ephemeralStart() - LOWEST - count;
  for (let attempt = 0; attempt < ATTEMPTS && span > 0; attempt++) {
    const hold = await holdPortsAt(LOWEST + Math.floor(Math.random() * span), count);
    if (hold !== undefined) return hold;
  }
  throw new Error(`found no ${count} consecutive free port(s) on 127.0.0.1 between ${LOWEST} and ${ephemeralStart()} in ${ATTEMPTS} draws`);
}
