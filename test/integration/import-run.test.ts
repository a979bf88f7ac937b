/**
 * An imported recording played against the reference agent: `callbench import` of the built
 * dual-channel recording (test/helpers/dual-channel-recording.ts), then one call of the scenario
 * it wrote (instant profile). The barge-in step fires inside the agent's reply, and the agent,
 * which handles barge-in correctly, passes the expectation the import wrote (interrupt).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCommand } from '../../harness/cli/commands/import.ts';
import { FIXTURES_DIR } from '../../harness/cli/paths.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { PROFILES } from '../../harness/mocks/profiles.ts';
import type { CallRecord } from '../../harness/runner/events.ts';
import { createReferenceAgentTarget } from '../../harness/runner/reference-agent.ts';
import { startRun } from '../../harness/runner/start-run.ts';
import { loadPlannedScenario } from '../../harness/scenario/plan.ts';
import { dualChannelRecording } from '../helpers/dual-channel-recording.ts';

let dir: string;
let call: CallRecord | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'callbench-import-run-'));
  await writeFile(path.join(dir, 'barge.wav'), await dualChannelRecording());
  await writeFile(path.join(dir, 'transcript.txt'), 'I would like to book a table for two tonight.\nWait, stop.\n');
  const lines: string[] = [];
  expect(await importCommand(['barge.wav', '--transcript', 'transcript.txt'], { out: (t) => lines.push(t), progress: (t) => lines.push(t) }, dir)).toBe(0);
  const planned = await loadPlannedScenario(path.join(dir, 'scenarios', 'barge.json'), FIXTURES_DIR);
  const run = startRun(
    { scenarios: [planned], load: { model: 'closed', calls: 1, concurrency: 1 }, profile: PROFILES['instant']!, seed: 1, agent: createReferenceAgentTarget(), authToken: 'import-run-test-token' },
    { clock: createSystemClock() },
  );
  run.subscribe((event) => {
    if (event.type === 'call-ended') call = event.call;
  });
  await run.result;
}, 90_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('an imported recording against the reference agent', () => {
  it('the call completes; the barge-in interrupts the reply and turn.expected passes', () => {
    expect(call?.state).toBe('completed');
    const failed = call?.verdicts.filter((v) => v.status === 'failed');
    expect(failed, JSON.stringify(failed)).toEqual([]);
    expect(call?.verdicts.find((v) => v.id === 'turn.expected')?.status).toBe('passed');
    expect(call?.timeline.some((e) => e.kind === 'clear')).toBe(true);
  });
});
