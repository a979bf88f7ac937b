/**
 * computeCallMetrics over timelines written by hand, with exact numbers: the greeting, each turn's
 * response and first-media times, unanswered turns, and the barge-in metrics.
 */
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../harness/caller/timeline.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import type { JournalEntry } from '../../harness/mocks/journal/entries.ts';
import { journalEntry } from './helpers/journal.ts';

const STREAM = `MZ${'a'.repeat(32)}`;

const start = (t: number): TimelineEvent => ({ kind: 'start_sent', t, streamSid: STREAM });

/** An utterance whose voice runs from `first` to `last`; say() was called 100 ms before it, its trailing silence ends at `end`. */
const utterance = (id: string, first: number, last: number, end = last + 200): TimelineEvent => ({
  kind: 'utterance',
  t: first - 100,
  id,
  text: `said ${id}`,
  firstVoicedAt: first,
  lastVoicedAt: last,
  endAt: end,
});

/** Agent audio received at `t`, playing from `playStart` to `playEnd`, audible over [from, to) if given. */
const media = (t: number, playStart: number, playEnd: number, audible?: [number, number]): TimelineEvent => ({
  kind: 'agent_media',
  t,
  bytes: (playEnd - playStart) * 8,
  playStart,
  playEnd,
  audibleFrom: audible?.[0],
  audibleTo: audible?.[1],
});

const clear = (t: number, droppedMs: number): TimelineEvent => ({ kind: 'clear', t, droppedMs });

describe('greeting.first_audio_ms', () => {
  it('runs from `start` to the first audible sample, skipping a silent chunk that came first', () => {
    const metrics = computeCallMetrics([
      start(1000),
      media(1250, 1250, 1270), // 20 ms of silence
      media(1260, 1270, 1670, [1290, 1650]),
    ]);
    expect(metrics.samples).toEqual({ 'greeting.first_audio_ms': [290] });
    expect(metrics.greetingHeard).toBe(true);
    expect(metrics.turns).toEqual([]);
    expect(metrics.unansweredTurns).toBe(0);
  });

  it('gives no greeting sample when the agent says nothing before the caller speaks; the reply is not a greeting', () => {
    const metrics = computeCallMetrics([
      start(1000),
      media(1500, 1500, 1600), // silence only
      utterance('q', 2000, 3000),
      media(3400, 3400, 3800, [3450, 3800]),
    ]);
    expect(metrics.greetingHeard).toBe(false);
    expect(metrics.samples['greeting.first_audio_ms']).toBeUndefined();
    expect(metrics.samples['turn.response_ms']).toEqual([450]);
  });

  it('gives no greeting sample without a `start`', () => {
    const metrics = computeCallMetrics([media(1260, 1270, 1670, [1290, 1650])]);
    expect(metrics.greetingHeard).toBe(false);
    expect(metrics.samples).toEqual({});
  });
});

describe('turn metrics', () => {
  it('response_ms runs to the first audible sample, first_media_ms to the first media, even a silent one', () => {
    const metrics = computeCallMetrics([
      start(0),
      utterance('q', 2000, 3000),
      media(3400, 3400, 3420), // silent lead-in
      media(3410, 3420, 3820, [3450, 3820]),
    ]);
    expect(metrics.samples).toEqual({
      'turn.first_media_ms': [400],
      'turn.response_ms': [450],
      'turn.gap_ms': [0],
    });
    expect(metrics.turns).toEqual([{ utterance: 'q', kind: 'reply', answered: true }]);
    expect(metrics.unansweredTurns).toBe(0);
  });

  it('counts a reply that arrives during the utterance\'s trailing silence, before the utterance event is recorded', () => {
    // The utterance event is pushed when its last frame is sent (endAt 3600), after the reply arrived.
    const metrics = computeCallMetrics([
      start(0),
      media(3400, 3400, 3700, [3430, 3700]),
      utterance('q', 2000, 3000, 3600),
    ]);
    expect(metrics.samples['turn.first_media_ms']).toEqual([400]);
    expect(metrics.samples['turn.response_ms']).toEqual([430]);
    expect(metrics.turns).toEqual([{ utterance: 'q', kind: 'reply', answered: true }]);
  });

  it('does not take audio that arrived while the caller was still speaking as the reply', () => {
    const metrics = computeCallMetrics([
      start(0),
      utterance('q', 2000, 3000),
      media(2500, 2500, 2600, [2500, 2600]), // mid-utterance: not a reply to the words not yet said
      media(3400, 3400, 3800, [3450, 3800]),
    ]);
    expect(metrics.samples['turn.first_media_ms']).toEqual([400]);
    expect(metrics.samples['turn.response_ms']).toEqual([450]);
  });

  it('counts a turn with no reply before the next utterance as unanswered, never as a fast sample', () => {
    const metrics = computeCallMetrics([
      start(0),
      utterance('first', 2000, 3000),
      utterance('second', 5000, 6000),
      media(6400, 6400, 6800, [6450, 6800]),
    ]);
    expect(metrics.turns).toEqual([
      { utterance: 'first', kind: 'reply', answered: false },
      { utterance: 'second', kind: 'reply', answered: true },
    ]);
    expect(metrics.unansweredTurns).toBe(1);
    expect(metrics.samples['turn.response_ms']).toEqual([450]);
    expect(metrics.samples['turn.first_media_ms']).toEqual([400]);
  });

  it('a silent-only reply gives a first-media sample but no response sample, and the turn is unanswered', () => {
    const metrics = computeCallMetrics([
      start(0),
      utterance('first', 2000, 3000),
      media(3500, 3500, 3600), // silence only
      utterance('second', 5000, 6000),
      media(6400, 6400, 6800, [6450, 6800]),
    ]);
    expect(metrics.samples['turn.first_media_ms']).toEqual([500, 400]);
    expect(metrics.samples['turn.response_ms']).toEqual([450]);
    expect(metrics.unansweredTurns).toBe(1);
    expect(metrics.turns.map((t) => t.answered)).toEqual([false, true]);
  });

  it('gap_ms adds up the time the queue ran dry between the chunks of a reply', () => {
    const metrics = computeCallMetrics([
      start(0),
      utterance('q', 2000, 3000),
      media(3400, 3400, 3600, [3400, 3600]),
      media(3700, 3700, 3900, [3700, 3900]), // 100 ms dry before it
      media(3850, 3900, 4000, [3900, 4000]), // queued: no gap
      media(4030, 4030, 4100, [4030, 4100]), // 30 ms dry
    ]);
    expect(metrics.samples['turn.gap_ms']).toEqual([130]);
  });

  it('after_final_ms runs from the STT final in the mock journal to the first audible sample', () => {
    const final: JournalEntry = journalEntry(3320, 'deepgram.listen', 'sent', 'Results', { speechFinal: true, transcript: 'what are your hours' }, { connection: 'c1' });
    const metrics = computeCallMetrics([start(0), utterance('q', 2000, 3000), media(3400, 3400, 3800, [3450, 3800])], [final]);
    expect(metrics.samples['turn.after_final_ms']).toEqual([130]);
    expect(metrics.samples['stt.final_ms']).toEqual([320]);
  });
});

describe('barge-in and talk-over', () => {
  it('measures clear, stop and leak for an utterance over agent audio that the agent cleared, then the reply', () => {
    const metrics = computeCallMetrics([
      start(0),
      media(100, 100, 3100, [100, 3100]), // a 3 s greeting
      utterance('stop', 1000, 1500),
      clear(1180, 1920),
      media(1200, 1200, 1220, [1200, 1220]), // 20 ms of the old reply, sent after the clear
      media(1900, 1900, 2300, [1950, 2300]),
    ]);
    expect(metrics.samples).toEqual({
      'greeting.first_audio_ms': [100],
      'bargein.clear_ms': [180],
      'bargein.leak_ms': [20],
      'bargein.stop_ms': [220],
      'turn.first_media_ms': [400],
      'turn.response_ms': [450],
      'turn.gap_ms': [0],
    });
    expect(metrics.turns).toEqual([{ utterance: 'stop', kind: 'barge-in', answered: true }]);
  });

  it('an agent that clears only after the caller is done: the audio before its clear is the interrupted reply, not the answer', () => {
    const metrics = computeCallMetrics([
      start(0),
      media(100, 100, 1200, [100, 1200]), // a long reply, paced: sent a little ahead of playback
      utterance('stop', 1000, 1500),
      media(1180, 1200, 1600, [1200, 1600]),
      media(1580, 1600, 2000, [1600, 2000]), // still the interrupted reply, after the caller was done
      clear(1800, 200),
      media(2300, 2300, 2700, [2350, 2700]), // the answer
    ]);
    expect(metrics.samples).toEqual({
      'greeting.first_audio_ms': [100],
      'bargein.clear_ms': [800],
      'bargein.leak_ms': [0],
      'bargein.stop_ms': [800],
      'turn.first_media_ms': [800],
      'turn.response_ms': [850],
      'turn.gap_ms': [0],
    });
    expect(metrics.turns).toEqual([{ utterance: 'stop', kind: 'barge-in', answered: true }]);
  });

  it('an agent that clears only after the caller is done and never answers: the turn is unanswered', () => {
    const metrics = computeCallMetrics([
      start(0),
      media(100, 100, 1200, [100, 1200]),
      utterance('stop', 1000, 1500),
      media(1580, 1600, 2000, [1600, 2000]),
      clear(1800, 200),
    ]);
    expect(metrics.turns).toEqual([{ utterance: 'stop', kind: 'barge-in', answered: false }]);
    expect(metrics.unansweredTurns).toBe(1);
    expect(metrics.samples['turn.response_ms']).toBeUndefined();
  });

  it('a reply paced in real time and cut by the next barge-in gives no gap sample, however late the clear', () => {
    const metrics = computeCallMetrics([
      start(0),
      utterance('q', 500, 1000),
      media(2000, 2000, 2300, [2000, 2300]),
      media(2350, 2350, 2520, [2350, 2520]), // 50 ms dry before it; nothing more sent before the barge-in
      utterance('stop', 2500, 2900),
      media(2520, 2520, 2600, [2520, 2600]),
      clear(2700, 0), // after everything received before the barge-in had played
      media(3200, 3200, 3600, [3200, 3600]),
    ]);
    // Only the answer to 'stop' ran to its end: one gap sample, its own.
    expect(metrics.samples['turn.gap_ms']).toEqual([0]);
    expect(metrics.turns).toEqual([
      { utterance: 'q', kind: 'reply', answered: true },
      { utterance: 'stop', kind: 'barge-in', answered: true },
    ]);
  });

  it('classifies speech over agent audio that was not cleared as talk-over: no turn samples, not unanswered', () => {
    const metrics = computeCallMetrics([
      start(0),
      media(100, 100, 3100, [100, 3100]),
      utterance('uh-huh', 1000, 1300),
    ]);
    expect(metrics.turns).toEqual([{ utterance: 'uh-huh', kind: 'talk-over', answered: false }]);
    expect(metrics.unansweredTurns).toBe(0);
    expect(metrics.samples).toEqual({ 'greeting.first_audio_ms': [100] });
  });
});
