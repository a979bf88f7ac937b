/**
 * `callbench mocks` as a user runs it: start it, read the environment it prints, point the
 * official SDKs at it with nothing changed but the base URL, then interrupt it. And the fixed
 * ports of `mocks --port N` and `run --mock-port N`: Deepgram N, OpenAI N+1, OpenAI's TLS twin
 * (Realtime over wss://) N+2, for an agent configured from outside.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { holdLoopbackPorts } from '../../harness/net/free-port.ts';
import { DeepgramClient } from '@deepgram/sdk';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { afterEach, describe, expect, it } from 'vitest';
import { reportDirsOf } from './helpers/report-dirs.ts';
import { killAtEnd } from '../helpers/children.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PYTHON = '/usr/bin/python3';

interface Cli {
  child: ChildProcess;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** The callbench processes a test started: whatever a failing test leaves running is stopped after it. */
const started = new Set<ChildProcess>();
/** Port holds a test took (freePortTriple), released after it. */
const leave: Array<() => void> = [];
afterEach(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  started.clear();
  for (const release of leave.splice(0)) release();
});

/** `node bin/callbench.js …`; stdout is left unread when `readStdout` is false (for printedEnv). */
function callbench(args: readonly string[], readStdout = true): Cli {
  const child = killAtEnd(spawn(process.execPath, ['bin/callbench.js', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  started.add(child);
  let stdout = '';
  let stderr = '';
  if (readStdout) child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, exited };
}

/** The environment `callbench mocks` prints: NAME=value lines, up to the last one (REQUESTS_CA_BUNDLE). */
async function printedEnv(child: ChildProcess): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  if (child.stdout === null) throw new Error('no stdout');
  for await (const line of createInterface({ input: child.stdout })) {
    const [name, ...value] = String(line).split('=');
    if (name !== undefined) env[name] = value.join('=');
    if (name === 'REQUESTS_CA_BUNDLE') break;
  }
  return env;
}

function listen(server: Server, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
}

/** A port N with N, N+1 and N+2 free on 127.0.0.1 and held for the test (`hold` of them kept bound, the rest released). */
async function freePortTriple(hold: ReadonlyArray<0 | 1 | 2> = []): Promise<{ port: number; held: Server[] }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const servers = [createServer(), createServer(), createServer()];
    const [first, second, third] = servers as [Server, Server, Server];
    // Below the ephemeral range, and held: no port 0 bind or other draw can take one of them meanwhile.
    const ports = await holdLoopbackPorts(3);
    const port = ports.port;
    leave.push(ports.release);
    const ok = (await listen(first, port)) && (await listen(second, port + 1)) && (await listen(third, port + 2));
    const held: Server[] = [];
    for (const [i, server] of servers.entries()) {
      if (ok && hold.includes(i as 0 | 1 | 2)) held.push(server);
      else if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (ok) return { port, held };
  }
  throw new Error('found no three consecutive free ports on 127.0.0.1');
}

describe('callbench mocks', () => {
  it('prints the agent environment, serves the official SDKs, and exits 0 on SIGINT', async () => {
    const { child, exited } = callbench(['mocks', '--profile', 'instant'], false);
    const env = await printedEnv(child);
    expect(Object.keys(env).sort()).toEqual([
      'DEEPGRAM_API_KEY',
      'DEEPGRAM_API_URL',
      'NODE_EXTRA_CA_CERTS',
      'OPENAI_API_KEY',
      'OPENAI_BASE_URL',
      'OPENAI_REALTIME_BASE_URL',
      'OPENAI_REALTIME_URL',
      'REQUESTS_CA_BUNDLE',
      'SSL_CERT_FILE',
    ]);
    // One file for Node, OpenSSL and Python requests: the mock's certificate, then the public roots.
    expect(env['SSL_CERT_FILE']).toBe(env['NODE_EXTRA_CA_CERTS']);
    expect(env['REQUESTS_CA_BUNDLE']).toBe(env['NODE_EXTRA_CA_CERTS']);
    const bundle = await readFile(env['SSL_CERT_FILE'] ?? '', 'utf8');
    expect(bundle.match(/-----BEGIN CERTIFICATE-----/g)?.length).toBeGreaterThan(10);

    const openai = new OpenAI({ apiKey: env['OPENAI_API_KEY'], baseURL: env['OPENAI_BASE_URL'], maxRetries: 0 });
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello?' }] });
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);

    const deepgram = new DeepgramClient({ apiKey: env['DEEPGRAM_API_KEY'] ?? '', baseUrl: env['DEEPGRAM_API_URL'] ?? '' });
    const speak = await deepgram.speak.v1.connect({ model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: '8000', reconnectAttempts: 0 } as Parameters<typeof deepgram.speak.v1.connect>[0]);
    const metadata = new Promise<unknown>((resolve) => speak.on('message', resolve));
    speak.connect();
    await speak.waitForOpen();
    expect(await metadata).toMatchObject({ type: 'Metadata', model_name: 'aura-2-thalia-en' });
    speak.close();

    // Realtime through the SDK helper, which forces wss://: the printed base URL and CA file suffice.
    const ca = await readFile(env['NODE_EXTRA_CA_CERTS'] ?? '', 'utf8');
    const realtimeClient = new OpenAI({ apiKey: env['OPENAI_API_KEY'], baseURL: env['OPENAI_REALTIME_BASE_URL'] });
    const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime', options: { ca } }, realtimeClient);
    const created = await new Promise<{ type: string }>((resolve, reject) => {
      rt.on('event', (event) => resolve(event));
      rt.on('error', reject);
    });
    expect(created.type).toBe('session.created');
    rt.close();

    child.kill('SIGINT');
    expect((await exited).code).toBe(0);
  });

  it('--port N: Deepgram on N, OpenAI on N+1, the TLS Realtime twin on N+2, trusted through the printed certificate file', async () => {
    const { port } = await freePortTriple();
    const { child, exited } = callbench(['mocks', '--profile', 'instant', '--port', String(port)], false);
    try {
      const env = await printedEnv(child);
      expect(env['DEEPGRAM_API_URL']).toBe(`http://127.0.0.1:${port}`);
      expect(env['OPENAI_BASE_URL']).toBe(`http://127.0.0.1:${port + 1}/v1`);
      expect(env['OPENAI_REALTIME_URL']).toBe(`ws://127.0.0.1:${port + 1}/v1/realtime`);
      expect(env['OPENAI_REALTIME_BASE_URL']).toBe(`https://127.0.0.1:${port + 2}/v1`);

      // Node: the SDK helper that forces wss://, trusting the printed file.
      const ca = await readFile(env['NODE_EXTRA_CA_CERTS'] ?? '', 'utf8');
      const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime', options: { ca } }, new OpenAI({ apiKey: env['OPENAI_API_KEY'], baseURL: env['OPENAI_REALTIME_BASE_URL'] }));
      const created = await new Promise<{ type: string }>((resolve, reject) => {
        rt.on('event', (event) => resolve(event));
        rt.on('error', reject);
      });
      expect(created.type).toBe('session.created');
      rt.close();

      // OpenSSL (Python's ssl, as websockets and httpx use it): SSL_CERT_FILE alone makes the twin trusted.
      const python = spawnSync(
        PYTHON,
        ['-c', `import socket, ssl; s = ssl.create_default_context().wrap_socket(socket.create_connection(("127.0.0.1", ${port + 2})), server_hostname="127.0.0.1"); print(s.version()); s.close()`],
        { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', SSL_CERT_FILE: env['SSL_CERT_FILE'] ?? '' } },
      );
      if (python.error !== undefined) console.warn(`cli-mocks: ${PYTHON} could not be run (${python.error.message}): the OpenSSL trust of SSL_CERT_FILE is not checked here`);
      else expect(python.stdout.trim(), python.stderr).toMatch(/^TLSv1\.[23]$/);
    } finally {
      child.kill('SIGINT');
      expect((await exited).code).toBe(0);
    }
  });

  it('--port N with N+2 taken: one line naming the flag and the three ports, exit 2', async () => {
    const { port, held } = await freePortTriple([2]);
    try {
      const result = await callbench(['mocks', '--port', String(port)]).exited;
      expect(result.code).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^callbench: --port ${port}: port ${port}, ${port + 1} or ${port + 2} is already in use\\b`));
    } finally {
      for (const server of held) await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('run --mock-port N: the agent is given the TLS twin on N+2, and a Realtime agent that dials it is measured', { timeout: 90_000 }, async () => {
    const { port } = await freePortTriple();
    const dir = await mkdtemp(path.join(tmpdir(), 'callbench-mock-port-'));
    const seen = path.join(dir, 'realtime-base-url');
    try {
      // The reference agent as any agent: it dials wss:// under OPENAI_REALTIME_BASE_URL, trusting NODE_EXTRA_CA_CERTS.
      const command = `echo "$OPENAI_REALTIME_BASE_URL" > '${seen}'; exec node bin/callbench.js agent --agent-mode realtime`;
      const result = await callbench(['run', '--scenario', 'greeting', '--profile', 'instant', '--json', '--mock-port', String(port), '--agent-cmd', command]).exited;
      expect(result.code, result.stderr).toBe(0);
      const summary = JSON.parse(result.stdout) as { startedAt: string; profile: string; metrics: Record<string, { count: number }>; attribution: { byService: Record<string, { tied: number }> } };
      for (const dir of reportDirsOf(ROOT, summary.startedAt, summary.profile)) await rm(dir, { recursive: true, force: true });
      expect((await readFile(seen, 'utf8')).trim()).toBe(`https://127.0.0.1:${port + 2}/v1`);
      expect(summary.metrics['greeting.first_audio_ms']?.count).toBe(1);
      expect(summary.attribution.byService['openai.realtime']?.tied).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('run --mock-port N with N+2 taken: one line naming the flag, exit 2', async () => {
    const { port, held } = await freePortTriple([2]);
    try {
      const result = await callbench(['run', '--scenario', 'greeting', '--mock-port', String(port)]).exited;
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n').at(-1)).toMatch(new RegExp(`^callbench: --mock-port ${port}: port ${port}, ${port + 1} or ${port + 2} is already in use\\b`));
    } finally {
      for (const server of held) await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refuses a bad flag with one line and exit code 2', async () => {
    const { code, stderr } = await callbench(['mocks', '--port', 'eighty']).exited;
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/--port/);
  });
});
