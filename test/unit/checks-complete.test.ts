/**
 * `turn.complete`: a reply that breaks off and leaves the caller in silence fails; one played to
 * its end, one the agent resumed or apologised after, and one the caller interrupted do not.
 */
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../harness/caller/timeline.ts';
import { checkRepliesComplete, DEAD_AIR_MS } from '../../harness/checks/complete-check.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import type { JournalEntry } from '../../harness/mocks/journal/entries.ts';
import { journalEntry } from './helpers/journal.ts';
import { media, utterance } from './helpers/timeline.ts';

const START: TimelineEvent = { kind: 'start_sent', t: 0, streamSid: 'MZ1' };
const hangup = (t: number): TimelineEvent[] => [
  { kind: 'stop_sent', t },
  { kind: 'closed', t, by: 'caller', code: 1000 },
];
/** The chat mock produced a reply of `speechMs` at `t`. */
const reply = (t: number, speechMs: number): JournalEntry => journalEntry(t, 'openai.chat', 'event', 'reply', { chars: Math.round(speechMs / 66), speechMs, scripted: true });

function verdict(events: TimelineEvent[], journal: JournalEntry[]) {
  return checkRepliesComplete({ events, metrics: computeCallMetrics(events, journal), journal, origin: 0 });
}

describe('turn.complete', () => {
  it('passes a reply played to its end', () => {
    const events = [START, utterance('hours', 1000, 2000), media(2400, 2400, 4000), ...hangup(8000)];
    expect(verdict(events, [reply(2100, 4000)]).status).toBe('passed');
  });

  it('fails a reply that broke off after 100 ms, with how much was heard and how long the line was silent', () => {
    const events = [START, utterance('hours', 1000, 2000), media(2400, 2400, 100), utterance('weather', 5000, 6000), media(6400, 6400, 2000), ...hangup(9000)];
    const result = verdict(events, [reply(2100, 7900), reply(6100, 2000)]);
    expect(result).toMatchObject({ status: 'failed', severity: 'error' });
    expect(result.evidence).toEqual([
      "reply to 'hours' (caller done at 2.000 s): the caller heard 0.1 s of a 7.9 s reply: it stopped at 2.500 s, and the agent said nothing more until the caller spoke again at 5.000 s (2.5 s of silence)",
    ]);
  });

  it('passes a reply the agent resumed (or apologised after) within the bound, and fails one resumed only after dead air', () => {
    const resumed = [START, utterance('hours', 1000, 2000), media(2400, 2400, 100), media(4500, 4500, 3000), ...hangup(9000)];
    expect(verdict(resumed, [reply(2100, 7900)]).status).toBe('passed');
    const late = 2500 + DEAD_AIR_MS + 500;
    const dead = [START, utterance('hours', 1000, 2000), media(2400, 2400, 100), media(late, late, 500), ...hangup(late + 1000)];
    expect(verdict(dead, [reply(2100, 7900)]).evidence).toEqual([
      "reply to 'hours' (caller done at 2.000 s): the caller heard 0.6 s of a 7.9 s reply: dead air for 5.5 s from 2.500 s before the agent spoke again",
    ]);
  });

  it('judges the last reply produced for a turn: a fallback line said after a failed reply, played whole, passes', () => {
    // The Realtime socket dropped 100 ms into a 7.9 s reply; the new session said a 4 s apology.
    const events = [START, utterance('hours', 1000, 2000), media(2400, 2400, 100), media(3100, 3100, 4000), ...hangup(9000)];
    expect(verdict(events, [reply(2100, 7900), reply(3000, 4000)]).status).toBe('passed');
  });

  it('lets a reply go on over a backchannel the agent rightly spoke through', () => {
    const events = [START, utterance('book', 1000, 2000), media(2400, 2400, 6000), utterance('uh-huh', 4000, 4400), ...hangup(9000)];
    expect(verdict(events, [reply(2100, 6000)]).status).toBe('passed');
  });

  it('does not judge a reply the caller interrupted, or one still playing at the hang-up', () => {
    // The second utterance starts while the first reply plays and the agent clears it: a barge-in.
    const bargeIn = [START, utterance('book', 1000, 2000), media(2400, 2400, 6000), utterance('wait-stop', 4000, 5000), { kind: 'clear', t: 4100, droppedMs: 4000 } as TimelineEvent, media(5400, 5400, 1000), ...hangup(8000)];
    expect(verdict(bargeIn, [reply(2100, 6000), reply(5100, 1000)]).status).toBe('passed');
    const cut = [START, utterance('hours', 1000, 2000), media(2400, 2400, 6000), ...hangup(4000)];
    expect(verdict(cut, [reply(2100, 6000)])).toMatchObject({ status: 'skipped', reason: 'no caller turn had an uninterrupted reply the mocks produced' });
  });

  it('judges a reply the agent cut short by closing the call, whatever was still queued: no apology, no recovery', () => {
    const closedByAgent = (t: number): TimelineEvent => ({ kind: 'closed', t, by: 'agent', code: 1000 });
    // The close comes while the 100 ms fragment still plays, and after it has played: the same verdict.
    for (const closeAt of [2450, 2600]) {
      const events = [START, utterance('hours', 1000, 2000), media(2400, 2400, 100), closedByAgent(closeAt)];
      const result = verdict(events, [reply(2100, 3700)]);
      expect(result.status).toBe('failed');
      expect(result.evidence[0]).toMatch(/the agent said nothing more until it closed the call at 2\.(450|600) s/);
    }
  });

  it('says why it could not judge: no mocks, or no reply of the mocks tied to the call', () => {
    const events = [START, utterance('hours', 1000, 2000), media(2400, 2400, 4000), ...hangup(8000)];
    expect(checkRepliesComplete({ events, metrics: computeCallMetrics(events, []), journal: [], origin: 0, mocks: false })).toMatchObject({ status: 'skipped' });
    expect(verdict(events, [])).toMatchObject({ status: 'skipped', reason: 'no reply the mocks produced was tied to this call' });
  });
});
