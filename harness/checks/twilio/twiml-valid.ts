/**
 * `twiml.valid` (REFERENCE-AGENTS §5 A7; bug classes 18, 19): the voice webhook answered, within
 * Twilio's 15 s, TwiML Twilio can run (a Content-Type, at most 64 kB, well-formed XML with
 * Twilio's character rules, a <Connect><Stream> with a wss:// URL and no query string); what it
 * asks to play first could be played; the Stream URL was served (the upgrade succeeded); and every
 * hostile value the scenario put in the webhook (twilio.webhookParams) that the agent echoed into
 * a <Parameter> came back in `start.customParameters` exactly, less the characters XML cannot
 * carry at all (which an agent must drop: escaping them gives TwiML Twilio refuses).
 *
 * A value is taken as echoed when a custom parameter holds all its words (runs of two or more
 * letters or digits) in order, so a value mangled by double escaping or stripped punctuation is
 * still recognised, and an unrelated parameter is not.
 */
import { eventsOf } from '../../caller/timeline.ts';
import type { CallCheckInput } from '../call-checks.ts';
import { secondsAfter, skipped, verdictOf, type CheckVerdict } from '../check.ts';

const STAGE_WORDS = {
  webhook: 'the webhook failed',
  twiml: 'the webhook answered no TwiML Twilio can run',
  prelude: 'the TwiML before <Connect> could not be played',
  stream: 'the Stream URL was not served',
} as const;

/** Characters XML 1.0 cannot hold, even escaped. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const WORD = /[\p{L}\p{N}]{2,}/gu;

/** Whether `value` holds every word of `sent`, in order. */
function carries(value: string, sent: string): boolean {
  const words = sent.match(WORD) ?? [];
  if (words.length === 0) return false;
  let from = 0;
  for (const word of words) {
    const at = value.indexOf(word, from);
    if (at < 0) return false;
    from = at + word.length;
  }
  return true;
}

export function checkTwimlValid(input: CallCheckInput, origin: number): CheckVerdict {
  const { events } = input;
  const webhook = eventsOf(events, 'webhook')[0];
  if (webhook === undefined) return skipped('twiml.valid', 'no voice webhook was posted');
  const hostile = (webhook.scenarioParams ?? []).flatMap((name) => {
    const value = webhook.params?.[name];
    return value === undefined ? [] : [{ name, value }];
  });
  const evidence: string[] = [];
  const failure = eventsOf(events, 'placement_failed')[0];
  if (failure !== undefined) {
    const took = failure.stage === 'webhook' || failure.stage === 'twiml' ? ` (asked at ${secondsAfter(origin, webhook.sentAt)}, ${Math.round(webhook.durationMs)} ms)` : '';
    const carried = failure.stage === 'twiml' && hostile.length > 0 ? `; the webhook carried hostile ${hostile.map((h) => h.name).join(', ')} values, which TwiML must escape` : '';
    evidence.push(`${STAGE_WORDS[failure.stage]}: ${failure.error}${took}${carried}`);
  }
  const start = eventsOf(events, 'start_sent')[0];
  const returned = Object.entries(start?.customParameters ?? {});
  for (const sent of hostile) {
    const expected = sent.value.replace(NOT_XML_CHAR, '');
    for (const [name, value] of returned) {
      if (value === expected || !carries(value, sent.value)) continue;
      evidence.push(`<Parameter name=${JSON.stringify(name)}> came back as ${JSON.stringify(value)}; the webhook's ${sent.name} was ${JSON.stringify(sent.value)} (expected ${JSON.stringify(expected)})`);
    }
  }
  return verdictOf('twiml.valid', evidence);
}
