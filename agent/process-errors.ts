/**
 * The process-level net for the reference agent: an error nothing caught (thrown from a callback,
 * or a rejected promise nobody awaited) is reported as one `agent.unhandled_error` event and the
 * agent keeps serving its other calls, instead of the whole process, and every call in it, dying.
 *
 * Only the entry points that own the process install it (agent/main.ts and `callbench agent`):
 * library code never touches `process`, since the harness runs the agent inside its own process.
 */
import type { Clock } from '../harness/clock.ts';
import type { AgentLog, UnhandledKind } from './log-events.ts';
import { describeError } from './logger.ts';

/** The parts of `process` this needs (a fake in tests). */
export interface ProcessEvents {
  on(event: 'uncaughtException', listener: (error: unknown) => void): unknown;
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  off(event: 'uncaughtException', listener: (error: unknown) => void): unknown;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

/** Reports every unhandled error to `log`; returns the function that removes the handlers. */
export function reportUnhandledErrors(proc: ProcessEvents, log: AgentLog, clock: Clock): () => void {
  const report = (kind: UnhandledKind, error: unknown): void => {
    try {
      log({ type: 'agent.unhandled_error', t: clock.now(), kind, message: describeError(error) });
    } catch {
      // The sink itself failed: nowhere left to report; staying up matters more.
    }
  };
  const onException = (error: unknown): void => report('uncaught_exception', error);
  const onRejection = (reason: unknown): void => report('unhandled_rejection', reason);
  proc.on('uncaughtException', onException);
  proc.on('unhandledRejection', onRejection);
  return () => {
    proc.off('uncaughtException', onException);
    proc.off('unhandledRejection', onRejection);
  };
}
