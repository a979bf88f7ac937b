/** Gathers the reference agent's per-turn timing events into self-reported turns, per call. */
import type { AgentLogEvent } from '../../agent/index.ts';
import type { SelfReportedTurn } from '../metrics/self-report.ts';

export interface SelfReportCollector {
  observe(event: AgentLogEvent): void;
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
      // The end of the caller's turn as the agent saw it: the STT final, or Realtime's speech_stopped.
      if (event.type === 'stt.final' || event.type === 'realtime.speech_stopped') turnOf(event.callSid, event.turn).sttFinalAt = event.t;
      else if (event.type === 'twilio.first_media') turnOf(event.callSid, event.turn).firstMediaAt = event.t;
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
