/**
 * The live status line of a run on a terminal, k6 / autocannon style: one line, rewritten every
 * couple of seconds, with the time elapsed, the calls done, in flight and failed, and the running
 * p50 / p95 of turn.response_ms over the measured calls so far:
 *
 *   [12 s] 8/12 calls done, 4 in flight, 0 failed | turn.response_ms p50 1187 ms, p95 1311 ms (n 14)
 *
 * A fold over the run's events that returns strings; the CLI decides where they go
 * (progress-driver.ts). Pure apart from its own state.
 */
import { createHistogram } from '../metrics/histogram.ts';
import type { RunEvent } from '../runner/events.ts';

export interface LiveStatus {
  add(event: RunEvent): void;
  /** The status line, `elapsedMs` after the run started. */
  line(elapsedMs: number): string;
}

/** The metric whose running percentiles the line shows: what the caller waits for on every turn. */
export const LIVE_METRIC = 'turn.response_ms';

function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export function createLiveStatus(): LiveStatus {
  let planned: number | undefined;
  let done = 0;
  let failed = 0;
  let dropped = 0;
  let warmups = 0;
  const inFlight = new Set<string>();
  const response = createHistogram();
  return {
    add(event) {
      switch (event.type) {
        case 'run-started':
          planned = event.info.plannedCalls;
          return;
        case 'call-started':
          inFlight.add(event.call.callSid);
          return;
        case 'call-ended': {
          const call = event.call;
          inFlight.delete(call.callSid);
          if (call.warmup) {
            warmups++;
            return;
          }
          if (call.state === 'stopped') return;
          done++;
          if (call.state === 'failed') failed++;
          for (const value of call.samples[LIVE_METRIC] ?? []) response.record(value);
          return;
        }
        case 'call-dropped':
          dropped++;
          return;
        default:
          return;
      }
    },
    line(elapsedMs) {
      const calls = planned === undefined ? `${done}` : `${done}/${planned}`;
      const parts = [`${calls} calls done`, `${inFlight.size} in flight`, `${failed} failed`];
      if (dropped > 0) parts.push(`${dropped} dropped`);
      if (warmups > 0) parts.push(`${warmups} warm-up`);
      const s = response.summary();
      const latency = s.count === 0 ? `${LIVE_METRIC}: no samples yet` : `${LIVE_METRIC} p50 ${s.p50.toFixed(0)} ms, p95 ${s.p95.toFixed(0)} ms (n ${s.count})`;
      return `  [${duration(elapsedMs)}] ${parts.join(', ')} | ${latency}`;
    },
  };
}
