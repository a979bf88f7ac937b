/**
 * Why an upstream service has no entries in a call's journal, in the words a skipped check gives:
 * no mocks at all, a connection that could not be tied to the call, or none made.
 */
import type { JournalEntry, MockService } from '../mocks/journal/entries.ts';

export interface AbsenceFacts {
  journal: readonly JournalEntry[];
  /** False when the run used the real services. */
  mocks?: boolean;
  /** Services with connections made during the call that could not be tied to any call. */
  untied?: readonly MockService[];
}

const NAMES: Record<MockService, string> = {
  'deepgram.listen': 'Deepgram listen',
  'deepgram.speak.ws': 'Deepgram speak',
  'deepgram.speak.rest': 'Deepgram REST speak',
  'openai.chat': 'chat',
  'openai.realtime': 'Realtime',
};

/** The reason `service` is absent from the call, or undefined when the call has entries of it. */
export function absentService(facts: AbsenceFacts, service: MockService): string | undefined {
  if (facts.mocks === false) return 'no mocks (the real services)';
  if (facts.journal.some((e) => e.service === service)) return undefined;
  if (facts.untied?.includes(service) === true) return `a ${NAMES[service]} connection made during this call could not be tied to it`;
  return `the call has no ${NAMES[service]} connection`;
}

/** Services with a connection whose first entry falls in [from, to] and that no call was tied to. */
export function untiedServicesBetween(entries: readonly JournalEntry[], from: number, to: number): MockService[] {
  const first = new Map<string, JournalEntry>();
  const tied = new Set<string>();
  for (const e of entries) {
    if (!first.has(e.connection)) first.set(e.connection, e);
    if (e.call !== undefined) tied.add(e.connection);
  }
  const out = new Set<MockService>();
  for (const [connection, e] of first) if (!tied.has(connection) && e.t >= from && e.t <= to) out.add(e.service);
  return [...out];
}
