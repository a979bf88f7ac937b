/**
 * Streaming chat completions through the official `openai` SDK, as a plain async stream of text
 * tokens (and the usage report that `include_usage` adds at the end).
 *
 * The SDK's `timeout` only covers the wait for response headers, so a stream that stalls midway
 * would hang forever; an idle watchdog on the agent's clock aborts it instead.
 */
import type OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { Clock } from '../../harness/clock.ts';
import type { ChatTurnMessage } from '../call/conversation.ts';

export type ChatStreamEvent =
  | { kind: 'token'; text: string }
  | { kind: 'usage'; promptTokens: number; completionTokens: number };

/** Streams one reply. Aborting `signal` ends the request; iteration then throws. */
export type ChatStreamer = (messages: ChatTurnMessage[], signal: AbortSignal) => AsyncIterable<ChatStreamEvent>;

export class LlmStalledError extends Error {
  constructor(idleMs: number) {
    super(`the LLM stream produced nothing for ${idleMs} ms`);
    this.name = 'LlmStalledError';
  }
}

function toParam(message: ChatTurnMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return { role: 'user', content: message.content };
    case 'assistant':
      return { role: 'assistant', content: message.content };
  }
}

export interface ChatStreamerOptions {
  client: OpenAI;
  model: string;
  clock: Clock;
  /** 0 disables the watchdog. */
  idleTimeoutMs: number;
}

export function createChatStreamer(options: ChatStreamerOptions): ChatStreamer {
  const { client, model, clock, idleTimeoutMs } = options;
  return async function* streamChat(messages, signal) {
    const controller = new AbortController();
    const forwardAbort = (): void => controller.abort(signal.reason);
    if (signal.aborted) forwardAbort();
    else signal.addEventListener('abort', forwardAbort, { once: true });
    let stalled = false;
    let cancelWatchdog: () => void = () => {};
    const feedWatchdog = (): void => {
      cancelWatchdog();
      if (idleTimeoutMs <= 0) return;
      cancelWatchdog = clock.at(clock.now() + idleTimeoutMs, () => {
        stalled = true;
        controller.abort();
      });
    };
    try {
      feedWatchdog();
      const stream = await client.chat.completions.create(
        { model, messages: messages.map(toParam), stream: true, stream_options: { include_usage: true } },
        { signal: controller.signal },
      );
      for await (const chunk of stream) {
        feedWatchdog();
        const content = chunk.choices[0]?.delta?.content;
        if (typeof content === 'string' && content !== '') yield { kind: 'token', text: content };
        const usage = chunk.usage;
        if (usage !== undefined && usage !== null) {
          yield { kind: 'usage', promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens };
        }
      }
    } catch (error) {
      if (stalled) throw new LlmStalledError(idleTimeoutMs);
      throw error;
    } finally {
      cancelWatchdog();
      signal.removeEventListener('abort', forwardAbort);
      controller.abort();
    }
  };
}
