/** Checks of the Twilio side of a call, judged from the caller's timeline (owned with harness/checks/twilio/). */
import type { CheckDefinition } from './definition.ts';

export const TWILIO_CHECKS = {
  'turn.expected': {
    severity: 'error',
    asserts:
      'each caller utterance got what its scenario step expects: `interrupt` a `clear` (within clearWithinMs), `reply` an audible reply (within replyWithinMs), `ignore` neither',
    behaviour: 'B8, C12, C17',
  },
  'twilio.robust-parsing': {
    severity: 'error',
    asserts: 'after each injected message (unknown event, malformed JSON, binary frame, media or stop of another stream) the agent kept the stream open and went on answering',
    behaviour: 'A1',
  },
  'twilio.stream-sid': { severity: 'error', asserts: "every outbound media, mark and clear carried this call's streamSid (not another stream's, not none)", behaviour: 'A2' },
  'twilio.nothing-before-start': { severity: 'error', asserts: 'the agent sent nothing on the stream before `start` (meaningful with twilio.startDelayMs)', behaviour: 'A2, B10' },
  'twilio.audio-format': {
    severity: 'error',
    asserts: 'every media payload was valid base64 of headerless μ-law of a plausible length: no RIFF header, no JSON or text (a control frame forwarded as audio), not empty',
    behaviour: 'A3, D19',
  },
  'twilio.quiet-after-stop': { severity: 'error', asserts: "the agent sent nothing after the caller's `stop` while the socket was still open", behaviour: 'A4' },
  'twiml.valid': {
    severity: 'error',
    asserts: "the webhook answered well-formed TwiML (a Content-Type, at most 64 kB) within Twilio's 15 s, its Stream URL was served, and hostile webhook values the agent echoed into <Parameter>s came back exactly",
    behaviour: 'A7',
  },
  'bargein.one-clear': { severity: 'error', asserts: 'at most one `clear` per interruption (per caller utterance)', behaviour: 'C12' },
  'marks.tied-to-audio': {
    severity: 'warning',
    asserts: 'the agent sent marks, each after audio, with names distinct within a response; stale echoes after a clear did not stop the next barge-in',
    behaviour: 'C11',
  },
} as const satisfies Record<string, CheckDefinition>;
