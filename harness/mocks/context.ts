/** What every mock handler is given: the run's clock, journal, conversation script, delays and the calls it serves. */
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../clock.ts';
import { CALL_HEADER, type Journal } from './journal/journal.ts';
import type { MockService } from './journal/entries.ts';
import type { ConversationScript } from './script.ts';
import type { DelaySampler } from './profiles.ts';
import type { FaultBook } from './faults.ts';
import type { CallBook } from './attribution/call-book.ts';
import type { TextLedger } from './attribution/text-ledger.ts';
import type { SourceBook } from './attribution/source-book.ts';
import type { ReplaySource } from './replay/source.ts';

export interface MockContext {
  clock: Clock;
  journal: Journal;
  script: ConversationScript;
  delays: DelaySampler;
  /** The API key the mocks accept (any other is refused as the real service would). */
  apiKey: string;
  /** Fresh id for a connection or request of `service`. */
  nextId(prefix: string): string;
  /** Faults armed per call by the scenario being played. */
  faults: FaultBook;
  /** The calls being served, with the tokens their audio and text marks carry. */
  calls: CallBook;
  /** The text the mocks produced per call, to tie text-only requests to calls. */
  texts: TextLedger;
  /** The source marks the mocks put on the speech they synthesise, for the caller to report. */
  sources: SourceBook;
  /** A recorded call to answer from instead of the script and the profile (`callbench replay`; ./replay/source.ts). */
  replay?: ReplaySource;
}

/** A running mock server. */
export interface MockServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  close(): Promise<void>;
}

/** The call id an agent attached to an upstream request, if any. */
export function callIdOf(headers: IncomingHttpHeaders): string | undefined {
  const value = headers[CALL_HEADER];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Ties a new connection to the call its `x-callbench-call` header names, if it names one. */
export function tieByHeader(ctx: MockContext, service: MockService, connection: string, headers: IncomingHttpHeaders): void {
  const call = callIdOf(headers);
  if (call !== undefined) ctx.journal.tie(service, connection, { call, how: 'header', detail: CALL_HEADER });
}
