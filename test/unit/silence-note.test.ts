/**
 * A call that timed out waiting for the agent says how long the caller had heard nothing (a
 * frozen upstream leaves the call open and silent): the note from the caller's timeline, and the
 * record's error of a failed wait step carrying it. Errors of other steps are left as they are.
 */
import { describe, expect, it } from 'vitest';
import type { CallResult } from '../../harness/caller/call.ts';
import type { TimelineEvent } from '../../harness/caller/timeline.ts';
import { createHistogram } from '../../harness/metrics/histogram.ts';
import { buildCallRecord } from '../../harness/runner/call-record.ts';
import { silenceNote } from '../../harness/runner/silence-note.ts';
import { media, utterance } from './helpers/timeline.ts';

const START = 1000;
/** start at 1 s; the greeting received at 1.2 s, heard from 1.2 s to 2.5 s; the question voiced to 7 s; hang-up at 27 s. */
const FROZEN: TimelineEvent[] = [
  { kind: 'start_sent', t: START, streamSid: 'MZ1' },
  media(1200, 1200, 1300),
  utterance('hours', 5000, 7000),
  { kind: 'stop_sent', t: 27_000 },
];

function record(error: string, events: readonly TimelineEvent[]) {
  const result = { callSid: 'CA1', streamSid: 'MZ1', timeline: { events, push: () => undefined }, pacing: { framesSent: 0, lateness: createHistogram() } } as unknown as CallResult;
  return buildCallRecord({
    ref: { scenarioIndex: 0, scenario: 'question', index: 0, warmup: false },
    callSid: 'CA1',
    startedAt: 0,
    endedAt: 27_500,
    outcome: { result, error },
    stoppedBy: undefined,
    journal: [],
    selfReports: [],
    lagMs: undefined,
    faults: [],
    mocks: true,
  });
}

describe('silenceNote', () => {
  it('names the silence before the hang-up, the last audio, and the caller\'s last voiced sample', () => {
    expect(silenceNote(FROZEN)).toBe(
      "the agent had gone silent: the caller heard nothing for the last 24.5 s before the hang-up at 26.000 s (its last audible audio arrived at 0.200 s and finished playing at 1.500 s); the caller's last voiced sample was sent at 6.000 s",
    );
  });

  it('says so when the agent never sent audible audio, and says nothing when audio was still playing at the hang-up', () => {
    expect(silenceNote([FROZEN[0] as TimelineEvent, { kind: 'stop_sent', t: 16_000 }])).toBe('the caller heard no audio from the agent in the 15.0 s before the hang-up at 15.000 s');
    expect(silenceNote([FROZEN[0] as TimelineEvent, media(1200, 1200, 30_000), { kind: 'stop_sent', t: 27_000 }])).toBeUndefined();
    // No stream, nothing to say.
    expect(silenceNote([{ kind: 'stop_sent', t: 27_000 }])).toBeUndefined();
  });
});

describe('a failed wait step in the call record', () => {
  it('carries the note after the step\'s own message', () => {
    const failed = record('step 3 (wait_for_agent): the agent did not finish a turn within 20000 ms', FROZEN);
    expect(failed.state).toBe('failed');
    expect(failed.state === 'failed' ? failed.error : '').toBe(
      'step 3 (wait_for_agent): the agent did not finish a turn within 20000 ms; the agent had gone silent: the caller heard nothing for the last 24.5 s before the hang-up at 26.000 s ' +
        "(its last audible audio arrived at 0.200 s and finished playing at 1.500 s); the caller's last voiced sample was sent at 6.000 s",
    );
  });

  it('leaves the error of any other step alone', () => {
    const failed = record('step 2 (say): fixture hours was not loaded', FROZEN);
    expect(failed.state === 'failed' ? failed.error : '').toBe('step 2 (say): fixture hours was not loaded');
  });
});
