/**
 * `callbench replay`'s machinery end to end: one short call of the planted agent (correct,
 * cascaded) recorded through the capture proxies against the mocks, as record-proxy.test.ts
 * records one, then replayed three times against the same agent, the mocks answering from the
 * capture. The verdicts must be the same on every replay (behaviour); the timing figures are
 * measured and reported, never asserted on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../harness/clock.ts';
import type { Capture } from '../../harness/record/capture-format.ts';
import { runReplay, type ReplayOutcome } from '../../harness/replay/run-replay.ts';
import { renderTiming } from '../../harness/replay/timing.ts';
import type { CallRecord } from '../../harness/runner/events.ts';
import { createProcessAgentTarget } from '../../harness/runner/process-agent.ts';
import { recordOneTurn } from './helpers/record-call.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const AUTH_TOKEN = 'replay-test-auth-token';
const clock = createSystemClock();
const plantedAgent = (): ReturnType<typeof createProcessAgentTarget> => createProcessAgentTarget({ command: 'AGENT_MODE=cascaded node test/agents/planted.mjs', cwd: ROOT, clock });

let dir: string;
let capture: Capture;
let recorded: CallRecord | undefined;
let outcome: ReplayOutcome;
/** The replay against the slow agent: started beside the three replays (each waits on real-time audio), read by its own test. */
let slowReplay: Promise<ReplayOutcome> | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'callbench-replay-'));
  ({ capture, call: recorded } = await recordOneTurn(plantedAgent(), path.join(dir, 'capture'), clock, AUTH_TOKEN));
  slowReplay = runReplay(capture, { clock, agent: createProcessAgentTarget({ command: 'AGENT_MODE=cascaded PLANT=slow node test/agents/planted.mjs', cwd: ROOT, clock }), calls: 1, authToken: AUTH_TOKEN });
  // Its test reports its failure; until that test reads it, a rejection is not unhandled.
  slowReplay.catch(() => {});
  outcome = await runReplay(capture, { clock, agent: plantedAgent(), calls: 3, authToken: AUTH_TOKEN });
  // The figure the issue asks for, printed for whoever runs the test (not a bound).
  console.log(renderTiming(outcome.timing));
}, 90_000);

afterAll(async () => {
  // Its agent stopped before the capture's folder goes, even when a test failed before reading it.
  await slowReplay?.catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe('callbench replay: a recorded call played again', () => {
  it('the recorded call completed, and its replays did too', () => {
    expect(recorded?.state).toBe('completed');
    expect(outcome.calls.map(({ call }) => call.state)).toEqual(['completed', 'completed', 'completed']);
  });

  it("the caller's script came from capture.json: the one utterance, expecting a reply", () => {
    expect(outcome.plan.script).toBe('capture');
    expect(outcome.plan.utterances.map((u) => u.expect)).toEqual(['reply']);
  });

  it('three replays against the same agent give the same verdict for every check, and the recorded call passed them', () => {
    expect(outcome.identical, JSON.stringify([...outcome.statuses])).toBe(true);
    const first = outcome.calls[0]!.verdicts.map((v) => [v.id, v.status]).sort();
    for (const { verdicts } of outcome.calls) expect(verdicts.map((v) => [v.id, v.status]).sort()).toEqual(first);
    expect(outcome.statuses.get('turn.answered')).toEqual(['passed', 'passed', 'passed']);
    // What the recorded call was judged, the replays are judged too.
    const recordedStatuses = new Map<string, string>(recorded?.verdicts.map((v) => [v.id, v.status]));
    for (const [id, status] of first) if (recordedStatuses.has(String(id))) expect([id, recordedStatuses.get(String(id))]).toEqual([id, status]);
  });

  it('the upstream events replayed were timed against their recorded offsets (listen results, chat events)', () => {
    const kinds = outcome.timing.rows.map((r) => r.what);
    expect(kinds).toEqual(expect.arrayContaining(['deepgram.listen Results', 'openai.chat event']));
    expect(outcome.timing.all.n).toBeGreaterThan(0);
  });

  it('an agent slower than the recorded one (PLANT=slow: +700 ms before its reply) is not hung up on mid-reply: the caller hung up into silence, so the replay waits for as much quiet', async () => {
    if (slowReplay === undefined) throw new Error('the slow replay did not start: the recording failed (see beforeAll)');
    const slow = await slowReplay;
    const [only] = slow.calls;
    const context = JSON.stringify(only?.verdicts.filter((v) => v.status !== 'passed'));
    expect(only?.call.state, context).toBe('completed');
    const status = (id: string): string | undefined => only?.verdicts.find((v) => v.id === id)?.status;
    expect(status('turn.answered'), context).toBe('passed');
    // Its whole reply played before the hang-up: judged, and complete (a fixed-time hang-up would have cut it: skipped).
    expect(status('turn.complete'), context).toBe('passed');
  });
});
