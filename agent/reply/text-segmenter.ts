/**
 * The text-mode seam of the reply pipeline: turns the LLM's token stream into the segments sent
 * to TTS. A segment with `flush: true` closes a unit of speech (TTS `Flush`, then a Twilio mark).
 */
import type { TextMode } from './reply-options.ts';
import { createSentenceSplitter } from './sentence-splitter.ts';

export interface TextSegment {
  text: string;
  /** Ends a unit of speech: synthesise everything sent so far. */
  flush: boolean;
}

export interface TextSegmenter {
  push(token: string): TextSegment[];
  end(): TextSegment[];
}

function sentenceSegmenter(): TextSegmenter {
  const splitter = createSentenceSplitter();
  const asSegments = (sentences: string[]): TextSegment[] => sentences.map((text) => ({ text, flush: true }));
  return {
    push: (token) => asSegments(splitter.push(token)),
    end: () => asSegments(splitter.end()),
  };
}

export function createTextSegmenter(mode: TextMode): TextSegmenter {
  switch (mode) {
    case 'sentence':
      return sentenceSegmenter();
    case 'token':
    case 'full':
      // Refused earlier by resolveAgentOptions; kept explicit so adding a mode is one case here.
      throw new Error(`text mode '${mode}' is not implemented yet`);
  }
}
