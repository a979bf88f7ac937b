/**
 * A `callbench` process to steer while it runs (signal it once a line appears), and the checks
 * that nothing it started is left: no process, no listening port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { ROOT } from './callbench.ts';
import { killAtEnd } from '../../helpers/children.ts';

export interface LiveCli {
  child: ChildProcess;
  /** Resolves with the first stderr line matching `pattern` (rejects if the process exits first). */
  line(pattern: RegExp): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Spawns `node bin/callbench.js …` with `env` added to the inherited environment. */
export function startCli(args: readonly string[], env: Record<string, string> = {}): LiveCli {
  const child = killAtEnd(spawn(process.execPath, ['bin/callbench.js', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
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
