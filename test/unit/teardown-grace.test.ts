/**
 * How long the run waits before deciding `upstream.closed-after-hangup` (harness/runner/teardowns.ts):
 * the full 2 s after the last call, unless no verdict could change by waiting: every upstream
 * socket the run opened has closed with code 1000. A socket still open, or any close with another
 * code (after which Deepgram's v5 SDK reconnects), keeps the whole grace. On a manual clock: the
 * wait either ends with no time passing or only once the clock reaches the deadline.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../harness/clock.ts';
import type { JournalInput, MockService } from '../../harness/mocks/journal/entries.ts';
import { createJournal, type Journal } from '../../harness/mocks/journal/journal.ts';
import { decideTeardowns, type PendingTeardown } from '../../harness/runner/teardowns.ts';

const CALL = 'CA1';
/** The call ended (hung up) at 1000: the deadline is 3000. */
const PENDING: PendingTeardown = { call: { scenarioIndex: 0, scenario: 's', index: 0, warmup: false, callSid: CALL }, hangupAt: 1000, origin: 0, startedAt: 0, endedAt: 1000 };

function socket(journal: Journal, service: MockService, connection: string): { close: (code: number) => void } {
  journal.record({ service, connection, direction: 'event', kind: 'open', data: { url: '/', headers: {} } } as unknown as JournalInput);
  journal.tie(service, connection, { call: CALL, how: 'header', detail: 'test' });
  return { close: (code) => void journal.record({ service, connection, direction: 'event', kind: 'close', data: { code } } as unknown as JournalInput) };
}

/** A manual clock at the hang-up (1000) and a journal on it. */
function atHangup(): { clock: ReturnType<typeof createManualClock>; journal: Journal } {
  const clock = createManualClock(1000);
  return { clock, journal: createJournal(clock) };
}

/** Starts the decision and reports whether it has settled after everything already due has run. */
function decide(clock: ReturnType<typeof createManualClock>, journal: Journal) {
  let settled = false;
  const verdicts = decideTeardowns(clock, [PENDING], journal, new AbortController().signal).then((v) => {
    settled = true;
    return v;
  });
  const flush = async (): Promise<boolean> => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    return settled;
  };
  return { verdicts, flush };
}

describe('the teardown grace', () => {
  it('ends at once when every socket already closed with 1000', async () => {
    const { clock, journal } = atHangup();
    socket(journal, 'deepgram.listen', 'listen-1').close(1000);
    socket(journal, 'deepgram.speak.ws', 'speak-1').close(1000);
    const { verdicts, flush } = decide(clock, journal);
    expect(await flush()).toBe(true);
    expect(clock.now()).toBe(1000);
    expect((await verdicts)[0]?.verdict.status).toBe('passed');
  });

  it('ends when the last open socket closes with 1000, before the deadline', async () => {
    const { clock, journal } = atHangup();
    const listen = socket(journal, 'deepgram.listen', 'listen-1');
    const { verdicts, flush } = decide(clock, journal);
    expect(await flush()).toBe(false);
    clock.advance(300);
    expect(await flush()).toBe(false);
    listen.close(1000);
    expect(await flush()).toBe(true);
    expect(clock.now()).toBe(1300);
    expect((await verdicts)[0]?.verdict.status).toBe('passed');
  });

  it('keeps the whole grace after a close that is not 1000 (an SDK would reconnect), and decides at the deadline', async () => {
    const { clock, journal } = atHangup();
    socket(journal, 'deepgram.listen', 'listen-1').close(1011);
    const { verdicts, flush } = decide(clock, journal);
    expect(await flush()).toBe(false);
    clock.advance(1500);
    // The reconnect the grace waited for: opened after the hang-up, never closed.
    socket(journal, 'deepgram.listen', 'listen-2');
    clock.advance(499);
    expect(await flush()).toBe(false);
    clock.advance(1);
    expect(await flush()).toBe(true);
    const [decided] = await verdicts;
    expect(decided?.verdict.status).toBe('failed');
    expect(JSON.stringify(decided?.verdict)).toContain('listen-2');
  });

  it('keeps the whole grace while a socket stays open, and fails it at the deadline', async () => {
    const { clock, journal } = atHangup();
    socket(journal, 'openai.realtime', 'rt-1');
    const { verdicts, flush } = decide(clock, journal);
    clock.advance(1999);
    expect(await flush()).toBe(false);
    clock.advance(1);
    expect(await flush()).toBe(true);
    expect((await verdicts)[0]?.verdict.status).toBe('failed');
  });
});
