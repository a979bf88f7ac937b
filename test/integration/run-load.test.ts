/**
 * A run under the open model against the null agent: calls start on the schedule, the ones that
 * find the in-flight limit reached are dropped and reported, each started call gets a start-lag
 * sample, warm-up calls are left out of the statistics, and the summary carries the load model,
 * the bootstrap intervals and the pacing counts.
 */
import { describe, expect, it } from 'vitest';
import { createSystemClock } from '../../harness/clock.ts';
import { PROFILES } from '../../harness/mocks/profiles.ts';
import { renderSummaryTable } from '../../harness/report/table.ts';
import { summarize } from '../../harness/report/summary.ts';
import { CALIBRATION_AGENT, calibrationScenario } from '../../harness/runner/calibration.ts';
import { createNullAgentTarget } from '../../harness/runner/null-agent.ts';
import { foldRun } from '../../harness/report/fold.ts';
import { startRun } from '../../harness/runner/start-run.ts';

describe('a run under the open model', () => {
  it('drops calls at the in-flight limit, records start lag, and excludes warm-up calls', async () => {
    const clock = createSystemClock();
    const profile = PROFILES['instant'];
    if (profile === undefined) throw new Error('no instant profile');
    // Calls last over a second; at 5/s with 2 in flight, calls 0 and 1 start and 2..4 are dropped.
    const { outcome, result } = await foldRun(
      startRun(
        {
        scenarios: [calibrationScenario()],
        load: { model: 'open', ratePerSec: 5, durationMs: 1000, maxInFlight: 2, lateBoundMs: 1000 },
        warmup: 1,
        profile,
        seed: 4,
        agent: createNullAgentTarget({ ...CALIBRATION_AGENT, clock }),
        authToken: 'load-test-token',
        },
        { clock },
      ),
    );
    expect(result).toMatchObject({ state: 'completed', scheduled: 5 });
    expect(outcome.load).toMatchObject({ scheduled: 5, started: 2, dropped: { late: 0, 'max-in-flight': 3 } });
    expect(outcome.warmupCalls).toBe(1);
    const [scenario] = outcome.scenarios;
    expect(scenario).toMatchObject({ calls: 2, failedCalls: 0, droppedCalls: 3, warmupCalls: 1 });
    // Only the two measured calls gave samples: the warm-up call's greeting is not among them.
    expect(outcome.samples['greeting.first_audio_ms']).toHaveLength(2);
    expect(outcome.metrics['greeting.first_audio_ms'].count).toBe(2);
    expect(outcome.samples['call.start_lag_ms']).toHaveLength(2);
    for (const lag of outcome.samples['call.start_lag_ms']) expect(lag).toBeGreaterThanOrEqual(0);

    const summary = summarize(outcome, 'test');
    expect(summary.load).toMatchObject({ model: 'open', label: 'open model', arrivalRate: 5, scheduled: 5, started: 2, dropped: { total: 3, late: 0, maxInFlight: 3 } });
    expect(summary.warmup).toEqual({ calls: 1, failedCalls: 0 });
    expect(summary.pacing.framesSent).toBeGreaterThan(0);
    expect(summary.pacing.framesLateMs.count).toBe(summary.pacing.framesSent);
    // Two samples cannot support an interval: none is given, rather than the range of two values.
    expect(summary.metrics['greeting.first_audio_ms']?.count).toBe(2);
    expect(summary.metrics['greeting.first_audio_ms']?.ci).toBeUndefined();
    expect(summary.statistics).toMatchObject({ level: 0.95, resamples: 1000, seed: 4, minSamples: 10 });

    const table = renderSummaryTable(summary, (metric) => metric);
    expect(table).toMatch(/open model, 5 call\(s\)\/s for 1 s: 5 due, 2 started, 3 dropped/);
    expect(table).toMatch(/1 warm-up call\(s\) excluded/);
    expect(table).toMatch(/p50 CI/);
  });
});
