/**
 * OpenAI chat completions under replay: the recorded answer to the request this one stands for
 * (./source.ts), each SSE event at its recorded offset from the request's arrival, journalled as
 * the live mock journals a reply (request, reply, first_token, done or abort). The reply's text
 * enters the call's text ledger as the live mock's does, so the speech made of it is tied to the
 * call. A recorded error (a 429) is answered with its recorded status and body.
 *
 * A stream the agent aborted in the recording ends where it did: the replay then closes it as a
 * complete one (finish_reason and [DONE]), the service's words after that point being unknown.
 */
import type { MockResponse } from '../transport/http.ts';
import { speechDurationMs } from '../../audio/index.ts';
import type { MockContext } from '../context.ts';
import type { ConnectionJournal } from '../journal/journal.ts';
import { stripTextMarks } from '../attribution/text-mark.ts';
import type { RecordedChat } from './source.ts';

export interface ChatReplayArgs {
  ctx: MockContext;
  res: MockResponse;
  journal: ConnectionJournal<'openai.chat'>;
  call: string | undefined;
  arrivedAt: number;
  signal: AbortSignal;
  recorded: RecordedChat;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The content a recorded SSE `data:` payload adds, and its finish reason. */
function deltaOf(data: string): { content: string | undefined; finish: string | undefined } {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    return { content: undefined, finish: undefined };
  }
  const choice: unknown = isRecord(chunk) && Array.isArray(chunk['choices']) ? chunk['choices'][0] : undefined;
  if (!isRecord(choice)) return { content: undefined, finish: undefined };
  const delta = isRecord(choice['delta']) ? choice['delta'] : {};
  return {
    content: typeof delta['content'] === 'string' ? stripTextMarks(delta['content']) : undefined,
    finish: typeof choice['finish_reason'] === 'string' ? choice['finish_reason'] : undefined,
  };
}

export async function replayChat(args: ChatReplayArgs): Promise<void> {
  const { ctx, res, journal, recorded } = args;
  const deltas = recorded.events.map((e) => deltaOf(e.data));
  const text = deltas.map((d) => d.content ?? '').join('');
  if (args.call !== undefined && text !== '') ctx.texts.reply(args.call, text, false);
  const streamed = recorded.body === undefined;
  if (recorded.status !== 200 || !streamed) {
    const body = recorded.body ?? '';
    res.writeHead(recorded.status || 500, { 'content-type': recorded.contentType ?? 'application/json' });
    res.end(body);
    if (recorded.status >= 400) journal({ direction: 'event', kind: 'refused', data: { what: 'http', status: recorded.status, code: null, message: `recorded answer: ${body.slice(0, 200)}` } });
    else journal({ direction: 'sent', kind: 'done', data: { tokens: 0, finishReason: 'stop', stream: false } });
    return;
  }
  journal({ direction: 'event', kind: 'reply', data: { chars: text.length, speechMs: speechDurationMs(text), scripted: true } });
  res.writeHead(200, { 'content-type': recorded.contentType ?? 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, must-revalidate' });
  res.flushHeaders();
  let tokens = 0;
  let finishReason = 'stop';
  let ended = false;
  try {
    for (const [index, event] of recorded.events.entries()) {
      const due = args.arrivedAt + event.atMs;
      // Events already due go out at once: a timer per event would add its own delay to each.
      if (due > ctx.clock.now()) await ctx.clock.sleepUntil(due, args.signal);
      else if (args.signal.aborted) throw new Error('aborted');
      ctx.replay?.timed('openai.chat event', due, ctx.clock.now());
      res.write(`data: ${stripTextMarks(event.data)}\n\n`);
      if (event.data.trim() === '[DONE]') ended = true;
      const delta = deltas[index];
      if (delta?.finish !== undefined) finishReason = delta.finish;
      if (delta?.content !== undefined && delta.content !== '') {
        if (tokens === 0) journal({ direction: 'sent', kind: 'first_token', data: { text: delta.content, scripted: true } });
        tokens++;
      }
    }
  } catch (error) {
    if (!args.signal.aborted) throw error;
    journal({ direction: 'event', kind: 'abort', data: { phase: 'stream', tokensSent: tokens } });
    return;
  }
  // A stream the recording holds only up to the agent's abort is closed here as a complete one.
  res.end(ended ? undefined : 'data: [DONE]\n\n');
  journal({ direction: 'sent', kind: 'done', data: { tokens, finishReason, stream: true } });
}
