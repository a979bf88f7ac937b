/**
 * Conformance checks: what each one asserts, its stable id and severity, and the verdict it gives
 * for one call. Evidence lines quote the timeline or journal facts that show a fault, with times
 * in seconds after the call's `start` was sent (e.g. `at 6.040 s`).
 *
 * An `error` that fails on any measured call fails the run (exit 3); a `warning` is reported only.
 * A check that does not apply to a call (no barge-in, no truncate, no mocks) is `skipped` for it,
 * always with the reason, so an absence is never mistaken for a pass.
 */

export const CHECKS = {
  'twilio.protocol': { severity: 'error', asserts: 'the agent sent nothing the fake Twilio flagged (invalid JSON, unknown event, wrong streamSid, WAV header, binary frame)' },
  'turn.answered': { severity: 'error', asserts: 'every caller turn that expected a reply (reply or barge-in) got audible agent audio' },
  'turn.complete': { severity: 'error', asserts: 'a reply the caller did not interrupt was played to its end (90 %), or the agent spoke again within 5 s of breaking off: no dead air after an upstream drop' },
  'bargein.no-leak': { severity: 'error', asserts: 'after the `clear` of a barge-in, no audio of the interrupted reply arrived' },
  'bargein.no-spurious-clear': { severity: 'warning', asserts: 'no `clear` arrived while no agent audio was playing at the caller' },
  'realtime.truncate-accepted': { severity: 'error', asserts: 'every `conversation.item.truncate` sent to the Realtime mock was accepted (`conversation.item.truncated`, not `error`)' },
  'upstream.closed-after-hangup': { severity: 'error', asserts: 'every upstream WebSocket of the call (Deepgram listen and speak, OpenAI Realtime) closed within 2 s of the hang-up' },
  'fault.not-injected': { severity: 'warning', asserts: 'every fault the scenario armed for the call was injected by the mocks (a fault that never fired tested nothing)' },
} as const satisfies Record<string, { severity: Severity; asserts: string }>;

export type CheckId = keyof typeof CHECKS;
export type Severity = 'error' | 'warning';
export type CheckStatus = 'passed' | 'failed' | 'skipped';

/** Every check id, in the order reports list them. */
export const CHECK_IDS = Object.keys(CHECKS) as CheckId[];

interface VerdictBase {
  id: CheckId;
  severity: Severity;
  /** Why it failed (empty when it passed or was skipped). */
  evidence: string[];
}

/** A check's verdict on one call: passed, failed (with evidence), or skipped (with the reason it could not apply). */
export type CheckVerdict = VerdictBase & ({ status: 'passed' } | { status: 'failed' } | { status: 'skipped'; reason: string });

/** The verdicts of one measured call; `call` is its 1-based index within its scenario. */
export interface CallVerdicts {
  call: number;
  verdicts: CheckVerdict[];
}

/** Most evidence lines one verdict keeps; the rest are counted in a last line. */
export const MAX_EVIDENCE_PER_CALL = 5;

export function passed(id: CheckId): CheckVerdict {
  return { id, severity: CHECKS[id].severity, status: 'passed', evidence: [] };
}

/** Did not apply to the call; `reason` says why in a few words (shown as "skipped: <reason>"). */
export function skipped(id: CheckId, reason: string): CheckVerdict {
  return { id, severity: CHECKS[id].severity, status: 'skipped', reason, evidence: [] };
}

/** Failed when there is evidence, passed otherwise; long evidence is cut to MAX_EVIDENCE_PER_CALL lines. */
export function verdictOf(id: CheckId, evidence: readonly string[]): CheckVerdict {
  if (evidence.length === 0) return passed(id);
  const kept = evidence.length > MAX_EVIDENCE_PER_CALL ? [...evidence.slice(0, MAX_EVIDENCE_PER_CALL - 1), `… and ${evidence.length - MAX_EVIDENCE_PER_CALL + 1} more`] : [...evidence];
  return { id, severity: CHECKS[id].severity, status: 'failed', evidence: kept };
}

/** A clock time as seconds after the call's origin (the time `start` was sent): `6.040 s`. */
export function secondsAfter(origin: number, t: number): string {
  return `${((t - origin) / 1000).toFixed(3)} s`;
}

/** The origin evidence times are given from: `start` sent, else the first event of the call. */
export function callOrigin(events: ReadonlyArray<{ kind: string; t: number }>): number {
  return (events.find((e) => e.kind === 'start_sent') ?? events[0])?.t ?? 0;
}
