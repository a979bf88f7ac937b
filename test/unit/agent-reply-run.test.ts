/**
 * The reference agent's reply run with a scripted LLM stream: sentences go to speech as they
 * complete, nothing read after a cancel reaches speech, and a failed LLM is covered by the fallback.
 */
import { describe, expect, it } from 'vitest';
import type { AgentLogEvent, ReplyOutcome } from '../../agent/log-events.ts';
import { createAgentLogger, createCallLogger } from '../../agent/logger.ts';
import { startReplyRun, type ReplyRun } from '../../agent/reply/reply-run.ts';
import type { TextSegment } from '../../agent/reply/text-segmenter.ts';
import { createTextSegmenter, effectiveTextMode } from '../../agent/reply/text-segmenter.ts';
import type { TextMode } from '../../agent/reply/reply-options.ts';
import type { ChatStreamEvent, ChatStreamer } from '../../agent/upstream/chat-stream.ts';
import { createManualClock } from '../../harness/clock.ts';

/** A controllable LLM: the test pushes tokens, ends or fails the stream; aborts end it like the SDK does. */
function scriptedChat() {
  const queue: Array<ChatStreamEvent | { kind: 'end' } | { kind: 'fail'; error: Error }> = [];
  let wake: (() => void) | undefined;
  let abortSeen = false;
  const push = (item: (typeof queue)[number]): void => {
    queue.push(item);
    wake?.();
  };
  const chat: ChatStreamer = async function* (_messages, signal) {
    for (;;) {
      const item = queue.shift();
      if (item === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
        if (signal.aborted) {
          abortSeen = true;
          // A chunk the SDK had already parsed may still come out before the abort error.
          yield { kind: 'token', text: ' LATE. And more ' };
          throw new Error('Request was aborted.');
        }
        continue;
      }
      if (item.kind === 'end') return;
      if (item.kind === 'fail') throw item.error;
      yield item;
    }
  };
  return {
    chat,
    token: (text: string) => push({ kind: 'token', text }),
    end: () => push({ kind: 'end' }),
    fail: (error: Error) => push({ kind: 'fail', error }),
    get abortSeen() {
      return abortSeen;
    },
  };
}

function start(chat: ChatStreamer, fallbackReply = 'Sorry, say again?', mode: TextMode = 'sentence') {
  const said: Array<{ turn: number; segment: TextSegment }> = [];
  const settled: Array<{ text: string; outcome: ReplyOutcome }> = [];
  const events: AgentLogEvent[] = [];
  const log = createCallLogger(createAgentLogger((event) => events.push(event), createManualClock()));
  log.setCallSid('CA1');
  const run: ReplyRun = startReplyRun({
    turn: 4,
    messages: [{ role: 'user', content: 'hi' }],
    model: 'gpt-4o-mini',
    chat,
    segmenter: createTextSegmenter(mode),
    say: (turn, segment) => said.push({ turn, segment }),
    log,
    fallbackReply,
    onSettled: (text, outcome) => settled.push({ text, outcome }),
  });
  return { run, said, settled, events };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('reply run', () => {
  it('speaks each sentence as soon as it is complete and settles once', async () => {
    const llm = scriptedChat();
    const { run, said, settled, events } = start(llm.chat);
    llm.token('Sure');
    llm.token('.');
    await tick();
    expect(said).toEqual([]);
    llm.token(' We open at nine');
    await tick();
    expect(said).toEqual([{ turn: 4, segment: { text: 'Sure.', flush: true } }]);
    llm.token('.');
    llm.end();
    await run.finished;
    expect(said.map((entry) => entry.segment.text)).toEqual(['Sure.', 'We open at nine.']);
    expect(settled).toEqual([{ text: 'Sure. We open at nine.', outcome: 'completed' }]);
    expect(run.active).toBe(false);
    expect(events.map((event) => event.type)).toEqual(['llm.request', 'llm.first_token', 'llm.done']);
  });

  it('lets nothing read after cancel reach speech, and records only what was said', async () => {
    const llm = scriptedChat();
    const { run, said, settled } = start(llm.chat);
    llm.token('First part. Second');
    await tick();
    run.cancel();
    await run.finished;
    expect(llm.abortSeen).toBe(true);
    expect(said.map((entry) => entry.segment.text)).toEqual(['First part.']);
    expect(settled).toEqual([{ text: 'First part.', outcome: 'cancelled' }]);
  });

  it('speaks the fallback line when the LLM fails before saying anything', async () => {
    const llm = scriptedChat();
    const { run, said, settled, events } = start(llm.chat, 'Sorry, say again?');
    llm.fail(new Error('429 Rate limit reached'));
    await run.finished;
    expect(said).toEqual([{ turn: 4, segment: { text: 'Sorry, say again?', flush: true } }]);
    expect(settled).toEqual([{ text: 'Sorry, say again?', outcome: 'failed' }]);
    expect(events.some((event) => event.type === 'error' && event.code === 'llm.failed')).toBe(true);
  });

  it('drops a half sentence when the LLM fails midway', async () => {
    const llm = scriptedChat();
    const { run, said, settled } = start(llm.chat);
    llm.token('Done here. And then the');
    await tick();
    llm.fail(new Error('connection reset'));
    await run.finished;
    expect(said.map((entry) => entry.segment.text)).toEqual(['Done here.']);
    expect(settled).toEqual([{ text: 'Done here.', outcome: 'failed' }]);
  });

  it('text=token: each token goes out verbatim as it arrives, then one bare flush ends the reply', async () => {
    const llm = scriptedChat();
    const { run, said, settled } = start(llm.chat, 'Sorry, say again?', 'token');
    llm.token('Sure');
    await tick();
    expect(said).toEqual([{ turn: 4, segment: { text: 'Sure', flush: false } }]);
    llm.token('.');
    llm.token(' We');
    llm.token(' open');
    llm.end();
    await run.finished;
    expect(said.map((entry) => entry.segment)).toEqual([
      { text: 'Sure', flush: false },
      { text: '.', flush: false },
      { text: ' We', flush: false },
      { text: ' open', flush: false },
      { text: '', flush: true },
    ]);
    expect(settled).toEqual([{ text: 'Sure. We open', outcome: 'completed' }]);
  });

  it('text=token: an LLM failure midway flushes the tokens already sent and speaks no fallback', async () => {
    const llm = scriptedChat();
    const { run, said, settled } = start(llm.chat, 'Sorry, say again?', 'token');
    llm.token('Well');
    await tick();
    llm.fail(new Error('connection reset'));
    await run.finished;
    expect(said.map((entry) => entry.segment)).toEqual([
      { text: 'Well', flush: false },
      { text: '', flush: true },
    ]);
    expect(settled).toEqual([{ text: 'Well', outcome: 'failed' }]);
  });

  it('text=full: nothing until the reply ends, then the whole reply as one unit', async () => {
    const llm = scriptedChat();
    const { run, said, settled } = start(llm.chat, 'Sorry, say again?', 'full');
    llm.token('Sure. We open');
    await tick();
    llm.token(' at nine. ');
    await tick();
    expect(said).toEqual([]);
    llm.end();
    await run.finished;
    expect(said).toEqual([{ turn: 4, segment: { text: 'Sure. We open at nine.', flush: true } }]);
    expect(settled).toEqual([{ text: 'Sure. We open at nine.', outcome: 'completed' }]);
  });

  it('text=full: a failure midway says the fallback, not half a reply', async () => {
    const llm = scriptedChat();
    const { run, said } = start(llm.chat, 'Sorry, say again?', 'full');
    llm.token('Sure. We open');
    await tick();
    llm.fail(new Error('connection reset'));
    await run.finished;
    expect(said.map((entry) => entry.segment.text)).toEqual(['Sorry, say again?']);
  });

  it('REST TTS cuts token mode per sentence', () => {
    expect(effectiveTextMode({ text: 'token', tts: 'rest' })).toBe('sentence');
    expect(effectiveTextMode({ text: 'token', tts: 'ws' })).toBe('token');
    expect(effectiveTextMode({ text: 'full', tts: 'rest' })).toBe('full');
  });
});
