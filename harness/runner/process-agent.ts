/**
 * Any agent as a child process (`callbench run --agent-cmd "node my-agent.js"`): started with the
 * upstream environment of the run's mocks, told where to listen, measured like the reference agent.
 *
 * The contract (the one agent/env-options.ts reads, so the reference agent is such an agent):
 * - environment: DEEPGRAM_API_URL, DEEPGRAM_API_KEY, OPENAI_BASE_URL, OPENAI_API_KEY,
 *   OPENAI_REALTIME_URL (ws://), OPENAI_REALTIME_BASE_URL (https:// for SDK helpers that force
 *   wss://), NODE_EXTRA_CA_CERTS (for Node), SSL_CERT_FILE (OpenSSL: Python's ssl, curl) and
 *   REQUESTS_CA_BUNDLE (Python requests), all one file: the mocks' certificate, then the public
 *   roots; TWILIO_AUTH_TOKEN, and PORT / HOST (127.0.0.1) to listen on; the agent answers POST
 *   `webhookPath` (default /incoming-call) there.
 * - it is ready when 127.0.0.1:PORT accepts a TCP connection; it is stopped with SIGTERM (then
 *   SIGKILL after a grace period), its whole process group with it, whether or not the shell that
 *   started it is still there (`agent & sleep 8` leaves the agent running after the shell exits),
 *   and it is stopped only once no process of the group is left. If the harness exits first, for
 *   whatever reason, the group is killed then (process-group.ts).
 * - if its processes end before it is stopped (a crash), `exited` says how, with its last output.
 * - JSON lines on its stdout with the reference agent's per-turn events (`stt.final` or
 *   `realtime.speech_stopped`, and `twilio.first_media`, each with callSid, turn and t) feed
 *   agent.self_report_error_ms; any other output is kept only for error messages and the log file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { rootCertificates } from 'node:tls';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import { holdLoopbackPorts } from '../net/free-port.ts';
import { removeAtExit } from '../remove-at-exit.ts';
import type { AgentEnv, AgentExit, AgentStartOptions, AgentTarget, RunningAgent } from './agent-target.ts';
import { groupAlive, signalGroup, trackGroup, untrackGroup } from './process-group.ts';
import { redactSecrets } from './redact.ts';
import { createSelfReportCollector } from './self-reports.ts';

export interface ProcessAgentSettings {
  /** A shell command line, run with `sh -c` in `cwd`. */
  command: string;
  cwd?: string;
  /** The agent's voice-webhook path on 127.0.0.1:PORT (default /incoming-call). */
  webhookPath?: string;
  clock: Clock;
  /** Give up when the agent has not accepted a connection on its port by then. */
  readyTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL when stopping. */
  stopGraceMs?: number;
  /** Everything the agent prints goes here as well, when given. */
  logFile?: string;
}

/** The agent could not be started: the message says why, with the end of what it printed. */
export class AgentStartError extends Error {
  constructor(message: string) {
    // It quotes the command and the agent's last output, either of which may hold a key.
    super(redactSecrets(message));
    this.name = 'AgentStartError';
  }
}

const DEFAULT_READY_TIMEOUT_MS = 20_000;
const DEFAULT_STOP_GRACE_MS = 5_000;
/** Lines of output kept for an error message. */
const TAIL_LINES = 5;
const PROBE_EVERY_MS = 50;
/** How often a group is checked for emptiness while it is being stopped. */
const STOP_POLL_MS = 20;
/** After SIGKILL, how long to wait for the kernel to take the group down before giving up on it. */
const KILL_WAIT_MS = 2_000;
/** How often a group whose shell has exited is checked for emptiness while the run goes on. */
const WATCH_EVERY_MS = 250;

/** The self-reported events a process agent may print (the rest of its output is not parsed). */
const TimingEvent = z.object({
  type: z.enum(['stt.final', 'realtime.speech_stopped', 'twilio.first_media']),
  callSid: z.string(),
  turn: z.number().int().min(0),
  t: z.number(),
});

function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function createProcessAgentTarget(settings: ProcessAgentSettings): AgentTarget {
  const { clock } = settings;
  return {
    describe: () => `process agent (${redactSecrets(settings.command)})`,
    async start(env, options = {}) {
      // Held until the agent listens on it, or has failed to: no other draw is given it meanwhile.
      const hold = await holdLoopbackPorts();
      try {
        return await startOn(hold.port, env, options);
      } finally {
        hold.release();
      }
    },
  };

  async function startOn(port: number, env: AgentEnv, options: AgentStartOptions): Promise<RunningAgent> {
    const caDir = await mkdtemp(path.join(tmpdir(), 'callbench-agent-'));
    const forgetDir = removeAtExit(caDir);
    const { OPENAI_CA_CERT: pem, ...upstream } = env;
    // Real services need no extra certificate authority.
    const trust: Record<string, string> = {};
    if (pem !== '') {
      const caFile = path.join(caDir, 'mocks-ca.pem');
      // SSL_CERT_FILE replaces an OpenSSL client's default roots: the public ones stay beside the mocks'.
      await writeFile(caFile, [pem.trim(), ...rootCertificates].join('\n') + '\n');
      trust['NODE_EXTRA_CA_CERTS'] = caFile;
      trust['SSL_CERT_FILE'] = caFile;
      trust['REQUESTS_CA_BUNDLE'] = caFile;
    }
    const log: WriteStream | undefined = settings.logFile === undefined ? undefined : createWriteStream(settings.logFile, { flags: 'a' });
    const child: ChildProcess = spawn('sh', ['-c', settings.command], {
      cwd: settings.cwd ?? process.cwd(),
      env: { ...process.env, ...upstream, ...trust, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    // detached: the shell leads a new process group (pgid = its pid) that the agent's processes inherit.
    const pgid = child.pid;
    if (pgid !== undefined) trackGroup(pgid);
    const reports = createSelfReportCollector();
    const tail: string[] = [];
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        resolve();
      });
    });
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    const keep = (line: string): void => {
      log?.write(`${line}\n`);
      // A blank line says nothing in an error message (a crash's stack ends with one).
      if (line.trim() === '') return;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    };
    if (child.stdout !== null) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        keep(line);
        if (!line.startsWith('{')) return;
        try {
          const parsed = TimingEvent.safeParse(JSON.parse(line));
          if (parsed.success) reports.observe(parsed.data);
        } catch {
          // Not JSON after all: plain output.
        }
      });
    }
    if (child.stderr !== null) createInterface({ input: child.stderr }).on('line', keep);

    let stopping: Promise<void> | undefined;
    /** Resolves once group `pgid` is empty, or false at `deadline` (clock ms) if it is not. */
    const groupGone = async (deadline: number): Promise<boolean> => {
      if (pgid === undefined) return true;
      while (groupAlive(pgid)) {
        if (clock.now() >= deadline) return false;
        await clock.sleep(STOP_POLL_MS);
      }
      return true;
    };
    // The whole group, whether or not the shell has exited: the shell is only what started the agent.
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        if (pgid !== undefined && signalGroup(pgid, 'SIGTERM')) {
          const grace = settings.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
          if (!(await groupGone(clock.now() + grace))) {
            signalGroup(pgid, 'SIGKILL');
            await groupGone(clock.now() + KILL_WAIT_MS);
          }
        }
        if (pgid !== undefined) untrackGroup(pgid);
        // A process that escaped the group (setsid) could hold the pipes open: do not wait for it.
        child.stdout?.destroy();
        child.stderr?.destroy();
        log?.end();
        await rm(caDir, { recursive: true, force: true });
        forgetDir();
      })());

    const how = (status: { code: number | null; signal: NodeJS.Signals | null }): string =>
      status.signal !== null ? `was killed by ${status.signal}` : `exited with code ${String(status.code)}`;
    /**
     * Resolves when the agent's processes end before stop(): at the shell's exit when the group is
     * empty then, else once it is (the shell may have left the agent running in the background).
     */
    const ended = (async (): Promise<AgentExit | undefined> => {
      await exited;
      const shell = exit;
      if (shell === undefined) return undefined;
      let background = false;
      if (pgid !== undefined) {
        while (stopping === undefined && groupAlive(pgid)) {
          await clock.sleep(WATCH_EVERY_MS);
          // Still there after a watch period: the agent outlived its shell; the shell's exit status is not the agent's.
          background ||= groupAlive(pgid);
        }
      }
      if (stopping !== undefined) return undefined;
      return { how: background ? `stopped running (the shell that started it had ${how(shell)} before)` : how(shell), lastOutput: redactSecrets(tail.join(' | ')) };
    })();

    const deadline = clock.now() + (settings.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
    const printed = (): string => (tail.length === 0 ? 'it printed nothing' : `its last output: ${tail.join(' | ')}`);
    for (;;) {
      if (spawnError !== undefined) {
        await stop();
        throw new AgentStartError(`could not run '${settings.command}': ${spawnError.message}`);
      }
      if (exit !== undefined) {
        await stop();
        throw new AgentStartError(`'${settings.command}' ${how(exit)} before listening on 127.0.0.1:${port} (PORT); ${printed()}`);
      }
      if (options.signal?.aborted === true) {
        await stop();
        throw new AgentStartError(`'${settings.command}': gave up waiting for it to listen: the run was stopped`);
      }
      if (await tryConnect(port)) break;
      if (clock.now() >= deadline) {
        await stop();
        throw new AgentStartError(`'${settings.command}' did not listen on 127.0.0.1:${port} (PORT) within ${settings.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS} ms; ${printed()}`);
      }
      await clock.sleep(PROBE_EVERY_MS);
    }
    const running: RunningAgent = {
      webhookUrl: `http://127.0.0.1:${port}${settings.webhookPath ?? '/incoming-call'}`,
      stop,
      selfReports: (callSid) => reports.forCall(callSid),
      // Never rejects; stays pending when the agent is stopped rather than ending on its own.
      exited: ended.then((exit) => exit ?? new Promise<AgentExit>(() => undefined)),
    };
    return running;
  }
}
