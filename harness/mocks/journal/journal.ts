/**
 * The run's journal: every mock appends typed entries (./entries.ts) stamped with the run's clock.
 * It also holds which call each connection belongs to: a connection is tied once (by the
 * `x-callbench-call` header at open, or later by the audio or text it carried, see ../attribution),
 * every later entry of it carries the call, and the entries recorded before the tie are updated,
 * so a reader never has to know when the tie was made.
 */
import type { Clock } from '../../clock.ts';
import type { EntryOf, JournalEntry, JournalInput, MockService, ServiceInput, TieMethod } from './entries.ts';

export interface Tie {
  call: string;
  how: TieMethod;
  /** What tied it, for the report (e.g. "audio mark", "transcript 'what are your hours'"). */
  detail: string;
}

export interface Journal {
  record(entry: JournalInput): JournalEntry;
  entries(): readonly JournalEntry[];
  /**
   * Ties `connection` of `service` to `call` (the first tie wins; a later, different one is
   * ignored and returns false). Journals a `tied` entry.
   */
  tie(service: MockService, connection: string, tie: Tie): boolean;
  /** The call `connection` is tied to, if it is. */
  callOf(connection: string): string | undefined;
  /** How `connection` was tied, if it was. */
  tieOf(connection: string): Tie | undefined;
  /** Runs `listener` for every new entry; returns the unsubscribe function. */
  subscribe(listener: (entry: JournalEntry) => void): () => void;
}

export function createJournal(clock: Clock): Journal {
  const list: JournalEntry[] = [];
  const listeners = new Set<(entry: JournalEntry) => void>();
  const ties = new Map<string, Tie>();
  const append = (full: JournalEntry): JournalEntry => {
    list.push(full);
    for (const listener of listeners) listener(full);
    return full;
  };
  return {
    record(entry) {
      return append({ t: clock.now(), ...entry, call: ties.get(entry.connection)?.call } as JournalEntry);
    },
    entries: () => list,
    tie(service, connection, tie) {
      const existing = ties.get(connection);
      if (existing !== undefined) return existing.call === tie.call;
      ties.set(connection, tie);
      for (const entry of list) if (entry.connection === connection) entry.call = tie.call;
      append({ t: clock.now(), service, connection, call: tie.call, direction: 'event', kind: 'tied', data: { how: tie.how, detail: tie.detail } } as JournalEntry);
      return true;
    },
    callOf: (connection) => ties.get(connection)?.call,
    tieOf: (connection) => ties.get(connection),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** A writer for one connection of one service: mocks journal through this, typed by their service. */
export type ConnectionJournal<S extends MockService> = (entry: ServiceInput<S>) => EntryOf<S>;

export function connectionJournal<S extends MockService>(journal: Journal, service: S, connection: string): ConnectionJournal<S> {
  return (entry) => journal.record({ ...entry, service, connection } as JournalInput) as EntryOf<S>;
}

/** The header an agent may send on every upstream connection to tie it to its call. */
export const CALL_HEADER = 'x-callbench-call';
