/**
 * An agent as a child process: the reference agent run as `callbench agent` (in both modes)
 * through the process-agent contract (mock environment, PORT, NODE_EXTRA_CA_CERTS, JSON timing
 * lines), and the errors a user sees when the command fails or never listens.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSystemClock } from '../../harness/clock.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import { startMocks, type Mocks } from '../../harness/mocks/start-mocks.ts';
import { AgentStartError, createProcessAgentTarget } from '../../harness/runner/process-agent.ts';
import { runScenarioCall } from '../../harness/runner/run-scenario-call.ts';
import { loadFixture } from '../../harness/scenario/load.ts';
import { fixedProfile } from './helpers/mock-context.ts';
import { answerScenario } from './helpers/reply-call.ts';
import { exitsWithin, isRunning } from '../e2e/helpers/live-cli.ts';
import { watchLoopStalls } from './helpers/loop-stalls.ts';
// Upper bounds on wall-clock latencies add the worst event-loop stall seen (helpers/loop-stalls.ts).
const stalls = watchLoopStalls();

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const AUTH_TOKEN = 'process-agent-auth-token';
const clock = createSystemClock();
let mocks: Mocks;

beforeAll(async () => {
  mocks = await startMocks({ clock, profile: fixedProfile({ 'llm.first_token_ms': 40, 'tts.first_byte_ms': 40, 'realtime.first_audio_ms': 40 }, 20), seed: 4 });
});
afterAll(async () => {
  await mocks?.close();
});

async function callThrough(command: string): Promise<{ answered: boolean; selfReports: number; error: string | undefined; services: string[] }> {
  const agent = await createProcessAgentTarget({ command, cwd: ROOT, clock }).start({ ...mocks.env, TWILIO_AUTH_TOKEN: AUTH_TOKEN });
  try {
    const fixtures = new Map([['ok', await loadFixture(path.join(ROOT, 'fixtures', 'utterances'), 'ok')]]);
    const outcome = await runScenarioCall({ clock, scenario: answerScenario(), fixtures, webhookUrl: agent.webhookUrl, authToken: AUTH_TOKEN, script: mocks.script });
    const callSid = outcome.result?.callSid ?? '';
    return {
      answered: computeCallMetrics(outcome.result?.timeline.events ?? []).unansweredTurns === 0,
      selfReports: agent.selfReports?.(callSid).length ?? 0,
      error: outcome.error,
      services: [...new Set(mocks.journal.entries().filter((e) => e.call === callSid).map((e) => e.service))].sort(),
    };
  } finally {
    await agent.stop();
  }
}

// Each test starts an agent of its own (its calls tied to it by their CallSids in the shared mocks): they run side by side.
describe.concurrent('an agent as a child process', { timeout: 60_000 }, () => {
  it('runs the reference agent as `callbench agent` on the mocks, with its timings read from its JSON lines', async () => {
    const call = await callThrough('node bin/callbench.js agent');
    expect(call.error).toBeUndefined();
    expect(call.answered).toBe(true);
    expect(call.selfReports).toBe(1);
    expect(call.services).toEqual(['deepgram.listen', 'deepgram.speak.ws', 'openai.chat']);
  });

  it('runs it in Realtime mode too: the mocks’ certificate reaches it through NODE_EXTRA_CA_CERTS', async () => {
    const call = await callThrough('AGENT_MODE=realtime node bin/callbench.js agent');
    expect(call.error).toBeUndefined();
    expect(call.answered).toBe(true);
    expect(call.selfReports).toBe(1);
    expect(call.services).toEqual(['openai.realtime']);
  });

  it('says how a command that exits before listening ended, with what it printed', async () => {
    const target = createProcessAgentTarget({ command: "echo 'cannot find module ./agent.js' >&2; exit 3", cwd: ROOT, clock });
    const failure = await target.start({ ...mocks.env, TWILIO_AUTH_TOKEN: AUTH_TOKEN }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AgentStartError);
    expect((failure as Error).message).toMatch(/exited with code 3 before listening on 127\.0\.0\.1:\d+ \(PORT\); its last output: cannot find module \.\/agent\.js/);
  });

  it('gives up on a command that never listens, and stops it', async () => {
    const started = clock.now();
    const target = createProcessAgentTarget({ command: 'echo waiting; exec sleep 30', cwd: ROOT, clock, readyTimeoutMs: 800, stopGraceMs: 500 });
    const failure = await target.start({ ...mocks.env, TWILIO_AUTH_TOKEN: AUTH_TOKEN }).catch((error: unknown) => error);
    expect((failure as Error).message).toMatch(/did not listen on 127\.0\.0\.1:\d+ \(PORT\) within 800 ms; its last output: waiting/);
    expect(clock.now() - started).toBeLessThan(5_000 + stalls.maxMs());
  });
});

/** Runs `command` as a process agent; the test agent in it writes its pid to a fresh TEST_AGENT_INFO file. */
async function withInfo<T>(body: (info: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'callbench-process-agent-'));
  const info = path.join(dir, 'agent.json');
  process.env['TEST_AGENT_INFO'] = info;
  try {
    return await body(info);
  } finally {
    delete process.env['TEST_AGENT_INFO'];
    await rm(dir, { recursive: true, force: true });
  }
}

const agentPid = async (info: string): Promise<number> => (JSON.parse(await readFile(info, 'utf8')) as { pid: number }).pid;

describe('a process agent is stopped whole', { timeout: 60_000 }, () => {
  it('stops an agent its shell left running after the shell exited (`agent & …`)', async () => {
    await withInfo(async (info) => {
      // The shell notes its pid and exits once the harness's readiness probe has reached the agent.
      const command = `echo $$ > "$TEST_AGENT_INFO.shell"; TEST_AGENT_CONNECTED="$TEST_AGENT_INFO.connected" node test/e2e/fixtures/test-agent.mjs & until [ -e "$TEST_AGENT_INFO.connected" ]; do sleep 0.05; done`;
      const agent = await createProcessAgentTarget({ command, cwd: ROOT, clock, stopGraceMs: 2000 }).start({ ...mocks.env, TWILIO_AUTH_TOKEN: AUTH_TOKEN });
      const pid = await agentPid(info);
      try {
        const shell = Number(await readFile(`${info}.shell`, 'utf8'));
        await vi.waitFor(() => expect(isRunning(shell)).toBe(false), { timeout: 10_000, interval: 50 });
        expect(isRunning(pid)).toBe(true);
        await agent.stop();
        expect(isRunning(pid)).toBe(false);
      } finally {
        if (isRunning(pid)) process.kill(pid, 'SIGKILL');
      }
    });
  });

  it('says when its processes end on their own, with how and what they printed last', async () => {
    // It exits with code 4 once something connects: the harness's own readiness probe.
    const script = "const s = require('net').createServer(() => { console.log('going'); setImmediate(() => process.exit(4)); }); s.listen(process.env.PORT);";
    const target = createProcessAgentTarget({ command: `exec node -e "${script}"`, cwd: ROOT, clock });
    const agent = await target.start({ ...mocks.env, TWILIO_AUTH_TOKEN: AUTH_TOKEN });
    try {
      expect(await agent.exited).toEqual({ how: 'exited with code 4', lastOutput: 'going' });
    } finally {
      await agent.stop();
    }
  });

  it('is killed when the harness process crashes (uncaught exception): the exit hook kills the group', async () => {
    await withInfo(async (info) => {
      const harness = spawn(process.execPath, ['test/e2e/fixtures/crash-harness.mjs'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TEST_AGENT_INFO: info } });
      let stderr = '';
      harness.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => harness.on('close', resolve));
      expect(stderr).toContain('the harness crashed');
      expect(code).toBe(1);
      const pid = await agentPid(info);
      try {
        // The hook's SIGKILL went out as the harness exited; the kernel ends the agent in its own time (exitsWithin).
        expect(await exitsWithin(pid, 10_000)).toBe(true);
      } finally {
        if (isRunning(pid)) process.kill(pid, 'SIGKILL');
      }
    });
  });
});
