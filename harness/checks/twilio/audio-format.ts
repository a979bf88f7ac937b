/**
 * `twilio.audio-format` (REFERENCE-AGENTS §5 A3, D19; bug class 16): every `media` payload the
 * agent sent is valid base64 of headerless μ-law of a plausible length. The fake Twilio judges
 * each payload as it arrives (harness/caller/payload.ts); a payload that is no audio at all (JSON,
 * text, invalid base64, empty) never counts as audio the caller heard.
 */
import { eventsOf } from '../../caller/timeline.ts';
import type { CallCheckInput } from '../call-checks.ts';
import { secondsAfter, skipped, verdictOf, type CheckVerdict } from '../check.ts';

export function checkAudioFormat(input: CallCheckInput, origin: number): CheckVerdict {
  const media = eventsOf(input.events, 'agent_media');
  if (media.length === 0) return skipped('twilio.audio-format', 'the agent sent no media');
  return verdictOf(
    'twilio.audio-format',
    media.flatMap((m) => (m.payloadIssue === undefined ? [] : [`media at ${secondsAfter(origin, m.t)} (${m.bytes} bytes): ${m.payloadIssue}`])),
  );
}
