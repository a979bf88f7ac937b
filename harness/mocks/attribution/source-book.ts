/**
 * The mocks mark the speech they synthesise (Deepgram speak over WebSocket and REST, Realtime audio
 * in μ-law) with the connection that made it, in the least significant bits as the caller marks
 * its own audio (harness/audio/call-mark.ts, a sync word of its own). An agent that forwards TTS
 * μ-law to Twilio unchanged passes the mark to the caller, which reports what it heard: that ties
 * the connection to the call even when nothing else can — a speak socket that has only spoken the
 * agent's own greeting carries no text the mocks produced.
 */
import { createMarkWriter, SOURCE_MARK_SYNC, type MarkWriter } from '../../audio/call-mark.ts';
import type { Journal } from '../journal/journal.ts';
import type { MockService } from '../journal/entries.ts';

export interface SourceBook {
  /** The writer of `connection`'s source mark: every byte of μ-law speech it sends goes through it. */
  writerFor(service: MockService, connection: string): MarkWriter;
  /** The caller of `call` heard speech marked `token`. */
  heard(token: number, call: string): void;
}

export function createSourceBook(journal: Journal): SourceBook {
  const byToken = new Map<number, { service: MockService; connection: string }>();
  let next = 0;
  return {
    writerFor(service, connection) {
      const token = ++next;
      byToken.set(token, { service, connection });
      return createMarkWriter(token, SOURCE_MARK_SYNC);
    },
    heard(token, call) {
      const source = byToken.get(token);
      if (source !== undefined) journal.tie(source.service, source.connection, { call, how: 'audio', detail: 'its speech reached the caller' });
    },
  };
}
