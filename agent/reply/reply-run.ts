/**
 * One reply: stream the LLM, cut its text into segments, hand them to speech as they complete.
 *
 * Cancelling aborts the LLM request at once and guarantees that no token read after the cancel
 * reaches TTS (the stream may still yield a chunk it had already parsed). If the LLM fails before
 * anything was said, the fallback line is spoken instead of leaving the caller in silence.
 */
import type { ChatTurnMessage } from '../call/conversation.ts';
import type { ReplyOutcome } from '../log-events.ts';
import { describeError, type CallLogger } from '../logger.ts';
import type { ChatStreamer } from '../upstream/chat-stream.ts';
import type { TextSegment, TextSegmenter } from './text-segmenter.ts';

export interface ReplyRunDeps {
  turn: number;
  messages: ChatTurnMessage[];
  model: string;
  chat: ChatStreamer;
  segmenter: TextSegmenter;
  say(turn: number, segment: TextSegment): void;
  log: CallLogger;
  fallbackReply: string;
  /** Called exactly once, with the text that went to TTS. */
  onSettled(spokenText: string, outcome: ReplyOutcome): void;
  /** A planted delay before the LLM request (tuning.replyDelayMs), slept on this; absent or 0: none. */
  delay?: { ms: number; sleep(ms: number, signal: AbortSignal): Promise<void> };
}

export interface ReplyRun {
  readonly turn: number;
  /** True until the run has completed, failed or been cancelled. */
  readonly active: boolean;
  cancel(): void;
  /** Settles when the run is over; never rejects. */
  readonly finished: Promise<void>;
}

export function startReplyRun(deps: ReplyRunDeps): ReplyRun {
  const { turn, log } = deps;
  const controller = new AbortController();
  /** What went to TTS: tokens verbatim, units (sentences, whole replies) a space apart. */
  let spoken = '';
  let settled = false;
  let chars = 0;
  let usage: { promptTokens: number; completionTokens: number } | null = null;

  const settle = (outcome: ReplyOutcome): void => {
    if (settled) return;
    settled = true;
    const text = spoken.trim();
    log.emit({
      type: 'llm.done',
      turn,
      outcome,
      chars,
      promptTokens: usage?.promptTokens ?? null,
      completionTokens: usage?.completionTokens ?? null,
    });
    deps.onSettled(text, outcome);
  };

  const speak = (segments: TextSegment[]): void => {
    for (const segment of segments) {
      if (controller.signal.aborted) return;
      deps.say(turn, segment);
      if (segment.text === '') continue;
      spoken += segment.flush && spoken !== '' ? ` ${segment.text}` : segment.text;
    }
  };

  const run = async (): Promise<void> => {
    if (deps.delay !== undefined && deps.delay.ms > 0) {
      // A cancel during the delay ends the run before it asks anything (cancel() has settled it).
      await deps.delay.sleep(deps.delay.ms, controller.signal).catch(() => undefined);
      if (controller.signal.aborted) return;
    }
    log.emit({ type: 'llm.request', turn, model: deps.model, messages: deps.messages.length });
    let firstToken = true;
    try {
      for await (const event of deps.chat(deps.messages, controller.signal)) {
        if (controller.signal.aborted) return;
        if (event.kind === 'usage') {
          usage = { promptTokens: event.promptTokens, completionTokens: event.completionTokens };
          continue;
        }
        if (firstToken) {
          firstToken = false;
          log.emit({ type: 'llm.first_token', turn });
        }
        chars += event.text.length;
        speak(deps.segmenter.push(event.text));
      }
      if (controller.signal.aborted) return;
      speak(deps.segmenter.end());
      settle('completed');
    } catch (error) {
      if (controller.signal.aborted) return;
      log.error('llm.failed', `turn ${turn}: ${describeError(error)}`);
      // What the text mode still owes TTS goes out (tokens already sent are flushed; a half-finished
      // sentence or reply is dropped); if nothing was said at all, the fallback line is.
      speak(deps.segmenter.abandon());
      if (spoken.trim() === '' && deps.fallbackReply !== '') speak([{ text: deps.fallbackReply, flush: true }]);
      settle('failed');
    }
  };

  const finished = run().catch((error: unknown) => {
    log.error('internal', `turn ${turn}: reply pipeline failed: ${describeError(error)}`);
    settle('failed');
  });

  return {
    turn,
    get active() {
      return !settled;
    },
    cancel() {
      if (settled) return;
      controller.abort();
      settle('cancelled');
    },
    finished,
  };
}
