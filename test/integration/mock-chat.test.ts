/** The mock OpenAI chat completions endpoint, driven by the official `openai` v6 client against the real localhost server. */
import { afterEach, describe, expect, it } from 'vitest';
import OpenAI, { AuthenticationError, BadRequestError, NotFoundError } from 'openai';
import { speechDurationMs, synthesizeMulaw } from '../../harness/audio/index.ts';
import type { MockContext, MockServer } from '../../harness/mocks/context.ts';
import type { JournalEntry } from '../../harness/mocks/journal/entries.ts';
import { DEFAULT_REPLY } from '../../harness/mocks/openai/chat.ts';
import { startOpenAIMock } from '../../harness/mocks/openai/server.ts';
import { createTestContext, fixedProfile, TEST_API_KEY } from './helpers/mock-context.ts';
import { facts } from './helpers/journal.ts';
import { watchLoopStalls } from './helpers/loop-stalls.ts';
// Upper bounds on wall-clock latencies add the worst event-loop stall seen (helpers/loop-stalls.ts).
const stalls = watchLoopStalls();

/** Node timers may fire up to 1 ms early against performance.now (libuv's cached loop time is whole ms). */
const TIMER_SLACK_MS = 1;
/** Generous allowance for scheduling and loopback delivery on a loaded CI machine. */
const LATENCY_SLACK_MS = 400;

const USER_TEXT = 'What time do you open tomorrow?';
const REPLY = "We open at 9 a.m. tomorrow, and we're here until 5. Anything else?";

const servers: MockServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function start(ctx: MockContext = createTestContext()): Promise<{ ctx: MockContext; server: MockServer; client: OpenAI }> {
  const server = await startOpenAIMock(ctx);
  servers.push(server);
  ctx.script.register({ id: 'hours', transcript: USER_TEXT, audio: synthesizeMulaw(USER_TEXT), reply: REPLY });
  return { ctx, server, client: new OpenAI({ apiKey: TEST_API_KEY, baseURL: server.url }) };
}

const messages = [
  { role: 'system' as const, content: 'You are a helpful phone agent.' },
  { role: 'user' as const, content: USER_TEXT },
];

function chatEntries(ctx: MockContext, direction?: JournalEntry['direction']): JournalEntry[] {
  return ctx.journal.entries().filter((e) => e.service === 'openai.chat' && (direction === undefined || e.direction === direction));
}

function untilJournal(ctx: MockContext, match: (entry: JournalEntry) => boolean): Promise<JournalEntry> {
  const found = ctx.journal.entries().find(match);
  if (found !== undefined) return Promise.resolve(found);
  return new Promise((resolve) => {
    const stop = ctx.journal.subscribe((entry) => {
      if (!match(entry)) return;
      stop();
      resolve(entry);
    });
  });
}

describe('mock OpenAI chat completions through openai v6', () => {
  it('streams the scripted reply token by token, with the headers and chunk shape of the API', async () => {
    const { ctx, client } = await start();
    const { data: stream, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }).withResponse();
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get('openai-version')).toBe('2020-10-01');
    expect(Number(response.headers.get('openai-processing-ms'))).toBeGreaterThanOrEqual(0);
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(REPLY);
    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: 'assistant', content: '' });
    expect(chunks.at(-1)?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    const contentChunks = chunks.filter((c) => (c.choices[0]?.delta.content ?? '') !== '');
    expect(contentChunks.length).toBeGreaterThan(REPLY.split(' ').length); // punctuation is split off words
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ id: chunks[0]?.id, created: chunks[0]?.created, model: 'gpt-4o-mini-2024-07-18', object: 'chat.completion.chunk' });
      expect(chunk).not.toHaveProperty('usage');
    }
    expect(chunks[0]?.id).toMatch(/^chatcmpl-/);
    const journal = chatEntries(ctx).map((e) => `${e.direction}:${e.kind}`);
    expect(journal).toEqual(['received:request', 'event:reply', 'sent:first_token', 'sent:done']);
    expect(chatEntries(ctx, 'received')[0]?.data).toMatchObject({ model: 'gpt-4o-mini', stream: true, messages: 2, lastUserText: USER_TEXT });
    expect(chatEntries(ctx, 'sent')[1]?.data).toMatchObject({ tokens: contentChunks.length, finishReason: 'stop' });
  });

  it('adds the usage chunk (choices: []) and usage: null elsewhere when include_usage is set', async () => {
    const { client } = await start();
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    const contentChunks = chunks.filter((c) => (c.choices[0]?.delta.content ?? '') !== '');
    expect(last?.usage).toMatchObject({ completion_tokens: contentChunks.length });
    expect(last?.usage?.total_tokens).toBe((last?.usage?.prompt_tokens ?? 0) + contentChunks.length);
    expect(last?.usage?.prompt_tokens).toBeGreaterThan(0);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
  });

  it('returns one chat.completion when not streaming (the default reply when nothing is scripted)', async () => {
    const { ctx, client } = await start();
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Something unscripted' }] });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-4o-2024-08-06');
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: DEFAULT_REPLY });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(chatEntries(ctx).map((e) => e.kind)).toEqual(['request', 'reply', 'done']);
    // The reply as the caller would hear it spoken whole (turn.complete compares with it).
    expect(facts(chatEntries(ctx).find((e) => e.kind === 'reply'))).toEqual({ chars: DEFAULT_REPLY.length, speechMs: speechDurationMs(DEFAULT_REPLY), scripted: false });
  });

  it('refuses a bad key with 401 AuthenticationError after exactly one request', async () => {
    const { ctx, server } = await start();
    const client = new OpenAI({ apiKey: 'sk-wrong-key-123456', baseURL: server.url });
    const error = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
    expect((error as AuthenticationError).requestID).toMatch(/^req_/);
    expect(chatEntries(ctx, 'received')).toHaveLength(1);
    expect(chatEntries(ctx, 'event')[0]).toMatchObject({ kind: 'refused', data: { what: 'http', status: 401, code: 'invalid_api_key' } });
  });

  it('answers an invalid body with 400 invalid_request_error naming the param', async () => {
    const { client } = await start();
    const error = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'messages', code: 'empty_array' });
  });

  it('refuses what the API refuses: a message with no content, n out of range, a negative token budget', async () => {
    const { ctx, client } = await start();
    const refused = async (body: Record<string, unknown>): Promise<unknown> =>
      client.chat.completions.create({ model: 'gpt-4o-mini', messages, ...body } as never).catch((e: unknown) => e);
    expect(await refused({ messages: [{ role: 'user' }] })).toMatchObject({ status: 400, param: 'messages[0].content', code: 'missing_required_parameter' });
    expect(await refused({ n: 1_000_000 })).toMatchObject({ status: 400, param: 'n', code: 'integer_above_max_value', message: expect.stringContaining('Expected a value <= 128, but got 1000000') });
    expect(await refused({ max_tokens: -1 })).toMatchObject({ status: 400, param: 'max_tokens', code: 'integer_below_min_value' });
    expect(await refused({ max_completion_tokens: 0 })).toMatchObject({ status: 400, param: 'max_completion_tokens', code: 'integer_below_min_value' });
    // A valid n the mock cannot serve is refused in its own words, never silently answered with one choice.
    expect(await refused({ n: 2 })).toMatchObject({ status: 400, param: 'n', message: expect.stringContaining('callbench mock') });
    // An assistant message may carry no content (tool calls instead); that is still a valid request.
    const ok = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [...messages, { role: 'assistant', content: null }, { role: 'user', content: USER_TEXT }] });
    expect(ok.choices[0]?.message.content).toBe(REPLY);
    expect(chatEntries(ctx, 'event').filter((e) => e.kind === 'refused')).toHaveLength(5);
  });

  it('answers unknown routes with 404 and the error body', async () => {
    const { client } = await start();
    const error = await client.models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).message).toMatch(/Invalid URL \(GET \/v1\/models\)/);
  });

  it('serves /chat/completions for a base URL without /v1', async () => {
    const { server } = await start();
    const client = new OpenAI({ apiKey: TEST_API_KEY, baseURL: server.url.replace(/\/v1$/, '') });
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(completion.choices[0]?.message.content).toBe(REPLY);
  });

  it('stops generating when the client breaks out of the stream, and journals the abort', async () => {
    const { ctx, client } = await start(createTestContext(fixedProfile({ 'llm.token_gap_ms': 20 })));
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    let content = 0;
    for await (const chunk of stream) {
      if ((chunk.choices[0]?.delta.content ?? '') !== '') content++;
      if (content === 3) break;
    }
    const abort = await untilJournal(ctx, (e) => e.kind === 'abort');
    expect(abort.direction).toBe('event');
    expect(facts(abort)['tokensSent']).toBeLessThan(6);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(chatEntries(ctx).some((e) => e.kind === 'done')).toBe(false);
  });

  it('delays the first content token by llm.first_token_ms (fixed 150 ms)', async () => {
    const firstTokenMs = 150;
    const { client } = await start(createTestContext(fixedProfile({ 'llm.first_token_ms': firstTokenMs })));
    const started = performance.now();
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    let ttft: number | undefined;
    for await (const chunk of stream) {
      if (ttft === undefined && (chunk.choices[0]?.delta.content ?? '') !== '') ttft = performance.now() - started;
    }
    expect(ttft).toBeGreaterThanOrEqual(firstTokenMs - TIMER_SLACK_MS);
    expect(ttft).toBeLessThan(firstTokenMs + LATENCY_SLACK_MS + stalls.maxMs());
  });
});
