/**
 * What a process agent is given (the contract the README's "Other agents" table states): the
 * mocks' certificate in NODE_EXTRA_CA_CERTS, SSL_CERT_FILE and REQUESTS_CA_BUNDLE (one file),
 * its working directory (--agent-cwd) and its webhook path (--webhook-path); and that a key in
 * its command line never shows in describe() or a start error. The agent is a few lines of Node
 * that record what they got and listen on PORT; each test stops it.
 */
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../harness/clock.ts';
import type { AgentEnv } from '../../harness/runner/agent-target.ts';
import { AgentStartError, createProcessAgentTarget } from '../../harness/runner/process-agent.ts';

const clock = createSystemClock();
/** A real certificate stands in for the mocks' (Node reads NODE_EXTRA_CA_CERTS at start). */
const PEM = rootCertificates[0] ?? '';
const ENV: AgentEnv = {
  DEEPGRAM_API_URL: 'http://127.0.0.1:9',
  DEEPGRAM_API_KEY: 'mock-key',
  OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
  OPENAI_API_KEY: 'mock-key',
  OPENAI_REALTIME_URL: 'ws://127.0.0.1:9/v1/realtime',
  OPENAI_REALTIME_BASE_URL: 'https://127.0.0.1:9/v1',
  OPENAI_CA_CERT: PEM,
  TWILIO_AUTH_TOKEN: 'token',
};

const RECORDER = `
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
const names = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'PORT', 'HOST'];
writeFileSync('got.json', JSON.stringify({ cwd: process.cwd(), env: Object.fromEntries(names.map((n) => [n, process.env[n]])) }));
createServer((req, res) => res.end()).listen(Number(process.env.PORT), process.env.HOST);
`;

let dir: string;
beforeAll(async () => {
  dir = await realpath(await mkdtemp(path.join(tmpdir(), 'callbench-process-agent-')));
  await writeFile(path.join(dir, 'recorder.mjs'), RECORDER);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a process agent', { timeout: 30_000 }, () => {
  it('runs in its cwd, on its webhook path, trusting the mocks through one certificate file under three names', async () => {
    const target = createProcessAgentTarget({ command: 'node recorder.mjs', cwd: dir, webhookPath: '/voice', clock });
    const agent = await target.start(ENV);
    try {
      const got = JSON.parse(await readFile(path.join(dir, 'got.json'), 'utf8')) as { cwd: string; env: Record<string, string | undefined> };
      expect(got.cwd).toBe(dir);
      expect(agent.webhookUrl).toBe(`http://127.0.0.1:${got.env['PORT']}/voice`);
      const file = got.env['NODE_EXTRA_CA_CERTS'];
      expect(file).toBeDefined();
      expect(got.env['SSL_CERT_FILE']).toBe(file);
      expect(got.env['REQUESTS_CA_BUNDLE']).toBe(file);
      const bundle = await readFile(file ?? '', 'utf8');
      // The mocks' certificate first; the public roots stay (SSL_CERT_FILE replaces OpenSSL's defaults).
      expect(bundle.startsWith(PEM.trim())).toBe(true);
      expect(bundle.split('BEGIN CERTIFICATE').length - 1).toBe(rootCertificates.length + 1);
    } finally {
      await agent.stop();
    }
  });

  it('answers on /incoming-call by default', async () => {
    const agent = await createProcessAgentTarget({ command: 'node recorder.mjs', cwd: dir, clock }).start(ENV);
    try {
      expect(new URL(agent.webhookUrl).pathname).toBe('/incoming-call');
    } finally {
      await agent.stop();
    }
  });

  it('shows no key of its command line in describe() or a start error', async () => {
    const command = "OPENAI_API_KEY=sk-live-123 node a.js --auth-token tw-456; echo 'MY_SECRET=s3cr3t' >&2; exit 3";
    const target = createProcessAgentTarget({ command, cwd: dir, clock });
    expect(target.describe()).toBe("process agent (OPENAI_API_KEY=*** node a.js --auth-token ***; echo 'MY_SECRET=***' >&2; exit 3)");
    const failure = await target.start(ENV).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AgentStartError);
    const { message } = failure as Error;
    expect(message).toContain('exited with code 3');
    for (const secret of ['sk-live-123', 'tw-456', 's3cr3t']) expect(message).not.toContain(secret);
  });
});
