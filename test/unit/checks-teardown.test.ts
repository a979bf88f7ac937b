/**
 * `upstream.closed-after-hangup` on hand-built journals: every upstream WebSocket of the call
 * (Deepgram listen and speak, OpenAI Realtime) must have a 'close' entry within 2 s of the
 * hang-up; a socket left open or closed late fails with its service, connection and times; a run
 * without mocks, or a call that opened no upstream socket, skips the check.
 */
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../harness/caller/timeline.ts';
import { checkUpstreamTeardown, hangupTime } from '../../harness/checks/teardown-check.ts';
import type { JournalEntry, MockService } from '../../harness/mocks/journal/entries.ts';
import { journalEntry } from './helpers/journal.ts';

function entry(t: number, service: MockService, connection: string, kind: string, direction: JournalEntry['direction'] = 'event'): JournalEntry {
  return journalEntry(t, service, direction, kind, kind === 'close' ? { code: 1000 } : {}, { connection });
}

/** start sent at 1000, stop at 8000: evidence times are relative to 1000. */
const ORIGIN = 1000;
const HANGUP_AT = 8000;
const teardown = (journal: JournalEntry[] | undefined) => checkUpstreamTeardown({ journal, hangupAt: HANGUP_AT, origin: ORIGIN });

describe('upstream.closed-after-hangup', () => {
  it('passes when every upstream socket closed by 2 s after the hang-up', () => {
    expect(
      teardown([
        entry(1010, 'deepgram.listen', 'listen-1', 'open'),
        entry(1020, 'deepgram.speak.ws', 'speak-1', 'open'),
        // Dropped mid-call and reopened: both connections closed in time.
        entry(4000, 'deepgram.speak.ws', 'speak-1', 'close'),
        entry(4100, 'deepgram.speak.ws', 'speak-2', 'open'),
        entry(8050, 'deepgram.listen', 'listen-1', 'close'),
        entry(10_000, 'deepgram.speak.ws', 'speak-2', 'close'),
        // HTTP services are not sockets the call keeps open.
        entry(3000, 'openai.chat', 'chat-1', 'request', 'received'),
      ]),
    ).toEqual({ id: 'upstream.closed-after-hangup', severity: 'error', status: 'passed', evidence: [] });
  });

  it('fails on a socket never closed and on one closed late, naming each', () => {
    expect(
      teardown([
        entry(1010, 'openai.realtime', 'realtime-1', 'open'),
        entry(1020, 'deepgram.listen', 'listen-1', 'open'),
        entry(10_500, 'deepgram.listen', 'listen-1', 'close'),
        entry(1030, 'deepgram.speak.ws', 'speak-1', 'open'),
        entry(8100, 'deepgram.speak.ws', 'speak-1', 'close'),
      ]),
    ).toEqual({
      id: 'upstream.closed-after-hangup',
      severity: 'error',
      status: 'failed',
      evidence: [
        'openai.realtime realtime-1 (opened at 0.010 s) still open more than 2 s after the hang-up at 7.000 s',
        'deepgram.listen listen-1 (opened at 0.020 s) closed at 9.500 s, 2.500 s after the hang-up at 7.000 s',
      ],
    });
  });

  it('skips a run without mocks, and a call that opened no upstream socket', () => {
    expect(teardown(undefined)).toEqual({ id: 'upstream.closed-after-hangup', severity: 'error', status: 'skipped', reason: 'no mocks (the real services)', evidence: [] });
    expect(teardown([entry(3000, 'openai.chat', 'chat-1', 'request', 'received'), entry(3500, 'deepgram.speak.rest', 'rest-1', 'close')])).toMatchObject({ status: 'skipped', reason: 'the call opened no upstream socket' });
    expect(teardown([]).status).toBe('skipped');
  });

  it('says so when a socket made during the call could not be tied to it, rather than passing', () => {
    const verdict = checkUpstreamTeardown({ journal: [], hangupAt: HANGUP_AT, origin: ORIGIN, untied: ['openai.chat', 'openai.realtime'] });
    expect(verdict).toMatchObject({ status: 'skipped', reason: 'a openai.realtime socket made during this call could not be tied to it' });
  });
});

describe('the hang-up time', () => {
  it('is when the caller sent stop', () => {
    const events: TimelineEvent[] = [
      { kind: 'start_sent', t: 1000, streamSid: 'MZ1' },
      { kind: 'stop_sent', t: 8000 },
      { kind: 'closed', t: 8001, by: 'caller', code: 1000 },
    ];
    expect(hangupTime(events)).toBe(8000);
  });

  it('is when the agent closed the stream, if it did first', () => {
    const events: TimelineEvent[] = [
      { kind: 'start_sent', t: 1000, streamSid: 'MZ1' },
      { kind: 'closed', t: 6000, by: 'agent', code: 1000 },
    ];
    expect(hangupTime(events)).toBe(6000);
    expect(hangupTime([{ kind: 'start_sent', t: 1000, streamSid: 'MZ1' }])).toBeUndefined();
  });
});
