import { CORE_CHECKS } from './catalogue/core.ts';
import type { CheckDefinition, Severity } from './catalogue/definition.ts';
import { TWILIO_CHECKS } from './catalogue/twilio.ts';
import { UPSTREAM_CHECKS } from './catalogue/upstream.ts';

/**
 * Conformance checks: what each one asserts, its stable id and severity, and the verdict it gives
 * for one call. Evidence lines quote the timeline or journal facts that show a fault, with times
 * in seconds after the call's `start` was sent (e.g. `at 6.040 s`).
 *
 * An `error` that fails on any measured call fails the run (exit 3); a `warning` is reported only.
 * A check that does not apply to a call (no barge-in, no truncate, no mocks) is `skipped` for it,
 * always with the reason, so an absence is never mistaken for a pass.
 */

/**
 * The catalogue, one file per area so each can grow on its own (catalogue/*.ts); the order here is
 * the order reports list them.
 */
export const CHECKS = { ...CORE_CHECKS, ...TWILIO_CHECKS, ...UPSTREAM_CHECKS } as const satisfies Record<string, CheckDefinition>;

export type CheckId = keyof typeof CHECKS;
export type { Severity };
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
