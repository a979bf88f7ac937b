/** The first checks: what the caller heard, the barge-in basics, Realtime truncation, teardown and faults. */
import type { CheckDefinition } from './definition.ts';

export const CORE_CHECKS = {
  'twilio.protocol': { severity: 'error', asserts: 'the agent sent nothing the fake Twilio flagged: invalid JSON, an unknown event, a message of the wrong shape, a binary frame (streamSid: twilio.stream-sid; payloads: twilio.audio-format)', behaviour: 'A1' },
  'turn.answered': { severity: 'error', asserts: 'every caller turn that expected a reply (reply or barge-in) got audible agent audio', behaviour: 'B9' },
  'turn.complete': {
    severity: 'error',
    asserts: 'a reply the caller did not interrupt was played to its end (90 %), or the agent spoke again within 5 s of breaking off: no dead air after an upstream drop',
    behaviour: 'A5',
  },
  'bargein.no-leak': { severity: 'error', asserts: 'after the `clear` of a barge-in, no audio of the interrupted reply arrived', behaviour: 'C13' },
  'bargein.no-spurious-clear': { severity: 'warning', asserts: 'no `clear` arrived while no agent audio was playing at the caller', behaviour: 'C15' },
  'realtime.truncate-accepted': { severity: 'error', asserts: 'every `conversation.item.truncate` sent to the Realtime mock was accepted (`conversation.item.truncated`, not `error`)', behaviour: 'C16' },
  'upstream.closed-after-hangup': { severity: 'error', asserts: 'every upstream WebSocket of the call (Deepgram listen and speak, OpenAI Realtime) closed within 2 s of the hang-up', behaviour: 'A4' },
  'fault.not-injected': { severity: 'warning', asserts: 'every fault the scenario armed for the call was injected by the mocks (a fault that never fired tested nothing)', behaviour: '—' },
} as const satisfies Record<string, CheckDefinition>;
