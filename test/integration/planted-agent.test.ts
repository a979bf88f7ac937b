/**
 * The planted agent (test/agents/planted.mjs) with no bug planted is correct: in each mode, run as
 * an outside process through startRun, it answers every turn of the `question` and
 * `barge-in-mid-sentence` scenarios (under `instant`), and no error-severity check fails on any
 * of its calls. planted-bugs.test.ts plants its bugs one at a time; each must then fail the check
 * that names it, which only means something if the agent without them passes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Utterance } from '../../harness/caller/utterance.ts';
import type { CheckVerdict } from '../../harness/checks/check.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { PROFILES } from '../../harness/mocks/profiles.ts';
import type { CallRecord, RunResult } from '../../harness/runner/events.ts';
import { createProcessAgentTarget } from '../../harness/runner/process-agent.ts';
import type { PlannedScenario } from '../../harness/runner/run.ts';
import { startRun } from '../../harness/runner/start-run.ts';
import { loadFixture, loadScenario } from '../../harness/scenario/load.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const clock = createSystemClock();
const SCENARIOS = ['question', 'barge-in-mid-sentence'];

async function plan(name: string): Promise<PlannedScenario> {
  const scenario = await loadScenario(path.join(ROOT, 'scenarios', `${name}.json`));
  const fixtures = new Map<string, Utterance>();
  for (const step of scenario.steps) if (step.type === 'say') fixtures.set(step.fixture, await loadFixture(path.join(ROOT, 'fixtures', 'utterances'), step.fixture));
  return { scenario, fixtures };
}

interface CorrectRun {
  result: RunResult;
  calls: CallRecord[];
  /** Each call's verdicts: its record's, then `upstream.closed-after-hangup`, decided after the grace period. */
  verdicts: Map<string, CheckVerdict[]>;
  log: string;
}

/** One call of each scenario, side by side, against one agent process in `mode` with no PLANT. */
async function runCorrect(mode: 'cascaded' | 'realtime'): Promise<CorrectRun> {
  const profile = PROFILES['instant'];
  if (profile === undefined) throw new Error('the instant profile is missing');
  const scenarios = await Promise.all(SCENARIOS.map(plan));
  const dir = await mkdtemp(path.join(tmpdir(), 'callbench-planted-'));
  const logFile = path.join(dir, 'agent.log');
  try {
    const run = startRun(
      {
        scenarios,
        load: { model: 'closed', calls: 1, concurrency: scenarios.length },
        profile,
        seed: 11,
        agent: createProcessAgentTarget({ command: `AGENT_MODE=${mode} PLANT= node test/agents/planted.mjs`, cwd: ROOT, clock, logFile }),
        authToken: 'planted-agent-auth-token',
      },
      { clock },
    );
    const calls: CallRecord[] = [];
    const verdicts = new Map<string, CheckVerdict[]>();
    run.subscribe((event) => {
      if (event.type === 'call-ended') {
        calls.push(event.call);
        verdicts.set(event.call.callSid, [...(verdicts.get(event.call.callSid) ?? []), ...event.call.verdicts]);
      }
      if (event.type === 'check-verdict') verdicts.set(event.call.callSid, [...(verdicts.get(event.call.callSid) ?? []), event.verdict]);
    });
    const result = await run.result;
    const log = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-25).join('\n');
    return { result, calls, verdicts, log };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function expectCorrect(run: CorrectRun): void {
  const failed = [...run.verdicts.values()].flat().filter((v) => v.status === 'failed');
  const context = `run ${run.result.state}; failed: ${failed.map((v) => `${v.id} (${v.severity}): ${v.evidence.join(' | ')}`).join('; ') || 'none'}; agent log:\n${run.log}`;
  expect(run.result.state, context).toBe('completed');
  expect(run.calls.map((c) => c.scenario).sort(), context).toEqual([...SCENARIOS].sort());
  for (const call of run.calls) {
    expect(call.state, `${call.scenario}: ${call.state === 'failed' ? call.error : call.state}; ${context}`).toBe('completed');
    // Every turn answered, with a reply the caller heard.
    expect(call.unansweredTurns, `${call.scenario}; ${context}`).toBe(0);
    expect(call.samples['turn.response_ms'] ?? [], `${call.scenario}; ${context}`).toHaveLength(call.turns.length);
    expect(call.greeting, `${call.scenario}; ${context}`).toBe('stream');
    const verdicts = run.verdicts.get(call.callSid) ?? [];
    expect(verdicts.map((v) => v.id), `${call.scenario}; ${context}`).toContain('upstream.closed-after-hangup');
    expect(verdicts.filter((v) => v.severity === 'error' && v.status === 'failed'), `${call.scenario}; ${context}`).toEqual([]);
  }
  // The barge-in is one: the agent cleared the reply the caller talked over, and answered the new question.
  const bargeIn = run.calls.find((c) => c.scenario === 'barge-in-mid-sentence');
  expect(bargeIn?.turns, context).toEqual(['reply', 'barge-in']);
  expect(bargeIn?.samples['bargein.leak_ms'], context).toEqual([0]);
}

describe.concurrent('the planted agent with no bug planted passes', { timeout: 120_000 }, () => {
  it('AGENT_MODE=cascaded: raw Deepgram listen and speak, chat completions over SSE', async () => {
    expectCorrect(await runCorrect('cascaded'));
  });

  it('AGENT_MODE=realtime: one OpenAI Realtime GA socket, truncation at what the caller heard', async () => {
    const run = await runCorrect('realtime');
    expectCorrect(run);
    // Its truncate was accepted (realtime.truncate-accepted passed on the barge-in call, not skipped).
    const bargeIn = run.calls.find((c) => c.scenario === 'barge-in-mid-sentence');
    expect(run.verdicts.get(bargeIn?.callSid ?? '')?.find((v) => v.id === 'realtime.truncate-accepted')?.status).toBe('passed');
  });
});
