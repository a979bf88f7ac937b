/**
 * One call recorded through `callbench record`'s capture proxies against the mocks (as
 * record-proxy.test.ts records one), for the tests that replay a capture: a short scenario (the
 * greeting, one word from the caller, one word back, hang up), its capture written into `out`.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../../../harness/clock.ts';
import { PROFILES } from '../../../harness/mocks/profiles.ts';
import type { Capture } from '../../../harness/record/capture-format.ts';
import { recordScriptedCall } from '../../../harness/record/record-scripted-call.ts';
import type { AgentTarget } from '../../../harness/runner/agent-target.ts';
import type { CallRecord } from '../../../harness/runner/events.ts';
import { loadPlannedScenario } from '../../../harness/scenario/plan.ts';
import type { PlannedScenario } from '../../../harness/runner/run.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

/** A short call: the greeting, one short caller turn answered in a word. */
export const ONE_TURN = {
  name: 'one-turn',
  description: 'The greeting, one short caller turn answered in a word, hang up.',
  steps: [
    { type: 'wait_for_agent', quietMs: 400, timeoutMs: 15000 },
    { type: 'say', fixture: 'no', reply: 'Right.' },
    { type: 'wait_for_agent', quietMs: 400, timeoutMs: 15000 },
    { type: 'hangup' },
  ],
};

/** Records one call of ONE_TURN to `agent` into the capture directory `out` (its scenario file beside it). */
export async function recordOneTurn(agent: AgentTarget, out: string, clock: Clock, authToken: string): Promise<{ capture: Capture; call: CallRecord | undefined }> {
  const scenarioFile = path.join(path.dirname(out), 'one-turn.json');
  await writeFile(scenarioFile, JSON.stringify(ONE_TURN));
  return recordCall(agent, await loadPlannedScenario(scenarioFile, path.join(ROOT, 'fixtures', 'utterances')), out, clock, authToken);
}

/** Records one call of `planned` to `agent` through the proxies (the instant mocks behind them) into the capture directory `out`. */
export function recordCall(agent: AgentTarget, planned: PlannedScenario, out: string, clock: Clock, authToken: string): Promise<{ capture: Capture; call: CallRecord | undefined }> {
  return recordScriptedCall(agent, planned, out, { clock, authToken, profile: PROFILES['instant']! });
}
