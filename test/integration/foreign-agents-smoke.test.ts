/**
 * The foreign agents of test/agents, measured as any outsider is: each started through the
 * process-agent contract inside a run (startRun, the mocks, the `instant` profile) for one
 * `question` call. Each must answer the caller's question (a `turn.response_ms` sample) and send
 * nothing the fake Twilio flags (`twilio.protocol` passed). They share no code with callbench and
 * send no `x-callbench-call` header, so this is what an agent that is not ours gets measured by.
 *
 * The Python agent needs Debian's python3-websockets: without it the test is skipped with the
 * reason printed, except under CI (CI set), where it fails and says what to install (.ci/run
 * installs it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSystemClock } from '../../harness/clock.ts';
import { PROFILES } from '../../harness/mocks/profiles.ts';
import type { CallRecord } from '../../harness/runner/events.ts';
import { createProcessAgentTarget } from '../../harness/runner/process-agent.ts';
import type { RunPlan } from '../../harness/runner/run.ts';
import { startRun } from '../../harness/runner/start-run.ts';
import type { Utterance } from '../../harness/caller/utterance.ts';
import { loadFixture, loadScenario } from '../../harness/scenario/load.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PYTHON = '/usr/bin/python3';
const INSTALL = 'apt-get install -y python3-websockets';
const clock = createSystemClock();

/** Why the Python agent cannot run here, or undefined when it can. */
function pythonMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import websockets'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `${PYTHON} could not be run (${probe.error.message})`;
  if (probe.status !== 0) return `${PYTHON} has no websockets module (${probe.stderr.trim().split('\n').at(-1) ?? ''})`;
  return undefined;
}

const missing = pythonMissing();
const inCi = (process.env['CI'] ?? '') !== '';
if (missing !== undefined && !inCi) console.warn(`foreign-agents-smoke: skipping the Python agent: ${missing}; to run it: ${INSTALL}`);

interface SmokeCall {
  call: CallRecord;
  /** The end of what the agent printed, for failure messages. */
  log: string;
}

/** One `question` call against `command` (webhook at `webhookPath`), the agent started and stopped by the run. */
async function questionCall(command: string, webhookPath?: string): Promise<SmokeCall> {
  const profile = PROFILES['instant'];
  if (profile === undefined) throw new Error('the instant profile is missing');
  const scenario = await loadScenario(path.join(ROOT, 'scenarios', 'question.json'));
  const fixtures = new Map<string, Utterance>();
  for (const step of scenario.steps) if (step.type === 'say') fixtures.set(step.fixture, await loadFixture(path.join(ROOT, 'fixtures', 'utterances'), step.fixture));
  const dir = await mkdtemp(path.join(tmpdir(), 'callbench-foreign-'));
  const logFile = path.join(dir, 'agent.log');
  try {
    const plan: RunPlan = {
      scenarios: [{ scenario, fixtures }],
      load: { model: 'closed', calls: 1, concurrency: 1 },
      profile,
      seed: 7,
      // The agent writes its log itself: the file is complete once the agent has exited.
      agent: createProcessAgentTarget({ command: `${command} > '${logFile}' 2>&1`, cwd: ROOT, clock, ...(webhookPath === undefined ? {} : { webhookPath }) }),
      authToken: 'foreign-agents-auth-token',
    };
    const run = startRun(plan, { clock });
    const calls: CallRecord[] = [];
    run.subscribe((event) => {
      if (event.type === 'call-ended') calls.push(event.call);
    });
    const result = await run.result;
    const log = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
    expect(result.state, `the run ended ${JSON.stringify(result)}; agent log:\n${log}`).toBe('completed');
    const [call] = calls;
    if (call === undefined) throw new Error(`the run ended no call; agent log:\n${log}`);
    return { call, log };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function expectAnswered({ call, log }: SmokeCall): void {
  const context = `call ${call.state}${call.state === 'failed' ? `: ${call.error}` : ''}; agent log:\n${log}`;
  expect(call.state, context).toBe('completed');
  expect(call.samples['turn.response_ms'] ?? [], context).toHaveLength(1);
  expect(call.verdicts.find((v) => v.id === 'twilio.protocol'), context).toMatchObject({ status: 'passed' });
}

describe('foreign agents (test/agents) answer a question through the runner', { timeout: 120_000 }, () => {
  it('cascaded-raw.mjs: raw Deepgram listen and speak sockets, chat completions over fetch', async () => {
    expectAnswered(await questionCall('node test/agents/cascaded-raw.mjs'));
  });

  it('realtime-raw.mjs: OpenAI Realtime GA over a raw socket, greeting with <Say> before <Connect>, webhook at /twiml', async () => {
    expectAnswered(await questionCall('node test/agents/realtime-raw.mjs', '/twiml'));
  });

  it.skipIf(missing !== undefined && !inCi)('realtime_agent.py: Realtime GA in Python asyncio, webhook on PORT and media stream on a second port', async () => {
    if (missing !== undefined) throw new Error(`${missing}: CI must provide python3-websockets for ${PYTHON} (${INSTALL}; .ci/run does it when apt-get is there)`);
    expectAnswered(await questionCall(`${PYTHON} test/agents/realtime_agent.py`, '/twiml'));
  });
});
