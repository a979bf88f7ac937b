/**
 * Stamps events with the clock and hands them to the user's `log`, which may never break the agent.
 * A call logger also fills in the call's sid and caps repeated warnings, so a misbehaving peer
 * cannot flood the log (Twilio itself reports an invalid message once per stream).
 */
import type { Clock } from '../harness/clock.ts';
import type {
  AgentErrorCode,
  AgentLog,
  AgentLogEvent,
  AgentWarningCode,
  DistributiveOmit,
  UnstampedEvent,
} from './log-events.ts';

export interface AgentLogger {
  emit(event: UnstampedEvent): void;
  warn(callSid: string | null, code: AgentWarningCode, message: string): void;
  error(callSid: string | null, code: AgentErrorCode, message: string): void;
}

export function createAgentLogger(log: AgentLog, clock: Clock): AgentLogger {
  const emit = (event: UnstampedEvent): void => {
    const stamped: AgentLogEvent = { ...event, t: clock.now() };
    try {
      log(stamped);
    } catch {
      // A throwing log sink must not take a call down; there is nowhere else to report it.
    }
  };
  return {
    emit,
    warn: (callSid, code, message) => emit({ type: 'warning', callSid, code, message }),
    error: (callSid, code, message) => emit({ type: 'error', callSid, code, message }),
  };
}

/** Events that belong to a started call (they carry a non-null callSid). */
export type CallScopedEvent = Extract<AgentLogEvent, { callSid: string }>;

export interface CallLogger {
  /** Call-scoped event; dropped if the call has not started (no sid yet). */
  emit(event: DistributiveOmit<CallScopedEvent, 't' | 'callSid'>): void;
  warn(code: AgentWarningCode, message: string): void;
  error(code: AgentErrorCode, message: string): void;
  setCallSid(callSid: string): void;
  /** Runs `fn`; if it throws, logs an internal error instead of letting it reach an SDK or the event loop. */
  guard(what: string, fn: () => void): void;
  readonly callSid: string | null;
  /** Warnings swallowed by the per-code cap so far. */
  readonly suppressedWarnings: number;
}

/** Each warning code is logged at most this many times per call. */
export const WARNINGS_PER_CODE = 3;

export function createCallLogger(logger: AgentLogger): CallLogger {
  let callSid: string | null = null;
  let suppressed = 0;
  const warned = new Map<AgentWarningCode, number>();
  return {
    emit(event) {
      if (callSid === null) return;
      logger.emit({ ...event, callSid });
    },
    warn(code, message) {
      const count = (warned.get(code) ?? 0) + 1;
      warned.set(code, count);
      if (count > WARNINGS_PER_CODE) {
        suppressed += 1;
        return;
      }
      logger.warn(callSid, code, count === WARNINGS_PER_CODE ? `${message} (further '${code}' warnings in this call are suppressed)` : message);
    },
    error: (code, message) => logger.error(callSid, code, message),
    guard(what, fn) {
      try {
        fn();
      } catch (error) {
        logger.error(callSid, 'internal', `${what} failed: ${describeError(error)}`);
      }
    },
    setCallSid(sid) {
      callSid = sid;
    },
    get callSid() {
      return callSid;
    },
    get suppressedWarnings() {
      return suppressed;
    },
  };
}

/** A one-line description of anything thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    if (error.message === '') return error.name;
    return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
  }
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') return error.message;
  return String(error);
}
