/** Builds Deepgram listen server messages in their full documented shape. */
import type { ListenResults } from '../../protocol/deepgram.ts';
import type { TimedWord } from './recognizer.ts';

const MODEL_INFO = { name: 'general-nova-3', version: '2024-12-20.0', arch: 'nova-3' } as const;
const MODEL_UUID = '2187e11a-3532-4498-b076-81fa530bdd49';
const WORD_CONFIDENCE = 0.98;

const seconds = (ms: number): number => Math.round(ms) / 1000;

export function buildResults(args: {
  requestId: string;
  isFinal: boolean;
  speechFinal: boolean;
  fromFinalize: boolean;
  startMs: number;
  endMs: number;
  words: readonly TimedWord[];
  punctuate: boolean;
}): ListenResults {
  const words = args.words.map((word) => ({
    word: word.word,
    start: seconds(word.startMs),
    end: seconds(word.endMs),
    confidence: WORD_CONFIDENCE,
    ...(args.punctuate ? { punctuated_word: word.punctuated } : {}),
  }));
  const transcript = args.words.map((word) => (args.punctuate ? word.punctuated : word.word)).join(' ');
  return {
    type: 'Results',
    channel_index: [0, 1],
    duration: seconds(args.endMs - args.startMs),
    start: seconds(args.startMs),
    is_final: args.isFinal,
    speech_final: args.speechFinal,
    from_finalize: args.fromFinalize,
    channel: { alternatives: [{ transcript, confidence: words.length > 0 ? WORD_CONFIDENCE : 0, words }] },
    metadata: { request_id: args.requestId, model_info: { ...MODEL_INFO }, model_uuid: MODEL_UUID },
  };
}
