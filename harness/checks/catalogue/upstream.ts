/** Checks of the agent's upstream protocol use, judged from the mock journal (owned with harness/checks/upstream/). */
import type { CheckDefinition } from './definition.ts';

export const UPSTREAM_CHECKS = {
  'turn.one-reply': { severity: 'error', asserts: 'each caller utterance got one reply from the mocks (a chat completion, a Realtime response), never two (speech_final then UtteranceEnd)', behaviour: 'B8' },
  'bargein.generation-stopped': {
    severity: 'error',
    asserts: 'a cleared barge-in also stopped the generation of the interrupted reply: the LLM stream aborted, no TTS Flush or request of it after the clear, Clear sent to a speak socket still synthesising, the Realtime response cancelled',
    behaviour: 'C14',
  },
  'realtime.truncate-accurate': {
    severity: 'error',
    asserts: 'a conversation.item.truncate names the item that was playing, content_index 0, with audio_end_ms within 250 ms of what the caller played of it',
    behaviour: 'C16',
  },
  'deepgram.listen-config': {
    severity: 'error',
    asserts: "the listen socket declares the audio it is sent (Twilio's encoding=mulaw&sample_rate=8000, or the format the agent transcodes to, recognisably), one channel",
    behaviour: 'D18',
  },
  'deepgram.keepalive': { severity: 'warning', asserts: 'KeepAlive only while the call is alive, and the listen socket closed with CloseStream', behaviour: 'D18' },
  'deepgram.speak-config': {
    severity: 'warning',
    asserts: "TTS is asked for what Twilio plays (encoding=mulaw&sample_rate=8000, container=none), within Deepgram's Flush limit",
    behaviour: 'D19',
  },
  'realtime.session-config': {
    severity: 'error',
    asserts: 'the Realtime session is audio/pcmu in and out, with the voice set in the session (not only in the URL, where the service ignores it)',
    behaviour: 'D20',
  },
  'realtime.event-names': { severity: 'error', asserts: 'every client event the agent sent is a Realtime GA event (no beta names or shape)', behaviour: 'D20' },
} as const satisfies Record<string, CheckDefinition>;
