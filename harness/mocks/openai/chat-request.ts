/** Validation of a chat completions request body, with the API's own error wording and `param` paths. */
import type { z } from 'zod';
import { ChatCompletionRequest, messageText } from '../../protocol/openai.ts';
import { openAIErrors, type OpenAIError } from './errors.ts';

export interface ChatRequest {
  body: ChatCompletionRequest;
  stream: boolean;
  includeUsage: boolean;
  /** Whether stream chunks carry the `obfuscation` padding field (on unless stream_options.include_obfuscation is false). */
  includeObfuscation: boolean;
  /** The text of the last user message ('' when there is none). */
  lastUserText: string;
  /** Token budget from max_completion_tokens or max_tokens, if any. */
  maxTokens: number | undefined;
}

/** `messages[0].role` from ['messages', 0, 'role']. */
function paramOf(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out === '' ? String(part) : `${out}.${String(part)}`), '');
}

function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = raw;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

function describeIssue(raw: unknown, issue: z.core.$ZodIssue): OpenAIError {
  const param = paramOf(issue.path);
  const value = valueAt(raw, issue.path);
  if (param === 'model' && (value === undefined || value === '')) {
    return openAIErrors.invalidParam(null, 'you must provide a model parameter', null);
  }
  if (value === undefined) {
    return openAIErrors.invalidParam(param, `Missing required parameter: '${param}'.`, 'missing_required_parameter');
  }
  switch (issue.code) {
    case 'invalid_type':
      return openAIErrors.invalidParam(param, `Invalid type for '${param}': expected ${issue.expected === 'array' ? 'an array' : `a ${issue.expected}`}, but got ${jsonType(value)} instead.`, 'invalid_type');
    case 'too_small':
      if (Array.isArray(value) && value.length === 0) {
        return openAIErrors.invalidParam(param, `Invalid '${param}': empty array. Expected an array with minimum length ${String(issue.minimum)}, but got an empty array instead.`, 'empty_array');
      }
      if (typeof value === 'number') {
        return openAIErrors.invalidParam(param, `Invalid '${param}': integer below minimum value. Expected a value >= ${String(issue.minimum)}, but got ${value} instead.`, 'integer_below_min_value');
      }
      return openAIErrors.invalidParam(param, `Invalid '${param}': ${issue.message}.`, 'invalid_value');
    case 'too_big':
      if (typeof value === 'number') {
        return openAIErrors.invalidParam(param, `Invalid '${param}': integer above maximum value. Expected a value <= ${String(issue.maximum)}, but got ${value} instead.`, 'integer_above_max_value');
      }
      return openAIErrors.invalidParam(param, `Invalid '${param}': ${issue.message}.`, 'invalid_value');
    case 'invalid_union':
      // A message whose role needs content and has none reads, in the API's words, as the content missing.
      return openAIErrors.invalidParam(param, `Invalid value for '${param}'.`, 'invalid_value');
    case 'invalid_value':
      return openAIErrors.invalidParam(param, `Invalid value: '${String(value)}'. Supported values are: ${issue.values.map((v) => `'${String(v)}'`).join(', ')}.`, 'invalid_value');
    default:
      return openAIErrors.invalidParam(param, `Invalid '${param}': ${issue.message}.`, 'invalid_value');
  }
}

/** Validates a parsed JSON body; returns the request's facts or the error the API would answer with. */
export function parseChatRequest(raw: unknown): { ok: true; value: ChatRequest } | { ok: false; error: OpenAIError } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, error: openAIErrors.invalidParam(null, `Invalid type for request body: expected an object, but got ${jsonType(raw)} instead.`, 'invalid_type') };
  }
  const result = ChatCompletionRequest.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { ok: false, error: issue === undefined ? openAIErrors.invalidJson() : describeIssue(raw, issue) };
  }
  const body = result.data;
  if (body.n != null && body.n > 1) {
    return { ok: false, error: openAIErrors.invalidParam('n', `callbench mock: n = ${body.n} asks for ${body.n} choices; the mock generates one (n = 1), as a voice agent uses.`, 'unsupported_value') };
  }
  const stream = body.stream === true;
  if (!stream && body.stream_options != null) {
    return { ok: false, error: openAIErrors.invalidParam('stream_options', "The 'stream_options' parameter is only allowed when 'stream' is enabled.", null) };
  }
  const rawOptions = (raw as { stream_options?: { include_obfuscation?: unknown } | null }).stream_options;
  const lastUser = [...body.messages].reverse().find((message) => message.role === 'user');
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  return {
    ok: true,
    value: {
      body,
      stream,
      includeUsage: body.stream_options?.include_usage === true,
      includeObfuscation: rawOptions?.include_obfuscation !== false,
      lastUserText: lastUser === undefined ? '' : messageText(lastUser.content),
      maxTokens: maxTokens === null ? undefined : maxTokens,
    },
  };
}
