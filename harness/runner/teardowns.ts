/**
 * `upstream.closed-after-hangup` for the measured calls of a run: decided once TEARDOWN_GRACE_MS
 * has passed after the last call ended, before the agent stops (stopping it closes every upstream
 * socket and would hide a leak). Each verdict becomes a late `check-verdict` event.
 *
 * The grace ends sooner when waiting out the rest could change no verdict: every upstream socket
 * the run opened (tied to a call or not) has closed, each with code 1000. Until the deadline the
 * verdicts could then change only by a socket opened after its call's hang-up, and what opens one
 * is a reconnect: Deepgram's v5 SDK reconnects after any close whose code is not 1000 (1–5 s
 * later, PROTOCOLS.md §0 item 2, §2.6), so one such close anywhere in the run keeps the whole
 * grace. An agent of its own that reconnects after a normal close of its own making is the one
 * case this no longer waits for.
 */
import type { Clock } from '../clock.ts';
import { callOrigin, skipped, type CheckVerdict } from '../checks/check.ts';
import { checkUpstreamTeardown, hangupTime, isSocketLifecycle, TEARDOWN_GRACE_MS } from '../checks/teardown-check.ts';
import { untiedServicesBetween } from '../checks/absence.ts';
import type { Journal } from '../mocks/journal/journal.ts';
import type { JournalEntry } from '../mocks/journal/entries.ts';
import { isSocketClose, isSocketOpen } from '../mocks/journal/queries.ts';
import type { CallRecord, CallRef } from './events.ts';

/** Only what the teardown check needs outlives a call: not its timeline or journal entries. */
export interface PendingTeardown {
  call: CallRef & { callSid: string };
  hangupAt: number;
  /** Origin of the call's evidence times. */
  origin: number;
  startedAt: number;
  endedAt: number;
}

/** The pending check of a measured call that connected; undefined for any other. */
export function pendingTeardown(record: CallRecord): PendingTeardown | undefined {
  if (record.warmup || record.state === 'stopped' || record.pacing === undefined) return undefined;
  const { scenarioIndex, scenario, index, warmup, callSid } = record;
  return { call: { scenarioIndex, scenario, index, warmup, callSid }, hangupAt: hangupTime(record.timeline) ?? record.endedAt, origin: callOrigin(record.timeline), startedAt: record.startedAt, endedAt: record.endedAt };
}

/**
 * The verdict of every pending call, in order. Skipped for every call when the run has no mocks
 * (`journal` undefined) or when `signal` aborts, during the grace period or before it.
 */
export async function decideTeardowns(
  clock: Clock,
  pending: readonly PendingTeardown[],
  journal: Journal | undefined,
  signal: AbortSignal,
): Promise<Array<{ call: PendingTeardown['call']; verdict: CheckVerdict }>> {
  const skipAll = (reason: string): Array<{ call: PendingTeardown['call']; verdict: CheckVerdict }> =>
    pending.map((p) => ({ call: p.call, verdict: skipped('upstream.closed-after-hangup', reason) }));
  if (journal === undefined) return skipAll('no mocks (the real services)');
  const stopped = `the run stopped before ${TEARDOWN_GRACE_MS / 1000} s had passed after the last call`;
  if (signal.aborted) return skipAll(stopped);
  if (pending.length === 0) return [];
  const lastEnded = pending.reduce((last, p) => Math.max(last, p.endedAt), -Infinity);
  if (!(await graceOver(clock, journal, lastEnded + TEARDOWN_GRACE_MS, signal))) return skipAll(stopped);
  const byCall = new Map<string, JournalEntry[]>();
  for (const entry of journal.entries()) {
    if (entry.call === undefined || !isSocketLifecycle(entry)) continue;
    const list = byCall.get(entry.call);
    if (list === undefined) byCall.set(entry.call, [entry]);
    else list.push(entry);
  }
  const all = journal.entries();
  return pending.map((p) => ({
    call: p.call,
    verdict: checkUpstreamTeardown({ journal: byCall.get(p.call.callSid) ?? [], hangupAt: p.hangupAt, origin: p.origin, untied: untiedServicesBetween(all, p.startedAt, p.endedAt) }),
  }));
}

/**
 * Waits until `deadline`, or until every upstream socket in the journal has closed with code 1000
 * (see the top of this file), whichever comes first. False when `signal` aborted first.
 */
async function graceOver(clock: Clock, journal: Journal, deadline: number, signal: AbortSignal): Promise<boolean> {
  const open = new Set<string>();
  let abnormal = false;
  const note = (entry: JournalEntry): void => {
    if (isSocketOpen(entry)) open.add(`${entry.service} ${entry.connection}`);
    else if (isSocketClose(entry)) {
      open.delete(`${entry.service} ${entry.connection}`);
      if (entry.data.code !== 1000) abnormal = true;
    }
  };
  for (const entry of journal.entries()) note(entry);
  const settled = (): boolean => open.size === 0 && !abnormal;
  if (settled()) return !signal.aborted;
  const early = new AbortController();
  const unsubscribe = journal.subscribe((entry) => {
    note(entry);
    if (settled()) early.abort();
  });
  try {
    await clock.sleepUntil(deadline, AbortSignal.any([signal, early.signal]));
  } catch {
    // The grace cut short (settled) or the run stopped: the signal tells which.
  } finally {
    unsubscribe();
  }
  return !signal.aborted;
}
