/**
 * OpenAI chat completions wire shapes that a server sends (the agent reads them through the
 * official `openai` SDK). Shapes follow ../shared/specs/openai-openapi.yaml.
 */
import { z } from 'zod';

const MessageContent = z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() }))]);

/** A message: `content` is required, except on an assistant message (which may carry tool calls instead). */
export const ChatMessage = z.discriminatedUnion('role', [
  z.object({ role: z.enum(['system', 'developer', 'user', 'tool']), content: MessageContent }),
  z.object({ role: z.literal('assistant'), content: z.union([MessageContent, z.null()]).optional() }),
]);

/** The subset of CreateChatCompletionRequest a voice agent sends. Unknown fields are kept. */
export const ChatCompletionRequest = z
  .object({
    model: z.string().min(1),
    messages: z.array(ChatMessage).min(1),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
    max_tokens: z.number().int().min(1).nullish(),
    max_completion_tokens: z.number().int().min(1).nullish(),
    /** The API takes 1–128; the mock streams one choice, so it takes 1 only and says so. */
    n: z.number().int().min(1).max(128).nullish(),
    temperature: z.number().nullish(),
  })
  .passthrough();
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  system_fingerprint: string;
  choices: Array<{
    index: number;
    delta: { role?: 'assistant'; content?: string; refusal?: null };
    logprobs: null;
    finish_reason: 'stop' | 'length' | null;
  }>;
  usage?: ChatUsage | null;
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** The error body every OpenAI endpoint returns. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Text of a chat message's content, whichever form it took. */
export function messageText(content: z.infer<typeof ChatMessage>['content']): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => part.text ?? '').join('');
  return '';
}
