/**
 * Live progress: on a terminal one status line (elapsed, calls done / in flight / failed, the
 * running p50 / p95 of turn.response_ms) redrawn every 2 s on the run's clock, with only what went
 * wrong printed above it and the last status left as a line at the end; without a terminal the
 * plain lines of before. The terminal IO prints a line above the status and redraws it, and
 * clears it before results go to the same terminal.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../harness/clock.ts';
import { createTerminalIo } from '../../harness/cli/terminal-io.ts';
import { createLiveStatus } from '../../harness/report/live-progress.ts';
import { attachProgress } from '../../harness/report/progress-driver.ts';
import type { CallRecord, RunEvent, RunResult } from '../../harness/runner/events.ts';
import { createEventSource } from '../../harness/runner/event-stream.ts';
import type { Run } from '../../harness/runner/start-run.ts';
import { callRecord, failed, runStarted } from './helpers/run-events.ts';

const startedOf = (call: CallRecord, at: number): RunEvent => ({
  type: 'call-started',
  call: { scenarioIndex: call.scenarioIndex, scenario: call.scenario, index: call.index, warmup: call.warmup, callSid: call.callSid, at },
});

describe('the live status line', () => {
  it('counts calls done, in flight and failed, with the running percentiles of turn.response_ms', () => {
    const live = createLiveStatus();
    live.add(runStarted());
    expect(live.line(0)).toBe('  [0 s] 0/4 calls done, 0 in flight, 0 failed | turn.response_ms: no samples yet');
    const a = callRecord({ callSid: 'A', samples: { 'turn.response_ms': [1000, 1200] } });
    const b = callRecord({ callSid: 'B', index: 1, status: { state: 'failed', error: 'no answer' }, samples: { 'turn.response_ms': [3000] } });
    const c = callRecord({ callSid: 'C', index: 2 });
    for (const call of [a, b, c]) live.add(startedOf(call, 0));
    live.add({ type: 'call-ended', call: a });
    live.add({ type: 'call-ended', call: b });
    live.add({ type: 'call-dropped', call: { scenarioIndex: 0, scenario: 'greeting', index: 9, warmup: false }, reason: 'late', lagMs: 1500 });
    expect(live.line(75_400)).toBe('  [1m15s] 2/4 calls done, 1 in flight, 1 failed, 1 dropped | turn.response_ms p50 1200 ms, p95 3000 ms (n 3)');
  });
});

interface FakeRun extends Run {
  emit(event: RunEvent): void;
  end(result: RunResult): void;
}

function fakeRun(): FakeRun {
  const source = createEventSource<RunEvent>((error) => {
    throw error;
  });
  let finish: (result: RunResult) => void = () => undefined;
  const result = new Promise<RunResult>((resolve) => (finish = resolve));
  return { subscribe: source.subscribe, emit: source.emit, result, end: finish };
}

describe('attachProgress', () => {
  it('on a terminal: redraws the status every 2 s, prints only failures above it, leaves the last status as a line', () => {
    const clock = createManualClock(10_000);
    const run = fakeRun();
    const log: string[] = [];
    attachProgress(run, { progress: (t) => log.push(`line ${t}`), status: (t) => log.push(`status ${t}`) }, clock);
    run.emit(runStarted());
    expect(log).toEqual(['status   [0 s] 0/4 calls done, 0 in flight, 0 failed | turn.response_ms: no samples yet']);
    const ok = callRecord({ callSid: 'A', samples: { 'turn.response_ms': [900] } });
    const bad = callRecord({ callSid: 'B', index: 1, verdicts: [failed('twilio.protocol', 'unknown event')] });
    run.emit(startedOf(ok, clock.now()));
    run.emit(startedOf(bad, clock.now()));
    clock.advance(2000);
    run.emit({ type: 'call-ended', call: ok });
    run.emit({ type: 'interval', elapsedMs: 2000, done: 1, inFlight: 1, failed: 0, dropped: 0 });
    clock.advance(1000);
    run.emit({ type: 'call-ended', call: bad });
    clock.advance(1000);
    run.emit({ type: 'run-ended', result: { state: 'completed', durationMs: 4000 } });
    clock.advance(10_000);
    expect(log).toEqual([
      'status   [0 s] 0/4 calls done, 0 in flight, 0 failed | turn.response_ms: no samples yet',
      'status   [2 s] 0/4 calls done, 2 in flight, 0 failed | turn.response_ms: no samples yet',
      // No [start] lines, no "ok" line, no interval line: only the failing call's.
      'line   [2/4] greeting #2 FAILED checks: twilio.protocol',
      'status   [4 s] 2/4 calls done, 0 in flight, 0 failed | turn.response_ms p50 900 ms, p95 900 ms (n 1)',
      'status ',
      'line   [4 s] 2/4 calls done, 0 in flight, 0 failed | turn.response_ms p50 900 ms, p95 900 ms (n 1)',
    ]);
    run.end({ state: 'completed', durationMs: 4000 });
  });

  it('without a terminal: the plain lines of before', () => {
    const clock = createManualClock();
    const run = fakeRun();
    const lines: string[] = [];
    attachProgress(run, { progress: (t) => lines.push(t) }, clock);
    run.emit(runStarted());
    const call = callRecord({ callSid: 'CA9' });
    run.emit(startedOf(call, 0));
    run.emit({ type: 'call-ended', call });
    expect(lines).toEqual(['  [start] greeting #1 CA9', '  [1/4] greeting #1 ok']);
  });

  it('stops its timer when the run fails to start', async () => {
    const clock = createManualClock();
    const source = createEventSource<RunEvent>(() => undefined);
    const result = Promise.reject(new Error('mocks could not start'));
    const log: string[] = [];
    attachProgress({ subscribe: source.subscribe, result }, { progress: (t) => log.push(t), status: (t) => log.push(`status ${t}`) }, clock);
    source.emit(runStarted());
    await result.catch(() => undefined);
    await Promise.resolve();
    const drawn = log.length;
    clock.advance(10_000);
    expect(log.length).toBe(drawn);
    expect(log.at(-1)).toBe('status ');
  });
});

describe('createTerminalIo', () => {
  const stream = (isTTY: boolean): { isTTY: boolean; text: string; write(t: string): void } => ({
    isTTY,
    text: '',
    write(t) {
      this.text += t;
    },
  });

  it('has no status line when stderr is not a terminal', () => {
    const out = stream(false);
    const err = stream(false);
    const io = createTerminalIo(out, err);
    expect(io.status).toBeUndefined();
    io.progress('a line');
    io.out('result');
    expect(err.text).toBe('a line\n');
    expect(out.text).toBe('result\n');
  });

  it('prints a progress line above the status and redraws it; clears it before results on the same terminal', () => {
    const out = stream(true);
    const err = stream(true);
    const io = createTerminalIo(out, err);
    io.status?.('[2 s] 1 done');
    io.progress('  [1/2] greeting #1 FAILED');
    io.out('table');
    io.progress('after');
    expect(err.text).toBe('\r\x1b[2K[2 s] 1 done' + '\r\x1b[2K  [1/2] greeting #1 FAILED\n[2 s] 1 done' + '\r\x1b[2K' + 'after\n');
    expect(out.text).toBe('table\n');
  });
});
