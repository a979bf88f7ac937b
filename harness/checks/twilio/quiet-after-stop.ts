/**
 * `twilio.quiet-after-stop` (REFERENCE-AGENTS §5 A4; bug class 4): once the caller has sent
 * `stop`, the agent sends nothing more. The fake Twilio keeps the socket open a moment after its
 * `stop` (STOP_LINGER_MS, unless the agent closes it first) and records what arrives in it.
 */
import { eventsOf } from '../../caller/timeline.ts';
import type { CallCheckInput } from '../call-checks.ts';
import { secondsAfter, skipped, verdictOf, type CheckVerdict } from '../check.ts';
import { strayLine } from './stray-messages.ts';

export function checkQuietAfterStop(input: CallCheckInput, origin: number): CheckVerdict {
  const { events } = input;
  const stop = eventsOf(events, 'stop_sent')[0];
  if (stop === undefined) {
    const closed = eventsOf(events, 'closed')[0];
    return skipped('twilio.quiet-after-stop', closed?.by === 'agent' ? 'the agent closed the stream before the caller sent stop' : 'the caller never sent stop');
  }
  const after = (t: number): string => `${((t - stop.t) / 1000).toFixed(3)} s`;
  const line = strayLine(eventsOf(events, 'after_stop'), after);
  return verdictOf('twilio.quiet-after-stop', line === undefined ? [] : [`${line} after the stop sent at ${secondsAfter(origin, stop.t)}, the socket still open`]);
}
