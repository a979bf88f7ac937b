/**
 * Journal entries for unit tests: a loose builder (tests give only the facts a case needs; the
 * typed union in harness/mocks/journal/entries.ts is what the mocks write).
 */
import type { Direction, JournalEntry, MockService } from '../../../harness/mocks/journal/entries.ts';

export function journalEntry(
  t: number,
  service: MockService,
  direction: Direction,
  kind: string,
  data: Record<string, unknown> = {},
  { connection = 'c', call = 'CA1' }: { connection?: string; call?: string | undefined } = {},
): JournalEntry {
  return { t, service, connection, call, direction, kind, data } as unknown as JournalEntry;
}
