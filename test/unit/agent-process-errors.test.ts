/**
 * The process-level net of the agent's entry points: an unhandled error becomes one
 * `agent.unhandled_error` event, and `callbench agent` installs the net for as long as it serves
 * (and takes --no-call-header). A fake process (an EventEmitter): nothing is thrown for real here;
 * agent-unhandled-error.test.ts does that in a child process.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { AgentLogEvent } from '../../agent/log-events.ts';
import { reportUnhandledErrors, type ProcessEvents } from '../../agent/process-errors.ts';
import { createManualClock } from '../../harness/clock.ts';
import { agentCommand } from '../../harness/cli/commands/agent.ts';

function fakeProcess(): EventEmitter & ProcessEvents {
  return new EventEmitter() as EventEmitter & ProcessEvents;
}

describe('reportUnhandledErrors', () => {
  it('reports thrown errors and unawaited rejections as events, and removes its handlers', () => {
    const proc = fakeProcess();
    const clock = createManualClock(42);
    const events: AgentLogEvent[] = [];
    const stop = reportUnhandledErrors(proc, (event) => events.push(event), clock);
    proc.emit('uncaughtException', new TypeError('bad thing'));
    proc.emit('unhandledRejection', 'just a string');
    expect(events).toEqual([
      { type: 'agent.unhandled_error', t: 42, kind: 'uncaught_exception', message: 'TypeError: bad thing' },
      { type: 'agent.unhandled_error', t: 42, kind: 'unhandled_rejection', message: 'just a string' },
    ]);
    stop();
    expect(proc.listenerCount('uncaughtException')).toBe(0);
    expect(proc.listenerCount('unhandledRejection')).toBe(0);
  });

  it('survives a log sink that throws', () => {
    const proc = fakeProcess();
    reportUnhandledErrors(proc, () => {
      throw new Error('sink down');
    }, createManualClock());
    expect(() => proc.emit('uncaughtException', new Error('x'))).not.toThrow();
  });
});

describe('callbench agent (in process, fake process object)', () => {
  it('installs the net while serving, prints what it catches, and passes --no-call-header on', async () => {
    const proc = fakeProcess();
    const lines: string[] = [];
    const io = { out: (text: string) => lines.push(text), progress: (text: string) => lines.push(`stderr: ${text}`) };
    const env = { DEEPGRAM_API_KEY: 'dg', OPENAI_API_KEY: 'oa', DEEPGRAM_API_URL: 'http://127.0.0.1:9', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' };
    let listenersWhileServing = 0;
    const code = await agentCommand(
      ['--port', '0', '--no-call-header'],
      io,
      env,
      async () => {
        listenersWhileServing = proc.listenerCount('uncaughtException') + proc.listenerCount('unhandledRejection');
        proc.emit('uncaughtException', new Error('escaped from a callback'));
      },
      proc,
    );
    expect(code).toBe(0);
    expect(listenersWhileServing).toBe(2);
    expect(proc.listenerCount('uncaughtException') + proc.listenerCount('unhandledRejection')).toBe(0);
    const events = lines.map((line) => JSON.parse(line) as AgentLogEvent);
    expect(events.find((event) => event.type === 'agent.listening')).toMatchObject({ callHeader: false });
    expect(events.find((event) => event.type === 'agent.unhandled_error')).toMatchObject({ kind: 'uncaught_exception', message: 'escaped from a callback' });
  });

  it('keeps the call header on by default', async () => {
    const lines: string[] = [];
    const io = { out: (text: string) => lines.push(text), progress: (text: string) => lines.push(`stderr: ${text}`) };
    const env = { DEEPGRAM_API_KEY: 'dg', OPENAI_API_KEY: 'oa', DEEPGRAM_API_URL: 'http://127.0.0.1:9', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' };
    expect(await agentCommand(['--port', '0'], io, env, () => Promise.resolve(), fakeProcess())).toBe(0);
    expect(lines.map((line) => JSON.parse(line) as AgentLogEvent).find((event) => event.type === 'agent.listening')).toMatchObject({ callHeader: true });
  });
});
