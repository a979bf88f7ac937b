/**
 * startRun as an event stream, against the null agent on the mocks: the events come in order
 * (run-started first, each call's start before its end, the teardown verdicts after the last
 * call, run-ended last), each call record is frozen, the fold's outcome matches; aborting the
 * signal mid-call hangs that call up, starts no other, and ends the run as interrupted; a
 * listener that throws fails the run after it has cleaned up.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock, createSystemClock } from '../../harness/clock.ts';
import { PROFILES } from '../../harness/mocks/profiles.ts';
import { createRunFold } from '../../harness/report/fold.ts';
import { CALIBRATION_AGENT, calibrationScenario } from '../../harness/runner/calibration.ts';
import type { RunEvent } from '../../harness/runner/events.ts';
import { runClosedCount, runOpenModel } from '../../harness/runner/load-models.ts';
import { createNullAgentTarget } from '../../harness/runner/null-agent.ts';
import type { RunPlan } from '../../harness/runner/run.ts';
import { startRun } from '../../harness/runner/start-run.ts';

const clock = createSystemClock();
function plan(calls: number): RunPlan {
  const profile = PROFILES['instant'];
  if (profile === undefined) throw new Error('no instant profile');
  return {
    scenarios: [calibrationScenario()],
    load: { model: 'closed', calls, concurrency: 1 },
    profile,
    seed: 2,
    agent: createNullAgentTarget({ ...CALIBRATION_AGENT, clock }),
    authToken: 'stream-test-token',
  };
}

describe('startRun', { timeout: 60_000 }, () => {
  it('emits the run as ordered events with frozen call records, and the fold gives its outcome', async () => {
    const run = startRun(plan(2), { clock });
    const events: RunEvent[] = [];
    const fold = createRunFold();
    run.subscribe((event) => events.push(event));
    run.subscribe(fold.add);
    const result = await run.result;

    expect(result.state).toBe('completed');
    const types = events.map((e) => e.type).filter((t) => t !== 'interval');
    // The harness's event-loop delay is read once the measured calls are over, before the teardown verdicts.
    expect(types).toEqual(['run-started', 'call-started', 'call-ended', 'call-started', 'call-ended', 'event-loop', 'check-verdict', 'check-verdict', 'upstream', 'run-ended']);
    const ended = events.flatMap((e) => (e.type === 'call-ended' ? [e.call] : []));
    for (const call of ended) {
      expect(call.state).toBe('completed');
      expect(Object.isFrozen(call)).toBe(true);
      expect(Object.isFrozen(call.timeline)).toBe(true);
      expect(call.verdicts.map((v) => v.id)).not.toContain('upstream.closed-after-hangup');
    }
    // Each call's start and end carry the same CallSid, and the teardown verdicts name them.
    const started = events.flatMap((e) => (e.type === 'call-started' ? [e.call.callSid] : []));
    expect(ended.map((c) => c.callSid)).toEqual(started);
    expect(events.flatMap((e) => (e.type === 'check-verdict' ? [e.call.callSid] : []))).toEqual(started);

    const outcome = fold.outcome();
    expect(outcome.eventLoop).toMatchObject({ resolutionMs: 10, samples: expect.any(Number) as number });
    // After the teardown verdicts, the upstream report: the null agent makes no upstream connection.
    expect(outcome.upstream).toEqual({ ties: { byMethod: { header: 0, audio: 0, text: 0, content: 0 }, untied: 0, byService: {} }, refusals: [] });
    expect(outcome.scenarios[0]).toMatchObject({ calls: 2, failedCalls: 0, stoppedCalls: 0 });
    expect(outcome.samples['turn.response_ms']).toHaveLength(2);
    expect(outcome.scenarios[0]?.checks.map((c) => c.verdicts.map((v) => v.id))).toEqual([expect.arrayContaining(['upstream.closed-after-hangup']), expect.arrayContaining(['upstream.closed-after-hangup'])]);
  });

  it('stops on its signal: hangs up the call in flight, starts no other, and ends interrupted', async () => {
    const controller = new AbortController();
    const run = startRun(plan(3), { clock, signal: controller.signal });
    const events: RunEvent[] = [];
    run.subscribe((event) => {
      events.push(event);
      if (event.type === 'call-started') controller.abort('SIGINT');
    });
    const result = await run.result;
    expect(result.state).toBe('interrupted');
    expect(result).toMatchObject({ reason: 'SIGINT' });
    expect(events.filter((e) => e.type === 'call-started')).toHaveLength(1);
    const [call] = events.flatMap((e) => (e.type === 'call-ended' ? [e.call] : []));
    expect(call).toMatchObject({ state: 'stopped', reason: 'interrupted (SIGINT)', samples: {}, verdicts: [] });
    // Hung up as the caller hangs up: `stop` sent on the stream.
    expect(call?.timeline.some((e) => e.kind === 'stop_sent')).toBe(true);
    expect(events.some((e) => e.type === 'check-verdict')).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'run-ended', result: { state: 'interrupted' } });
  });

  it('fails when a listener throws, once it has stopped what it started', async () => {
    const run = startRun(plan(3), { clock });
    let started = 0;
    run.subscribe((event) => {
      if (event.type === 'call-started') started++;
      if (event.type === 'call-ended') throw new Error('a broken listener');
    });
    await expect(run.result).rejects.toThrow('a broken listener');
    expect(started).toBe(1);
  });
});

describe('the load models stop on their signal', () => {
  it('open model: no call comes due after the abort, the running ones finish, scheduled counts those due before', async () => {
    const clock = createManualClock();
    const controller = new AbortController();
    const started: number[] = [];
    const finish: Array<() => void> = [];
    const done = runOpenModel(
      clock,
      { ratePerSec: 1, durationMs: 10_000, maxInFlight: 10, lateBoundMs: 1000 },
      ({ index }) => {
        started.push(index);
        return new Promise<void>((resolve) => finish.push(resolve));
      },
      undefined,
      controller.signal,
    );
    clock.advance(2000);
    controller.abort('SIGINT');
    clock.advance(5000);
    expect(started).toEqual([0, 1, 2]);
    for (const resolve of finish) resolve();
    expect(await done).toMatchObject({ scheduled: 3, started: 3 });
  });

  it('closed model: the callers start no further job once aborted', async () => {
    const controller = new AbortController();
    const ran: number[] = [];
    await runClosedCount(2, 10, async (index) => {
      ran.push(index);
      if (index === 2) controller.abort();
      await Promise.resolve();
    }, controller.signal);
    expect(ran).toEqual([0, 1, 2]);
  });
});
