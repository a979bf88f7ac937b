/**
 * What every mock received and sent, with clock timestamps. Entries are tied to a call by the
 * `x-callbench-call` header when the agent sends it; otherwise `call` stays undefined and the
 * harness may attribute the connection later by content and timing, or report it as untied.
 */
import type { Clock } from '../clock.ts';

export type MockService = 'deepgram.listen' | 'deepgram.speak.ws' | 'deepgram.speak.rest' | 'openai.chat' | 'openai.realtime';

export interface JournalEntry {
  /** Clock time of the event (ms). */
  t: number;
  service: MockService;
  /** One id per upstream connection or HTTP request, unique within the run. */
  connection: string;
  /** The call this connection belongs to, when known. */
  call: string | undefined;
  direction: 'received' | 'sent' | 'event';
  /** The message type or event name, e.g. `Results`, `Speak`, `audio`, `open`, `close`. */
  kind: string;
  /** Small facts about the message: flags, text, byte counts. Never raw audio. */
  data?: Record<string, unknown>;
}

export interface Journal {
  record(entry: Omit<JournalEntry, 't'>): JournalEntry;
  entries(): readonly JournalEntry[];
  /** Ties every entry of `connection` to `call` (for attribution made after the fact). */
  attribute(connection: string, call: string): void;
  /** Runs `listener` for every new entry; returns the unsubscribe function. */
  subscribe(listener: (entry: JournalEntry) => void): () => void;
}

export function createJournal(clock: Clock): Journal {
  const list: JournalEntry[] = [];
  const listeners = new Set<(entry: JournalEntry) => void>();
  /** Connections tied to a call after the fact: their later entries are tied too. */
  const attributed = new Map<string, string>();
  return {
    record(entry) {
      const full: JournalEntry = { t: clock.now(), ...entry, call: entry.call ?? attributed.get(entry.connection) };
      list.push(full);
      for (const listener of listeners) listener(full);
      return full;
    },
    entries: () => list,
    attribute(connection, call) {
      attributed.set(connection, call);
      for (const entry of list) if (entry.connection === connection) entry.call = call;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The header an agent may send on every upstream connection to tie it to its call. */
export const CALL_HEADER = 'x-callbench-call';

export function createConnectionIds(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}
