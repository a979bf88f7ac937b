/**
 * `upstream.closed-after-hangup`: every upstream WebSocket the agent opened for a call (Deepgram
 * listen and speak, OpenAI Realtime: their 'open' entries in the mock journal) has a 'close'
 * entry by TEARDOWN_GRACE_MS after the caller's hang-up (`stop` sent, or the agent closing the
 * stream first). The runner evaluates it once the grace period has passed for every call, before
 * the agent is stopped (stopping it would close everything and hide the leak).
 */
import type { TimelineEvent } from '../caller/timeline.ts';
import type { JournalEntry } from '../mocks/journal/entries.ts';
import type { MockService } from '../mocks/journal/entries.ts';
import { isSocketClose, isSocketLifecycle, isSocketOpen, UPSTREAM_SOCKET_SERVICES } from '../mocks/journal/queries.ts';
import { secondsAfter, skipped, verdictOf, type CheckVerdict } from './check.ts';

/** How long after the hang-up an upstream socket may stay open. */
export const TEARDOWN_GRACE_MS = 2000;

export { isSocketLifecycle };

/** When the call was hung up: `stop` sent by the caller, or the stream closed (by either side), whichever came first. */
export function hangupTime(events: readonly TimelineEvent[]): number | undefined {
  return events.find((e) => e.kind === 'stop_sent' || e.kind === 'closed')?.t;
}

export interface TeardownInput {
  /** The call's journal entries (only the socket opens and closes are read); undefined when the run has no mocks. */
  journal: readonly JournalEntry[] | undefined;
  hangupAt: number;
  /** The time evidence is given from (harness/checks/check.ts callOrigin). */
  origin: number;
  /** Socket services with connections made during the call that could not be tied to any call. */
  untied?: readonly MockService[];
}

export function checkUpstreamTeardown(input: TeardownInput): CheckVerdict {
  const { hangupAt, origin } = input;
  const sockets = (input.journal ?? []).filter(isSocketLifecycle);
  const opens = sockets.filter(isSocketOpen);
  if (input.journal === undefined) return skipped('upstream.closed-after-hangup', 'no mocks (the real services)');
  if (opens.length === 0) {
    const untied = (input.untied ?? []).filter((service) => UPSTREAM_SOCKET_SERVICES.includes(service));
    return skipped('upstream.closed-after-hangup', untied.length > 0 ? `a ${untied.join(' / ')} socket made during this call could not be tied to it` : 'the call opened no upstream socket');
  }
  const deadline = hangupAt + TEARDOWN_GRACE_MS;
  const hangup = `the hang-up at ${secondsAfter(origin, hangupAt)}`;
  const evidence = opens.flatMap((open) => {
    const close = sockets.filter(isSocketClose).find((e) => e.connection === open.connection && e.t >= open.t);
    if (close !== undefined && close.t <= deadline) return [];
    const socket = `${open.service} ${open.connection} (opened at ${secondsAfter(origin, open.t)})`;
    if (close === undefined) return [`${socket} still open more than ${TEARDOWN_GRACE_MS / 1000} s after ${hangup}`];
    return [`${socket} closed at ${secondsAfter(origin, close.t)}, ${((close.t - hangupAt) / 1000).toFixed(3)} s after ${hangup}`];
  });
  return verdictOf('upstream.closed-after-hangup', evidence);
}
