/**
 * End-of-utterance and barge-in decisions from Deepgram listen messages. Pure: no I/O, no clock.
 *
 * - `is_final` transcripts accumulate, in order, into the current utterance.
 * - `speech_final` with accumulated text ends the utterance: one reply, and the text is consumed.
 *   An empty `speech_final` after earlier finals still replies (no wait for `UtteranceEnd`).
 * - `UtteranceEnd` replies only if text is still pending, so `speech_final` followed by
 *   `UtteranceEnd` gives exactly one reply.
 * - Barge-in while the agent is speaking, by policy:
 *   `speech`: `SpeechStarted` or any non-empty transcript (interim or final): the fastest, but
 *   noise and backchannels ("uh-huh") interrupt too;
 *   `words`: a transcript with a word that is not a backchannel or filler; SpeechStarted alone is
 *   not enough. A backchannel heard while the agent speaks is dropped, not answered.
 */
import type { ListenServerMessage } from '../../harness/protocol/index.ts';
import type { BargeInTrigger, ReplyTrigger } from '../log-events.ts';

export type TurnDecision =
  | { kind: 'reply'; transcript: string; trigger: ReplyTrigger }
  | { kind: 'barge_in'; trigger: BargeInTrigger };

/** What interrupts the agent: any sign of speech, or words that are not a backchannel. */
export type BargeInPolicy = 'speech' | 'words';
export const BARGE_IN_POLICIES: readonly BargeInPolicy[] = ['speech', 'words'];

/** Words that acknowledge or fill rather than take the turn. */
const BACKCHANNELS: ReadonlySet<string> = new Set([
  'uh-huh', 'uh', 'huh', 'uhhuh', 'mm-hmm', 'mmhmm', 'mhm', 'hmm', 'mm', 'um', 'umm', 'er', 'ah', 'oh',
  'yeah', 'yep', 'okay', 'ok', 'right', 'sure', 'alright', 'i', 'see', 'got', 'it',
]);

/** Whether a transcript is only backchannel and filler words ("Uh-huh.", "Mm-hmm, okay."). */
export function isBackchannel(transcript: string): boolean {
  const words = transcript.toLowerCase().match(/[a-z]+(?:-[a-z]+)*/g) ?? [];
  return words.length > 0 && words.every((word) => BACKCHANNELS.has(word));
}

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

export function createTurnDetector(policy: BargeInPolicy = 'speech'): TurnDetector {
  const finals: string[] = [];
  const interrupts = (transcript: string): boolean => transcript !== '' && (policy === 'speech' || !isBackchannel(transcript));

  const takeUtterance = (): string => {
    const text = finals.join(' ');
    finals.length = 0;
    return text;
  };

  return {
    handle(message, context) {
      switch (message.type) {
        case 'SpeechStarted':
          return context.agentSpeaking && policy === 'speech' ? [{ kind: 'barge_in', trigger: 'speech_started' }] : [];
        case 'Results': {
          const decisions: TurnDecision[] = [];
          const transcript = transcriptOf(message);
          if (context.agentSpeaking && interrupts(transcript)) decisions.push({ kind: 'barge_in', trigger: 'transcript' });
          // speech_final implies is_final; accept it alone too rather than lose the text.
          const isFinal = message.is_final === true || message.speech_final === true;
          const ignored = policy === 'words' && context.agentSpeaking && isBackchannel(transcript);
          if (isFinal && transcript !== '' && !ignored) finals.push(transcript);
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
