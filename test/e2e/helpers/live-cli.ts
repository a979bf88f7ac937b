/**
 * A `callbench` process to steer while it runs (signal it once a line appears), and the checks
 * that nothing it started is left: no process, no listening port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { ROOT } from './callbench.ts';
import { killAtEnd } from '../../helpers/children.ts';

export interface LiveCli {
  child: ChildProcess;
  /** A value only this callbench process and what it starts carry in their environment (CALLBENCH_TEST_MARK). */
  mark: string;
  /** Resolves with the first stderr line matching `pattern` (rejects if the process exits first). */
  line(pattern: RegExp): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Spawns `node bin/callbench.js …` with `env` added to the inherited environment. */
export function startCli(args: readonly string[], env: Record<string, string> = {}): LiveCli {
  const mark = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const child = killAtEnd(spawn(process.execPath, ['bin/callbench.js', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, CALLBENCH_TEST_MARK: mark } }));
  let stdout = '';
  let stderr = '';
  const waiting = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  if (child.stderr !== null) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr += `${line}\n`;
      for (const w of waiting) {
        if (!w.pattern.test(line)) continue;
        waiting.delete(w);
        w.resolve(line);
      }
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    mark,
    exited,
    line: (pattern) =>
      new Promise<string>((resolve, reject) => {
        waiting.add({ pattern, resolve });
        void exited.then(() => reject(new Error(`callbench exited before printing ${String(pattern)}; stderr:\n${stderr}`)));
      }),
  };
}

/** Whether `pid` is a running process (a zombie, dead but not yet reaped, is not). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Whether `pid` is gone within `withinMs`. A SIGKILL sent just before our child exited takes effect
 * in the kernel's time, not ours: on a loaded machine the killed process can still be there for a
 * moment after the harness has exited. Nothing signals the death of a process that is not our
 * child, so this looks again every 20 ms until the bound.
 */
export async function exitsWithin(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** The process group of `pid` (Linux: from /proc). */
export function groupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

/** Resolves with the error code of a TCP connection to 127.0.0.1:port ('connected' if one was accepted). */
export function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** What the e2e test agent wrote to TEST_AGENT_INFO once it listened. */
export interface AgentInfo {
  pid: number;
  port: number;
  deepgram: string;
  openai: string;
}

export function readAgentInfo(file: string): AgentInfo {
  return JSON.parse(readFileSync(file, 'utf8')) as AgentInfo;
}

/** The ports the test agent and the run's mocks listened on. */
export function portsOf(info: AgentInfo): number[] {
  return [info.port, Number(new URL(info.deepgram).port), Number(new URL(info.openai).port)];
}

/** The inodes of the sockets listening on `port` (any address), from /proc/net/tcp and tcp6. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      // st 0A is LISTEN; the local address ends in the port, in hex.
      if (local === undefined || fields[3] !== '0A' || parseInt(local.slice(local.lastIndexOf(':') + 1), 16) !== port) continue;
      if (fields[9] !== undefined) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** The pids holding one of `inodes` open. */
function holdersOf(inodes: ReadonlySet<string>): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode !== undefined && inodes.has(inode)) {
        pids.push(Number(entry));
        break;
      }
    }
  }
  return pids;
}

/** Whether `pid`'s environment carries the mark of `cli` (it, or a process it started). */
function carriesMark(pid: number, cli: Pick<LiveCli, 'mark'>): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`CALLBENCH_TEST_MARK=${cli.mark}`);
  } catch {
    return false;
  }
}

/**
 * Why `port` is still served by something `cli` started, or undefined when nothing of it listens.
 * A refused connection says nothing does. An accepted one may be another test file's server, run
 * side by side, that the kernel has since given the freed port number: it is `cli`'s only when the
 * process listening there carries `cli`'s mark (Linux /proc: the listening socket's inode, the
 * process that holds it, its environment).
 */
export async function stillServedBy(cli: Pick<LiveCli, 'mark'>, port: number): Promise<string | undefined> {
  const outcome = await connectOutcome(port);
  if (outcome === 'ECONNREFUSED') return undefined;
  const holders = holdersOf(listeningInodes(port));
  const ours = holders.filter((pid) => carriesMark(pid, cli));
  if (ours.length > 0) return `port ${port}: ${outcome}, listened on by pid ${ours.join(', ')}, started by this callbench`;
  if (outcome !== 'connected') return `port ${port}: ${outcome}`;
  return undefined;
}
