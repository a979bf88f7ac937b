/**
 * End-of-utterance and barge-in decisions from Deepgram listen messages. Pure: no I/O, no clock.
 *
 * - `is_final` transcripts accumulate, in order, into the current utterance.
 * - `speech_final` with accumulated text ends the utterance: one reply, and the text is consumed.
 *   An empty `speech_final` after earlier finals still replies (no wait for `UtteranceEnd`).
 * - `UtteranceEnd` replies only if text is still pending, so `speech_final` followed by
 *   `UtteranceEnd` gives exactly one reply.
 * - While the agent is speaking, `SpeechStarted` or any non-empty transcript (interim or final)
 *   is a barge-in.
 */
import type { ListenServerMessage } from '../../harness/protocol/index.ts';
import type { BargeInTrigger, ReplyTrigger } from '../log-events.ts';

export type TurnDecision =
  | { kind: 'reply'; transcript: string; trigger: ReplyTrigger }
  | { kind: 'barge_in'; trigger: BargeInTrigger };

export interface TurnContext {
  /** Whether agent audio is playing or about to play (outstanding marks or unmarked audio). */
  agentSpeaking: boolean;
}

export interface TurnDetector {
  handle(message: ListenServerMessage, context: TurnContext): TurnDecision[];
  /** Final text heard but not yet answered. */
  readonly pending: string;
}

function transcriptOf(message: Extract<ListenServerMessage, { type: 'Results' }>): string {
  return (message.channel.alternatives[0]?.transcript ?? '').trim();
}

export function createTurnDetector(): TurnDetector {
  const finals: string[] = [];

  const takeUtterance = (): string => {
    const text = finals.join(' ');
    finals.length = 0;
    return text;
  };

  return {
    handle(message, context) {
      switch (message.type) {
        case 'SpeechStarted':
          return context.agentSpeaking ? [{ kind: 'barge_in', trigger: 'speech_started' }] : [];
        case 'Results': {
          const decisions: TurnDecision[] = [];
          const transcript = transcriptOf(message);
          if (transcript !== '' && context.agentSpeaking) decisions.push({ kind: 'barge_in', trigger: 'transcript' });
          // speech_final implies is_final; accept it alone too rather than lose the text.
          const isFinal = message.is_final === true || message.speech_final === true;
          if (isFinal && transcript !== '') finals.push(transcript);
          if (message.speech_final === true && finals.length > 0) {
            decisions.push({ kind: 'reply', transcript: takeUtterance(), trigger: 'speech_final' });
          }
          return decisions;
        }
        case 'UtteranceEnd':
          return finals.length > 0 ? [{ kind: 'reply', transcript: takeUtterance(), trigger: 'utterance_end' }] : [];
        case 'Metadata':
          return [];
      }
    },
    get pending() {
      return finals.join(' ');
    },
  };
}
