/**
 * `twilio.nothing-before-start` (REFERENCE-AGENTS §5 A2, B10; bug class 3): the agent sent
 * nothing on the stream before the fake Twilio's `start`. Meaningful with twilio.startDelayMs,
 * which leaves a window after `connected` in which a greeting sent on connect (with a null or
 * guessed streamSid) shows.
 */
import { eventsOf } from '../../caller/timeline.ts';
import type { CallCheckInput } from '../call-checks.ts';
import { skipped, verdictOf, type CheckVerdict } from '../check.ts';
import { strayLine } from './stray-messages.ts';

export function checkNothingBeforeStart(input: CallCheckInput, origin: number): CheckVerdict {
  const { events } = input;
  const start = eventsOf(events, 'start_sent')[0];
  const early = eventsOf(events, 'early_message');
  if (start === undefined && early.length === 0) {
    const open = eventsOf(events, 'socket_open')[0];
    return skipped('twilio.nothing-before-start', open === undefined ? 'the media stream never opened' : 'the agent closed the stream before start was sent');
  }
  const before = (t: number): string => `${((origin - t) / 1000).toFixed(3)} s`;
  const opened = eventsOf(events, 'socket_open')[0];
  const delay = start !== undefined && opened !== undefined ? ` (start was sent ${Math.round(start.t - opened.t)} ms after connected)` : '';
  const line = strayLine(early, before);
  return verdictOf('twilio.nothing-before-start', line === undefined ? [] : [`${line} before start${delay}`]);
}
