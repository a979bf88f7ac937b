/** The figures a capacity step is judged by, read from its run's outcome: calls and failures over every scenario, the headline over every scenario, pacing and loop p99; an agent that exited failed the calls it left. */
import { describe, expect, it } from 'vitest';
import { stepFigures } from '../../harness/capacity/step-figures.ts';
import { createRunFold } from '../../harness/report/fold.ts';
import type { RunResult } from '../../harness/runner/events.ts';
import { callRecord, runStarted } from './helpers/run-events.ts';

const eventLoop = { resolutionMs: 10, samples: 100, delayMs: { p50: 0.1, p90: 0.5, p99: 3.5, max: 9, mean: 0.2 } };

function outcomeOf(calls: ReturnType<typeof callRecord>[], result: RunResult, withLoop = true) {
  const fold = createRunFold();
  fold.add(runStarted());
  for (const call of calls) fold.add({ type: 'call-ended', call });
  if (withLoop) fold.add({ type: 'event-loop', delay: eventLoop });
  fold.add({ type: 'run-ended', result });
  return fold.outcome();
}

describe('stepFigures', () => {
  it('adds the scenarios up, leaves warm-up calls out, and reads the headline, pacing and loop p99', () => {
    const outcome = outcomeOf(
      [
        callRecord({ warmup: true, samples: { 'greeting.first_audio_ms': [9999] } }),
        callRecord({ callSid: 'CA1', samples: { 'greeting.first_audio_ms': [100] } }),
        callRecord({ callSid: 'CA2', index: 1, samples: { 'greeting.first_audio_ms': [300] }, status: { state: 'failed', error: 'boom' } }),
        callRecord({ callSid: 'CA3', scenarioIndex: 1, scenario: 'question', samples: { 'greeting.first_audio_ms': [200] } }),
      ],
      { state: 'completed', durationMs: 1000 },
    );
    const step = stepFigures(4, outcome, 'greeting.first_audio_ms', 55);
    expect(step).toMatchObject({ level: 4, calls: 3, failedCalls: 1, lateDrops: 0, headline: { count: 3, p95: 300 }, pacingP99Ms: 1, eventLoopP99Ms: 3.5, cpuPercent: 55 });
    // The HDR histogram's bucket: within its precision of the middle sample.
    expect(step.headline.p50).toBeCloseTo(200, 0);
  });

  it('no frames sent, no loop measured: no pacing or loop figure; no CPU reading, none given', () => {
    const step = stepFigures(1, outcomeOf([callRecord({ pacing: undefined })], { state: 'completed', durationMs: 1000 }, false), 'turn.response_ms', undefined);
    expect(step).toMatchObject({ calls: 1, failedCalls: 0, headline: { count: 0 }, pacingP99Ms: undefined, eventLoopP99Ms: undefined });
    expect('cpuPercent' in step).toBe(false);
  });

  it('the agent exited: the calls it left hung up are failed ones, and at least one is', () => {
    const stopped = callRecord({ callSid: 'CA2', index: 1, samples: {}, verdicts: [], status: { state: 'stopped', reason: 'the agent exited' } });
    const exited: RunResult = { state: 'agent-exited', message: 'the agent exited with code 1', durationMs: 1000 };
    expect(stepFigures(2, outcomeOf([callRecord(), stopped], exited), 'greeting.first_audio_ms', undefined)).toMatchObject({ calls: 2, failedCalls: 1 });
    expect(stepFigures(2, outcomeOf([callRecord()], exited), 'greeting.first_audio_ms', undefined)).toMatchObject({ calls: 1, failedCalls: 1 });
  });
});
