/**
 * POST /v1/chat/completions: the scripted reply for the last user message, generated token by
 * token on the profile's delays and streamed as SSE chunks (or returned whole), as the API does.
 */
import { randomBytes } from 'node:crypto';
import { tieByHeader, type MockContext } from '../context.ts';
import type { MockRequest, MockResponse } from '../transport/http.ts';
import { connectionJournal, type ConnectionJournal } from '../journal/journal.ts';
import { stripTextMarks } from '../attribution/text-mark.ts';
import { speechDurationMs } from '../../audio/index.ts';
import { messageText, type ChatCompletionChunk, type ChatUsage } from '../../protocol/openai.ts';
import { parseChatRequest, type ChatRequest } from './chat-request.ts';
import { openAIErrors, sendError, type OpenAIError } from './errors.ts';
import { countPromptTokens, snapshotOf, tokenize } from './tokens.ts';
import { replayChat } from '../replay/chat.ts';
import { replayCallOf } from '../replay/source.ts';

/** What the mock LLM says when the script has no reply for the user's text. */
export const DEFAULT_REPLY =
  'Sure, I can help you with that. Let me pull up the details for you now. Is there anything else you would like me to check while I do?';
/** Largest request body accepted. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Rate-limit headers the API sends on every response (constant: the mock does not rate-limit). */
const RATE_LIMIT_HEADERS = {
  'x-ratelimit-limit-requests': '10000',
  'x-ratelimit-remaining-requests': '9999',
  'x-ratelimit-reset-requests': '6ms',
  'x-ratelimit-limit-tokens': '10000000',
  'x-ratelimit-remaining-tokens': '9999000',
  'x-ratelimit-reset-tokens': '0s',
};

type FullUsage = ChatUsage & {
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: { reasoning_tokens: number; audio_tokens: number; accepted_prediction_tokens: number; rejected_prediction_tokens: number };
};
type Chunk = Omit<ChatCompletionChunk, 'usage'> & { service_tier: string; usage?: FullUsage | null; obfuscation?: string };

/** The body, or undefined when it is too large or the client went away before its end. */
async function readBody(req: MockRequest): Promise<Buffer | undefined> {
  const body = await req.readBody(MAX_BODY_BYTES).catch(() => undefined);
  return body?.ok === true ? body.bytes : undefined;
}

function usageOf(promptTokens: number, completionTokens: number): FullUsage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomAlphanumeric(length: number): string {
  return Array.from(randomBytes(length), (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
}

/** A completion id as the API makes them: `chatcmpl-` and 29 letters and digits. */
function completionId(): string {
  return `chatcmpl-${randomAlphanumeric(29)}`;
}

/** Random padding as the API adds to stream deltas (stream_options.include_obfuscation). */
function obfuscation(): string {
  return randomAlphanumeric(1 + ((randomBytes(1)[0] ?? 0) % 16));
}

/** Stable per-model fingerprint, `fp_` and 10 hex digits. */
function fingerprint(model: string): string {
  let h = 2166136261;
  for (let i = 0; i < model.length; i++) h = Math.imul(h ^ model.charCodeAt(i), 16777619);
  return `fp_${(h >>> 0).toString(16).padStart(8, '0')}${(model.length % 256).toString(16).padStart(2, '0')}`;
}

/**
 * One chat completions request on any transport (the localhost server's, msw's); a bug in the mock,
 * not a modeled failure, is answered 500 if nothing was sent yet.
 */
export function serveChatCompletion(ctx: MockContext, req: MockRequest, res: MockResponse): void {
  handleChatCompletion(req, res, ctx).catch((error: unknown) => {
    if (!res.headersSent) {
      sendError(res, { status: 500, body: { error: { message: String(error), type: 'server_error', param: null, code: null } } }, `req_${randomBytes(16).toString('hex')}`);
    } else {
      res.destroy();
    }
  });
}

/** Serves one chat completions request from its arrival to its last byte (or the client's abort). */
export async function handleChatCompletion(req: MockRequest, res: MockResponse, ctx: MockContext): Promise<void> {
  const arrivedAt = ctx.clock.now();
  const connection = ctx.nextId('chat');
  tieByHeader(ctx, 'openai.chat', connection, req.headers);
  const requestId = `req_${randomBytes(16).toString('hex')}`;
  const journal = connectionJournal(ctx.journal, 'openai.chat', connection);
  /** Answers with an error; one the scenario injected is a fault, any other a refusal the run reports. */
  const fail = (err: OpenAIError, retryable = false, injected = false): void => {
    if (!injected) journal({ direction: 'event', kind: 'refused', data: { what: 'http', status: err.status, code: err.body.error.code, message: err.body.error.message } });
    sendError(res, err, requestId, retryable);
  };

  const abort = new AbortController();
  res.onAbort(() => abort.abort(new Error('client closed the connection')));

  const raw = await readBody(req);
  if (abort.signal.aborted) {
    journal({ direction: 'event', kind: 'abort', data: { phase: 'request' } });
    return;
  }
  const header = req.headers.authorization;
  const key = typeof header === 'string' && /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, '').trim() : undefined;
  if (key !== ctx.apiKey) {
    journal({ direction: 'received', kind: 'request', data: { valid: false } });
    fail(key === undefined || key === '' ? openAIErrors.missingKey() : openAIErrors.invalidKey(key));
    return;
  }
  if (raw === undefined) {
    journal({ direction: 'received', kind: 'request', data: { valid: false } });
    fail(openAIErrors.tooLarge());
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    journal({ direction: 'received', kind: 'request', data: { valid: false } });
    fail(openAIErrors.invalidJson());
    return;
  }
  const parsed = parseChatRequest(json);
  if (!parsed.ok) {
    journal({ direction: 'received', kind: 'request', data: { valid: false } });
    fail(parsed.error);
    return;
  }
  const request = parsed.value;
  // The caller's words tie the request to the call whose listen connection produced them: decided
  // now, before any fault or scripted reply is chosen for it.
  if (ctx.journal.callOf(connection) === undefined) {
    const tie = ctx.texts.tieUserText(request.lastUserText);
    if (tie.ok) ctx.journal.tie('openai.chat', connection, { call: tie.call, how: 'text', detail: tie.detail });
  }
  const call = ctx.journal.callOf(connection);
  const userText = stripTextMarks(request.lastUserText);
  journal({
    direction: 'received',
    kind: 'request',
    data: { valid: true, model: request.body.model, stream: request.stream, includeUsage: request.includeUsage, messages: request.body.messages.length, lastUserText: userText },
  });

  // Under `callbench replay`, the recorded answer to this request (../replay/chat.ts), in place of the script and the profile.
  const replayCall = ctx.replay === undefined ? undefined : (call ?? replayCallOf(ctx.journal, ctx.calls, connection));
  const recorded = ctx.replay?.chat(replayCall, userText);
  if (recorded !== undefined) {
    await replayChat({ ctx, res, journal, call: replayCall, arrivedAt, signal: abort.signal, recorded });
    return;
  }

  const nth = ctx.faults.count(call, 'openai.chat');
  const injected = ctx.faults.of(call, 'http_error').find((fault) => fault.requests.includes(nth));
  if (injected !== undefined) {
    journal({ direction: 'event', kind: 'fault', data: { type: 'http_error', status: injected.status, request: nth } });
    const err = injected.status === 429 ? openAIErrors.rateLimited(request.body.model) : injected.status === 500 ? openAIErrors.serverError() : openAIErrors.overloaded();
    fail(err, true, true);
    return;
  }
  const stall = ctx.faults.of(call, 'stall').find((fault) => fault.request === nth);

  const scripted = ctx.script.replyFor(userText, call);
  const replyText = scripted ?? DEFAULT_REPLY;
  // A reply another live call may also be given carries this call's mark, so the speech requests
  // made of it can still be tied (attribution/text-mark.ts).
  const shared = call !== undefined && (scripted === undefined ? ctx.calls.live().some((c) => c !== call) : ctx.script.replySharedWith(replyText, call, ctx.calls.isLive));
  const sent = call === undefined ? { text: replyText } : ctx.texts.reply(call, replyText, shared);
  let tokens = tokenize(sent.text);
  let finishReason: 'stop' | 'length' = 'stop';
  if (request.maxTokens !== undefined && tokens.length > request.maxTokens) {
    tokens = tokens.slice(0, Math.max(0, request.maxTokens));
    finishReason = 'length';
  }
  // What the caller should hear if the agent speaks the whole reply it was sent.
  const spoken = stripTextMarks(tokens.join(''));
  journal({ direction: 'event', kind: 'reply', data: { chars: spoken.length, speechMs: speechDurationMs(spoken), scripted: scripted !== undefined } });
  const promptTokens = countPromptTokens(request.body.messages.map((m) => ({ role: m.role, text: messageText(m.content) })));
  const generation: Generation = {
    ctx,
    request,
    res,
    signal: abort.signal,
    journal,
    arrivedAt,
    call,
    requestId,
    tokens,
    finishReason,
    usage: usageOf(promptTokens, tokens.length),
    scripted: scripted !== undefined,
    stall: stall === undefined ? undefined : { afterTokens: stall.afterTokens, ms: stall.ms, request: nth },
  };
  try {
    if (request.stream) await streamReply(generation);
    else await wholeReply(generation);
  } catch (error) {
    if (!abort.signal.aborted) throw error;
    journal({ direction: 'event', kind: 'abort', data: { phase: 'stream', tokensSent: generation.sent ?? 0 } });
  }
}

interface Generation {
  ctx: MockContext;
  request: ChatRequest;
  res: MockResponse;
  signal: AbortSignal;
  journal: ConnectionJournal<'openai.chat'>;
  arrivedAt: number;
  /** The call the request was tied to, if any: its delays come from the call's own streams (profiles.ts keyCall). */
  call: string | undefined;
  requestId: string;
  tokens: string[];
  finishReason: 'stop' | 'length';
  usage: FullUsage;
  scripted: boolean;
  /** An injected stall: the stream pauses after this many tokens (of the call's `request`-th request). */
  stall: { afterTokens: number; ms: number; request: number } | undefined;
  /** Content tokens written so far (streaming). */
  sent?: number;
}

function responseHeaders(g: Generation, contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'x-request-id': g.requestId,
    'openai-processing-ms': String(Math.round(g.ctx.clock.now() - g.arrivedAt)),
    'openai-version': '2020-10-01',
    'openai-model': snapshotOf(g.request.body.model),
    ...RATE_LIMIT_HEADERS,
  };
}

/**
 * Waits for `at` on the mock's clock. A time already reached goes out at once (as replay/chat.ts
 * does): a timer armed for it would still wait out setTimeout's 1 ms floor, which under `instant`
 * paced a reply at about 1.3 ms a token, a delay of the mock's own that read as the agent's
 * (agent.llm_to_tts_ms, turn.after_final_ms).
 */
async function until(g: Generation, at: number): Promise<void> {
  if (at > g.ctx.clock.now()) await g.ctx.clock.sleepUntil(at, g.signal);
  else if (g.signal.aborted) throw g.signal.reason;
}

async function streamReply(g: Generation): Promise<void> {
  const { ctx, request, res } = g;
  const id = completionId();
  const created = Math.floor(Date.now() / 1000);
  const model = snapshotOf(request.body.model);
  const base = { id, object: 'chat.completion.chunk' as const, created, model, service_tier: 'default', system_fingerprint: fingerprint(model) };
  const withUsage = (chunk: Chunk): Chunk => (request.includeUsage ? { ...chunk, usage: chunk.usage ?? null } : chunk);
  const withPadding = (chunk: Chunk): Chunk => (request.includeObfuscation ? { ...chunk, obfuscation: obfuscation() } : chunk);
  const write = (chunk: Chunk): void => {
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  };
  const delta = (d: Chunk['choices'][number]['delta'], finish: 'stop' | 'length' | null = null): Chunk => ({
    ...base,
    choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finish }],
  });

  res.writeHead(200, { ...responseHeaders(g, 'text/event-stream; charset=utf-8'), 'cache-control': 'no-cache, must-revalidate' });
  res.flushHeaders();
  g.sent = 0;
  // The role chunk is produced with the first token: it arrives at the time to first token.
  let at = g.arrivedAt + ctx.delays.sample('llm.first_token_ms', g.call);
  await until(g, at);
  write(withPadding(withUsage(delta({ role: 'assistant', content: '', refusal: null }))));
  for (const [index, token] of g.tokens.entries()) {
    if (g.stall !== undefined && index === g.stall.afterTokens) {
      g.journal({ direction: 'event', kind: 'fault', data: { type: 'stall', afterTokens: index, ms: g.stall.ms, request: g.stall.request } });
      at += g.stall.ms;
    }
    if (index > 0 || g.stall?.afterTokens === 0) {
      at += index > 0 ? ctx.delays.sample('llm.token_gap_ms', g.call) : 0;
      await until(g, at);
    }
    write(withPadding(withUsage(delta({ content: token }))));
    g.sent++;
    if (index === 0) g.journal({ direction: 'sent', kind: 'first_token', data: { text: stripTextMarks(token), scripted: g.scripted } });
  }
  write(withUsage(delta({}, g.finishReason)));
  if (request.includeUsage) write({ ...base, choices: [], usage: g.usage });
  res.end('data: [DONE]\n\n');
  g.journal({ direction: 'sent', kind: 'done', data: { tokens: g.sent, finishReason: g.finishReason, stream: true } });
}

async function wholeReply(g: Generation): Promise<void> {
  const { ctx, request, res } = g;
  let at = g.arrivedAt + ctx.delays.sample('llm.first_token_ms', g.call);
  for (let i = 1; i < g.tokens.length; i++) at += ctx.delays.sample('llm.token_gap_ms', g.call);
  await until(g, at);
  const model = snapshotOf(request.body.model);
  const body = JSON.stringify({
    id: completionId(),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: g.tokens.join(''), refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: g.finishReason,
      },
    ],
    usage: g.usage,
    service_tier: 'default',
    system_fingerprint: fingerprint(model),
  });
  res.writeHead(200, { ...responseHeaders(g, 'application/json'), 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
  g.journal({ direction: 'sent', kind: 'done', data: { tokens: g.tokens.length, finishReason: g.finishReason, stream: false } });
}
