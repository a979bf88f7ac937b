/**
 * The text-mode seam of the reply pipeline: turns the LLM's token stream into the segments sent
 * to TTS. A segment with `flush: true` closes a unit of speech (TTS `Flush` or one REST request,
 * then a Twilio mark).
 *
 * - `token`: every token as it arrives, verbatim (`flush: false`), then one empty `flush` segment
 *   at the end of the reply: the Deepgram official sample's behaviour.
 * - `sentence`: each sentence once it is certain to be complete, trimmed, each a unit.
 * - `full`: nothing until the reply ends, then the whole reply as one unit.
 */
import type { ReplyOptions, TextMode } from './reply-options.ts';
import { createSentenceSplitter } from './sentence-splitter.ts';

export interface TextSegment {
  /** Verbatim for a token; trimmed for a sentence or a whole reply. May be '' on a bare flush. */
  text: string;
  /** Ends a unit of speech: synthesise everything sent so far. */
  flush: boolean;
}

export interface TextSegmenter {
  push(token: string): TextSegment[];
  /** The reply is complete. */
  end(): TextSegment[];
  /** The LLM failed midway: what must still go out so nothing sent is left pending in TTS. */
  abandon(): TextSegment[];
}

function sentenceSegmenter(): TextSegmenter {
  const splitter = createSentenceSplitter();
  const asSegments = (sentences: string[]): TextSegment[] => sentences.map((text) => ({ text, flush: true }));
  return {
    push: (token) => asSegments(splitter.push(token)),
    end: () => asSegments(splitter.end()),
    // A half-finished sentence is dropped.
    abandon: () => [],
  };
}

function tokenSegmenter(): TextSegmenter {
  let sent = false;
  const close = (): TextSegment[] => (sent ? [{ text: '', flush: true }] : []);
  return {
    push(token) {
      if (token === '') return [];
      sent = true;
      return [{ text: token, flush: false }];
    },
    end: close,
    // Tokens already sent sit in the TTS buffer: flush them rather than leave them to the next reply.
    abandon: close,
  };
}

function fullSegmenter(): TextSegmenter {
  let text = '';
  return {
    push(token) {
      text += token;
      return [];
    },
    end() {
      const whole = text.trim();
      text = '';
      return whole === '' ? [] : [{ text: whole, flush: true }];
    },
    // Nothing was sent; an incomplete reply is dropped.
    abandon: () => [],
  };
}

/**
 * The mode actually used for `options`: REST TTS makes one request per unit, so `token` becomes
 * `sentence` there.
 */
export function effectiveTextMode(options: Pick<ReplyOptions, 'text' | 'tts'>): TextMode {
  return options.tts === 'rest' && options.text === 'token' ? 'sentence' : options.text;
}

export function createTextSegmenter(mode: TextMode): TextSegmenter {
  switch (mode) {
    case 'token':
      return tokenSegmenter();
    case 'sentence':
      return sentenceSegmenter();
    case 'full':
      return fullSegmenter();
  }
}
