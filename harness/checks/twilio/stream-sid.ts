/**
 * `twilio.stream-sid` (REFERENCE-AGENTS §5 A2): every media, mark and clear the agent sent after
 * `start` carried this call's streamSid. The fake Twilio ignores the others, as Twilio does
 * (warning 31951); the evidence names the SID they carried, and whether it was the other stream's
 * whose media or stop an `inject` step sent (an agent that takes its SID from the latest message).
 */
import { eventsOf } from '../../caller/timeline.ts';
import type { CallCheckInput } from '../call-checks.ts';
import { skipped, verdictOf, type CheckVerdict } from '../check.ts';
import { runsOf } from './facts.ts';

export function checkStreamSid(input: CallCheckInput, origin: number): CheckVerdict {
  const { events } = input;
  const start = eventsOf(events, 'start_sent')[0];
  if (start === undefined) return skipped('twilio.stream-sid', 'start was never sent: the call did not stream');
  const foreign = eventsOf(events, 'foreign_sid');
  const sent = events.some((e) => e.kind === 'agent_media' || e.kind === 'agent_mark' || e.kind === 'clear');
  if (foreign.length === 0 && !sent) return skipped('twilio.stream-sid', 'the agent sent no media, mark or clear');
  const injectedSids = new Set(eventsOf(events, 'injected').flatMap((e) => (e.foreignStreamSid === undefined ? [] : [e.foreignStreamSid])));
  const describe = (sid: string | null): string =>
    sid === null ? 'no streamSid (missing, empty or not a string)' : injectedSids.has(sid) ? `streamSid ${sid} (the other stream's, from the injected messages)` : `streamSid ${sid}`;
  const lines = runsOf(foreign, (e) => `${e.event} with ${describe(e.streamSid)}`, origin);
  return verdictOf('twilio.stream-sid', lines.length === 0 ? [] : [...lines.slice(0, 1).map((l) => `${l} (this stream is ${start.streamSid})`), ...lines.slice(1)]);
}
