/** Journal reading for tests: an entry's facts as a plain record, for assertions across kinds. */
import type { JournalEntry } from '../../../harness/mocks/journal/entries.ts';

export function facts(entry: JournalEntry | undefined): Readonly<Record<string, unknown>> {
  return (entry?.data ?? {}) as Readonly<Record<string, unknown>>;
}
