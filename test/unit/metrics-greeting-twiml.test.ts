/**
 * greeting.first_audio_ms and its source when the TwiML speaks before <Connect>: hand-built
 * timelines, exact numbers. TwiML audio counts from the webhook request (Twilio speaks as soon as
 * it has the TwiML); stream audio from `start`; the first one the caller heard is the sample.
 */
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../harness/caller/timeline.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import { media, utterance } from './helpers/timeline.ts';

const webhook = (sentAt: number, t: number): TimelineEvent => ({ kind: 'webhook', t, sentAt, status: 200, durationMs: t - sentAt });
const start = (t: number): TimelineEvent => ({ kind: 'start_sent', t, streamSid: `MZ${'b'.repeat(32)}` });

/** A <Say> playing from `from` for `ms`, audible throughout (or not at all, for an empty text). */
const say = (from: number, ms: number, audible = true): TimelineEvent => ({
  kind: 'twiml_say',
  t: from,
  text: audible ? 'Hello' : '',
  voice: undefined,
  language: undefined,
  loop: 1,
  playStart: from,
  playEnd: from + ms,
  audibleFrom: audible ? from : undefined,
  audibleTo: audible ? from + ms : undefined,
});

const pause = (from: number, s: number): TimelineEvent => ({ kind: 'twiml_pause', t: from, lengthS: s, playStart: from, playEnd: from + s * 1000 });

/** A <Play> fetched at `t`, playing from `from` for `ms`, audible after `leadMs` of silence. */
const play = (t: number, from: number, ms: number, leadMs: number): TimelineEvent => ({
  kind: 'twiml_play',
  t,
  url: '/hold.wav',
  loop: 1,
  playStart: from,
  playEnd: from + ms,
  audibleFrom: from + leadMs,
  audibleTo: from + ms,
});

describe('greeting.first_audio_ms from TwiML', () => {
  it('runs from the webhook request to the first audible Say sample: the webhook latency is in it; source twiml', () => {
    const metrics = computeCallMetrics([webhook(1000, 1400), say(1400, 900), start(2350)]);
    expect(metrics.samples).toEqual({ 'greeting.first_audio_ms': [400] });
    expect(metrics.greetingHeard).toBe(true);
    expect(metrics.greetingSource).toBe('twiml');
  });

  it('counts the TwiML greeting, not a later one over the stream: one sample, the first audible', () => {
    const metrics = computeCallMetrics([webhook(1000, 1100), say(1100, 500), start(1650), media(1900, 1900, 400)]);
    expect(metrics.samples['greeting.first_audio_ms']).toEqual([100]);
    expect(metrics.greetingSource).toBe('twiml');
  });

  it('a <Pause> and a leading-silence <Play>: the greeting is the first audible sample of the Play', () => {
    const metrics = computeCallMetrics([webhook(1000, 1050), pause(1050, 1), play(2050, 2060, 800, 120), start(2900)]);
    expect(metrics.samples['greeting.first_audio_ms']).toEqual([2060 + 120 - 1000]);
    expect(metrics.greetingSource).toBe('twiml');
  });

  it('silent TwiML (an empty Say, a Pause) is no greeting: the stream greeting counts, from `start`', () => {
    const metrics = computeCallMetrics([webhook(1000, 1050), say(1050, 0, false), pause(1050, 1), start(2100), media(2300, 2300, 400)]);
    expect(metrics.samples['greeting.first_audio_ms']).toEqual([200]);
    expect(metrics.greetingSource).toBe('stream');
  });

  it('says stream for a stream greeting, and undefined when nothing was heard before the caller spoke', () => {
    expect(computeCallMetrics([webhook(0, 10), start(20), media(300, 300, 200)]).greetingSource).toBe('stream');
    const none = computeCallMetrics([webhook(0, 10), start(20), utterance('q', 500, 1500), media(1900, 1900, 300)]);
    expect(none.greetingSource).toBeUndefined();
    expect(none.greetingHeard).toBe(false);
    expect(none.samples['greeting.first_audio_ms']).toBeUndefined();
  });
});
