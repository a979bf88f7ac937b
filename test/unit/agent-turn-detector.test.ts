/**
 * The reference agent's turn logic, fed parsed Deepgram listen messages: one reply per utterance,
 * never two for speech_final + UtteranceEnd, no wait on an empty speech_final, barge-in triggers.
 */
import { describe, expect, it } from 'vitest';
import { createTurnDetector, isBackchannel, type BargeInPolicy, type TurnDecision } from '../../agent/call/turn-detector.ts';
import { parseListenServerMessage, type ListenServerMessage } from '../../harness/protocol/index.ts';

/** A listen message as it comes off the wire, parsed by the protocol's own schema. */
function wire(message: Record<string, unknown>): ListenServerMessage {
  const parsed = parseListenServerMessage(JSON.stringify(message));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

function results(transcript: string, flags: { is_final?: boolean; speech_final?: boolean }): ListenServerMessage {
  return wire({
    type: 'Results',
    channel_index: [0, 1],
    duration: 1,
    start: 0,
    ...flags,
    channel: { alternatives: [{ transcript, confidence: 0.9, words: [] }] },
    metadata: { request_id: 'r', model_info: { name: 'general-nova-3', version: '1', arch: 'nova-3' }, model_uuid: 'u' },
  });
}

const interim = (text: string): ListenServerMessage => results(text, { is_final: false });
const final = (text: string): ListenServerMessage => results(text, { is_final: true, speech_final: false });
const speechFinal = (text: string): ListenServerMessage => results(text, { is_final: true, speech_final: true });
const utteranceEnd = (): ListenServerMessage => wire({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: 2.4 });
const speechStarted = (): ListenServerMessage => wire({ type: 'SpeechStarted', channel: [0, 1], timestamp: 1.2 });

/** Feeds messages with the agent silent and returns every decision, in order. */
function feed(messages: ListenServerMessage[], agentSpeaking = false, policy: BargeInPolicy = 'speech'): TurnDecision[] {
  const detector = createTurnDetector(policy);
  return messages.flatMap((message) => detector.handle(message, { agentSpeaking }));
}

describe('turn detection', () => {
  it('replies once on speech_final, joining the is_final segments in order', () => {
    expect(feed([interim('what are'), final('What are'), interim('your hours'), speechFinal('your hours?')])).toEqual([
      { kind: 'reply', transcript: 'What are your hours?', trigger: 'speech_final' },
    ]);
  });

  it('does not reply again on the UtteranceEnd that follows speech_final', () => {
    const decisions = feed([final('Book a table'), speechFinal('for two.'), utteranceEnd()]);
    expect(decisions.filter((decision) => decision.kind === 'reply')).toHaveLength(1);
  });

  it('replies on an empty speech_final when earlier finals hold text, without waiting for UtteranceEnd', () => {
    const detector = createTurnDetector();
    expect(detector.handle(final('Hello there.'), { agentSpeaking: false })).toEqual([]);
    expect(detector.handle(speechFinal(''), { agentSpeaking: false })).toEqual([
      { kind: 'reply', transcript: 'Hello there.', trigger: 'speech_final' },
    ]);
    expect(detector.handle(utteranceEnd(), { agentSpeaking: false })).toEqual([]);
  });

  it('ignores an empty speech_final with nothing heard', () => {
    expect(feed([speechFinal(''), utteranceEnd()])).toEqual([]);
  });

  it('replies on UtteranceEnd when no speech_final came', () => {
    expect(feed([interim('yes'), final('Yes, please.'), utteranceEnd()])).toEqual([
      { kind: 'reply', transcript: 'Yes, please.', trigger: 'utterance_end' },
    ]);
  });

  it('never replies on interim results alone', () => {
    expect(feed([interim('what'), interim('what time'), utteranceEnd()])).toEqual([]);
  });

  it('gives each utterance its own reply', () => {
    expect(feed([speechFinal('Hi.'), utteranceEnd(), final('Second'), speechFinal('question?')])).toEqual([
      { kind: 'reply', transcript: 'Hi.', trigger: 'speech_final' },
      { kind: 'reply', transcript: 'Second question?', trigger: 'speech_final' },
    ]);
  });
});

describe('barge-in triggers', () => {
  it('treats a non-empty interim transcript during agent speech as a barge-in', () => {
    expect(feed([interim('wait')], true)).toEqual([{ kind: 'barge_in', trigger: 'transcript' }]);
  });

  it('treats SpeechStarted during agent speech as a barge-in', () => {
    expect(feed([speechStarted()], true)).toEqual([{ kind: 'barge_in', trigger: 'speech_started' }]);
  });

  it('also catches an utterance whose first result is already final, and still answers it', () => {
    expect(feed([speechFinal('Stop.')], true)).toEqual([
      { kind: 'barge_in', trigger: 'transcript' },
      { kind: 'reply', transcript: 'Stop.', trigger: 'speech_final' },
    ]);
  });

  it('does not barge in when the agent is silent, or on an empty interim', () => {
    expect(feed([speechStarted(), interim('hello')], false)).toEqual([]);
    expect(feed([interim('')], true)).toEqual([]);
  });
});

describe("barge-in policy 'words'", () => {
  it('is not triggered by SpeechStarted alone, nor by a backchannel, which is then not answered either', () => {
    expect(feed([speechStarted()], true, 'words')).toEqual([]);
    expect(feed([speechStarted(), interim('Uh-huh.'), speechFinal('Uh-huh.'), utteranceEnd()], true, 'words')).toEqual([]);
    expect(feed([interim('Mm-hmm, okay.'), speechFinal('Mm-hmm, okay.')], true, 'words')).toEqual([]);
  });

  it('is triggered by words that take the turn, even one, and answers them', () => {
    expect(feed([speechStarted(), interim('wait'), final('Wait, stop.'), speechFinal('')], true, 'words')).toEqual([
      { kind: 'barge_in', trigger: 'transcript' },
      { kind: 'barge_in', trigger: 'transcript' },
      { kind: 'reply', transcript: 'Wait, stop.', trigger: 'speech_final' },
    ]);
    expect(feed([speechFinal('No.')], true, 'words')).toEqual([
      { kind: 'barge_in', trigger: 'transcript' },
      { kind: 'reply', transcript: 'No.', trigger: 'speech_final' },
    ]);
  });

  it('answers a backchannel word spoken while the agent is silent: then it is a reply', () => {
    expect(feed([speechFinal('Okay.')], false, 'words')).toEqual([{ kind: 'reply', transcript: 'Okay.', trigger: 'speech_final' }]);
  });

  it('knows backchannels and fillers from words', () => {
    for (const text of ['Uh-huh.', 'uh huh', 'Mm-hmm.', 'Yeah, okay.', 'I see.', 'Got it.', 'Hmm.']) expect(isBackchannel(text), text).toBe(true);
    for (const text of ['No.', 'Yes.', 'Wait.', 'Okay, but what about Sunday?', '', '...']) expect(isBackchannel(text), text).toBe(false);
  });
});
