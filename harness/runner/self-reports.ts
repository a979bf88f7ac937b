/**
 * Gathers an agent's per-turn timing events (the reference agent's log events, in process or as
 * JSON lines from a child process) into self-reported turns, per call.
 */
import type { SelfReportedTurn } from '../metrics/self-report.ts';

/** The fields of a log event that matter here; any other event passes through unread. */
export interface TimingLogEvent {
  type: string;
  t: number;
  callSid?: string | null;
  turn?: number;
}

export interface SelfReportCollector {
  observe(event: TimingLogEvent): void;
  forCall(callSid: string): SelfReportedTurn[];
}

export function createSelfReportCollector(): SelfReportCollector {
  /** callSid → turn → the two timings, as they arrive. */
  const calls = new Map<string, Map<number, { sttFinalAt?: number; firstMediaAt?: number }>>();
  const turnOf = (callSid: string, turn: number): { sttFinalAt?: number; firstMediaAt?: number } => {
    let turns = calls.get(callSid);
    if (turns === undefined) calls.set(callSid, (turns = new Map()));
    let entry = turns.get(turn);
    if (entry === undefined) turns.set(turn, (entry = {}));
    return entry;
  };
  return {
    observe(event) {
      const { callSid, turn } = event;
      if (typeof callSid !== 'string' || turn === undefined) return;
      // The end of the caller's turn as the agent saw it: the STT final, or Realtime's speech_stopped.
      if (event.type === 'stt.final' || event.type === 'realtime.speech_stopped') turnOf(callSid, turn).sttFinalAt = event.t;
      else if (event.type === 'twilio.first_media') turnOf(callSid, turn).firstMediaAt = event.t;
    },
    forCall(callSid) {
      const out: SelfReportedTurn[] = [];
      for (const turn of calls.get(callSid)?.values() ?? []) {
        if (turn.sttFinalAt !== undefined && turn.firstMediaAt !== undefined) out.push({ sttFinalAt: turn.sttFinalAt, firstMediaAt: turn.firstMediaAt });
      }
      return out;
    },
  };
}
