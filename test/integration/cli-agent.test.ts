/**
 * `callbench agent` as a user runs it: refused without keys (one line, exit 2), --help naming
 * every knob and variable, and a real call placed against it on the mocks, with the reply preset
 * in effect, JSON lines on stdout that never carry a key, and exit 0 on SIGTERM. Each test starts
 * its own agent process (and mocks): they run side by side.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { createSystemClock } from '../../harness/clock.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import { startMocks } from '../../harness/mocks/start-mocks.ts';
import { runScenarioCall } from '../../harness/runner/run-scenario-call.ts';
import { loadFixture } from '../../harness/scenario/load.ts';
import { answerScenario } from './helpers/reply-call.ts';
import { fixedProfile } from './helpers/mock-context.ts';
import { killAtEnd } from '../helpers/children.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(DEEPGRAM|OPENAI|TWILIO|AGENT)_|^(PORT|HOST|PUBLIC_URL)$/.test(name)));

function run(args: string[], env: Record<string, string | undefined> = {}) {
  const child = killAtEnd(spawn(process.execPath, ['bin/callbench.js', 'agent', ...args], { cwd: ROOT, env: { ...CLEAN_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

/** Every stdout line of the agent, and its URL once it logs `agent.listening`. */
function listeningUrl(child: ChildProcessWithoutNullStreams | ReturnType<typeof run>['child']): { lines: string[]; url: Promise<string> } {
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout });
  const url = new Promise<string>((resolve) => {
    reader.on('line', (line) => {
      lines.push(line);
      const event = JSON.parse(line) as { type: string; url?: string };
      if (event.type === 'agent.listening' && event.url !== undefined) resolve(event.url);
    });
  });
  return { lines, url };
}

describe.concurrent('callbench agent', () => {
  it('refuses to start without keys: one line on stderr, exit 2', async () => {
    const { child, exited, stderr } = run(['--port', '0'], { OPENAI_API_KEY: 'sk-very-secret' });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    expect(await exited).toBe(2);
    expect(stdout).toBe('');
    expect(stderr().trim().split('\n')).toEqual(['callbench agent: missing required environment variable: DEEPGRAM_API_KEY']);
  });

  it('--help lists every knob flag and every environment variable', async () => {
    const { child, exited } = run(['--help']);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    expect(await exited).toBe(0);
    for (const flag of ['--port', '--host', '--preset', '--text', '--tts', '--rest-body', '--playout', 'seed-current', 'seed-fixed']) expect(stdout).toContain(flag);
    for (const flag of ['--agent-mode', '--realtime-model', '--voice', '--vad-silence-ms']) expect(stdout).toContain(flag);
    for (const name of ['DEEPGRAM_API_KEY', 'OPENAI_API_KEY', 'DEEPGRAM_API_URL', 'OPENAI_BASE_URL', 'TWILIO_AUTH_TOKEN', 'PUBLIC_URL', 'PORT', 'HOST']) expect(stdout).toContain(name);
    for (const name of ['AGENT_PRESET', 'AGENT_TEXT', 'AGENT_TTS', 'AGENT_REST_BODY', 'AGENT_PLAYOUT']) expect(stdout).toContain(name);
    for (const name of ['AGENT_MODE', 'OPENAI_REALTIME_BASE_URL', 'OPENAI_REALTIME_MODEL', 'OPENAI_REALTIME_VOICE', 'AGENT_VAD_SILENCE_MS', 'NODE_EXTRA_CA_CERTS']) {
      expect(stdout).toContain(name);
    }
  });

  it('serves a call on the mocks with the chosen design, logs JSON lines without keys, and exits 0 on SIGTERM', async () => {
    const clock = createSystemClock();
    const mocks = await startMocks({ clock, profile: fixedProfile({ 'llm.first_token_ms': 40, 'tts.rest_first_byte_ms': 40 }, 20), seed: 1, apiKey: 'mock-key-that-must-not-leak' });
    const authToken = 'cli-agent-auth-token';
    const { child, exited } = run(['--port', '0', '--preset', 'seed-current', '--playout', 'direct'], { ...mocks.env, TWILIO_AUTH_TOKEN: authToken });
    try {
      const listening = listeningUrl(child);
      const { lines } = listening;
      const url = await listening.url;
      const scenario = answerScenario();
      const fixtures = new Map([['ok', await loadFixture(path.join(ROOT, 'fixtures', 'utterances'), 'ok')]]);
      const outcome = await runScenarioCall({ clock, scenario, fixtures, webhookUrl: `${url}/incoming-call`, authToken, script: mocks.script });
      expect(outcome.error).toBeUndefined();
      expect(computeCallMetrics(outcome.result?.timeline.events ?? []).unansweredTurns).toBe(0);

      // The preset's REST TTS with a whole-reply request, and no TTS WebSocket.
      const callSid = outcome.result?.callSid;
      const mine = mocks.journal.entries().filter((e) => e.call === callSid);
      expect(mine.filter((e) => e.service === 'deepgram.speak.rest' && e.kind === 'request')).toHaveLength(2);
      expect(mine.filter((e) => e.service === 'deepgram.speak.ws')).toEqual([]);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const types = lines.map((line) => (JSON.parse(line) as { type: string }).type);
      expect(types).toContain('call.start');
      expect(types).toContain('call.end');
      expect(types[types.length - 1]).toBe('agent.closed');
      expect(lines.join('\n')).not.toContain('mock-key-that-must-not-leak');
    } finally {
      child.kill('SIGKILL');
      await mocks.close();
    }
  });

  it('runs in Realtime mode with only an OpenAI key, trusting the mock certificate through NODE_EXTRA_CA_CERTS', async () => {
    const clock = createSystemClock();
    const mocks = await startMocks({ clock, profile: fixedProfile({ 'realtime.first_audio_ms': 40 }, 20), seed: 1, apiKey: 'mock-key-that-must-not-leak' });
    const dir = await mkdtemp(path.join(tmpdir(), 'callbench-cli-agent-'));
    const caFile = path.join(dir, 'ca.pem');
    await writeFile(caFile, mocks.env.OPENAI_CA_CERT);
    const authToken = 'cli-agent-auth-token';
    const env = { OPENAI_API_KEY: mocks.env.OPENAI_API_KEY, OPENAI_REALTIME_BASE_URL: mocks.env.OPENAI_REALTIME_BASE_URL, NODE_EXTRA_CA_CERTS: caFile, TWILIO_AUTH_TOKEN: authToken };
    const { child, exited } = run(['--port', '0', '--agent-mode', 'realtime', '--voice', 'cedar'], env);
    try {
      const listening = listeningUrl(child);
      const url = await listening.url;
      const fixtures = new Map([['ok', await loadFixture(path.join(ROOT, 'fixtures', 'utterances'), 'ok')]]);
      const outcome = await runScenarioCall({ clock, scenario: answerScenario(), fixtures, webhookUrl: `${url}/incoming-call`, authToken, script: mocks.script });
      expect(outcome.error).toBeUndefined();
      expect(computeCallMetrics(outcome.result?.timeline.events ?? []).unansweredTurns).toBe(0);
      const mine = mocks.journal.entries().filter((e) => e.call === outcome.result?.callSid);
      expect(mine.find((e) => e.kind === 'session.update')?.data).toMatchObject({ voice: 'cedar', inputFormat: 'audio/pcmu', outputFormat: 'audio/pcmu' });
      expect(mine.filter((e) => e.service.startsWith('deepgram'))).toEqual([]);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(listening.lines.join('\n')).not.toContain('mock-key-that-must-not-leak');
    } finally {
      child.kill('SIGKILL');
      await mocks.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('stops when nobody reads its output any more (the process that started it is gone): the next write finds EPIPE, it closes and exits', async () => {
    const clock = createSystemClock();
    const mocks = await startMocks({ clock, profile: fixedProfile({}), seed: 1 });
    const { child, exited } = run(['--port', '0'], { ...mocks.env, TWILIO_AUTH_TOKEN: 'orphan-token' });
    try {
      const url = await listeningUrl(child).url;
      // What a killed harness leaves: the read ends of the agent's stdout and stderr closed.
      child.stdout.destroy();
      child.stderr.destroy();
      // Anything the agent logs now is written to nobody: an unsigned webhook is refused and logged.
      const refused = await fetch(`${url}/incoming-call`, { method: 'POST', body: new URLSearchParams({ CallSid: 'CAorphan' }) });
      expect(refused.status).toBe(403);
      // Without the watch the process stays up, spinning on its own failing error reports.
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await mocks.close();
    }
  });
});
