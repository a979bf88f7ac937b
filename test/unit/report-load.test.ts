/** The table's first line names the load model, so a closed-model run is never mistaken for an open one. */
import { describe, expect, it } from 'vitest';
import { describeLoad } from '../../harness/report/table.ts';

describe('describeLoad', () => {
  it('labels the closed model and says it hides queueing', () => {
    const line = describeLoad({ model: 'closed', label: 'closed model', concurrency: 2, callsPerScenario: 5, started: 10 }, 0);
    expect(line).toMatch(/^Load: closed model .*5 call\(s\) per scenario, concurrency 2: 10 call\(s\)\.$/);
    expect(line).toMatch(/hides queueing/);
    expect(describeLoad({ model: 'closed', label: 'closed model', concurrency: 1, durationMs: 30_000, started: 7 }, 2)).toMatch(
      /calls started for 30 s, concurrency 1: 7 call\(s\); 2 warm-up call\(s\) excluded/,
    );
  });

  it('gives the open model its rate, what was due, started and dropped, by reason', () => {
    const line = describeLoad(
      {
        model: 'open',
        label: 'open model',
        arrivalRate: 0.5,
        durationMs: 60_000,
        maxCallsInFlight: 100,
        lateBoundMs: 1000,
        scheduled: 30,
        started: 27,
        dropped: { total: 3, late: 1, maxInFlight: 2 },
      },
      0,
    );
    expect(line).toBe(
      'Load: open model, 0.5 call(s)/s for 60 s: 30 due, 27 started, 3 dropped (1 started > 1000 ms late, 2 at the limit of 100 in flight).',
    );
  });
});
