/**
 * The built-in comparisons (`callbench compare --matrix NAME`), each a set of the reference
 * agent's designs on the scenarios that show them apart. The first variant is the one the others
 * are measured against (their ratio column).
 *
 * Defaults are sized for confidence intervals within a few minutes on a small machine: each
 * variant plays `calls` calls of every scenario, `concurrency` at once (pairs interleaved), so
 * the reply metrics get about 3 × calls samples per variant (question gives one reply a call,
 * barge-in-mid-sentence two) and barge-in `calls`.
 */
import type { VariantSpec } from './variant-spec.ts';
import { splitWords } from './shell-words.ts';

export type MatrixName = 'seed' | 'tts' | 'text' | 'mode';
export const MATRIX_NAMES: readonly MatrixName[] = ['seed', 'tts', 'text', 'mode'];

export interface Matrix {
  name: MatrixName;
  description: string;
  variants: VariantSpec[];
  scenarios: string[];
  calls: number;
  concurrency: number;
}

function variant(name: string, flags: string): VariantSpec {
  const words = splitWords(flags);
  if (!words.ok) throw new Error(`matrix variant ${name}: ${words.expected}`);
  return { name, flags, argv: words.words };
}

const SCENARIOS = ['question', 'barge-in-mid-sentence'];

export const MATRICES: Readonly<Record<MatrixName, Matrix>> = {
  seed: {
    name: 'seed',
    description: "the seed analysis's two designs: Current (whole reply, REST TTS, whole body, 10 ms poll) against Target (sentences over the TTS WebSocket, audio forwarded at once)",
    variants: [variant('current', '--preset seed-current'), variant('target', '--preset seed-fixed')],
    scenarios: SCENARIOS,
    calls: 10,
    concurrency: 4,
  },
  tts: {
    name: 'tts',
    description: 'TTS over REST (one request per sentence, audio streamed as it arrives) against the TTS WebSocket',
    variants: [variant('rest', '--tts rest'), variant('ws', '--tts ws')],
    scenarios: SCENARIOS,
    calls: 10,
    concurrency: 4,
  },
  text: {
    name: 'text',
    description: 'LLM text to TTS token by token, sentence by sentence, or the whole reply at once (WebSocket TTS)',
    variants: [variant('token', '--text token'), variant('sentence', '--text sentence'), variant('full', '--text full')],
    scenarios: SCENARIOS,
    calls: 8,
    concurrency: 6,
  },
  mode: {
    name: 'mode',
    description: 'the cascaded pipeline (Deepgram STT, OpenAI chat, Deepgram TTS) against OpenAI Realtime speech to speech',
    variants: [variant('cascaded', '--agent-mode cascaded'), variant('realtime', '--agent-mode realtime')],
    scenarios: SCENARIOS,
    calls: 10,
    concurrency: 4,
  },
};
