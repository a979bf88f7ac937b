/**
 * A comparison seen as one run, for the run's progress display (harness/report/progress-driver.ts):
 * every variant's calls in one stream, each call's scenario named `variant/scenario`, the counts
 * over all variants. Only the CLI's progress reads this; the results come from each variant's own events.
 */
import { createEventSource } from '../runner/event-stream.ts';
import type { RunEvent } from '../runner/events.ts';
import type { Run } from '../runner/start-run.ts';
import type { CompareRun } from './run-compare.ts';

export function progressView(compare: CompareRun): Run {
  const source = createEventSource<RunEvent>(() => {});
  let variants: readonly string[] = [];
  let scenarios = 0;
  const rename = <T extends { scenarioIndex: number; scenario: string }>(call: T, v: number): T => ({ ...call, scenarioIndex: v * scenarios + call.scenarioIndex, scenario: `${variants[v] ?? v}/${call.scenario}` });
  compare.subscribe((event) => {
    switch (event.type) {
      case 'compare-started':
        variants = event.variants;
        scenarios = event.scenarios.length;
        source.emit({
          type: 'run-started',
          info: {
            startedAt: event.startedAt,
            profile: '',
            seed: 0,
            agent: '',
            load: { model: 'closed', calls: 0, concurrency: 0 },
            scenarios: variants.flatMap((v) => event.scenarios.map((s) => `${v}/${s}`)),
            plannedCalls: event.plannedCalls,
            warmupCalls: event.warmupCalls,
          },
        });
        return;
      case 'interval':
        source.emit({ type: 'interval', elapsedMs: event.elapsedMs, done: event.done, inFlight: event.inFlight, failed: event.failed, dropped: 0 });
        return;
      case 'compare-ended':
        source.emit({ type: 'run-ended', result: event.result });
        return;
      case 'common-random-numbers':
        return;
      case 'variant-event': {
        const e = event.event;
        const v = event.variant;
        if (e.type === 'call-started') source.emit({ type: 'call-started', call: rename(e.call, v) });
        else if (e.type === 'call-ended') source.emit({ type: 'call-ended', call: rename(e.call, v) });
        else if (e.type === 'check-verdict') source.emit({ type: 'check-verdict', call: rename(e.call, v), verdict: e.verdict });
        return;
      }
    }
  });
  return { subscribe: source.subscribe, result: compare.result };
}
