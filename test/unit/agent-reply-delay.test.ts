/**
 * The reference agent's planted reply delay (tuning.replyDelayMs, `run --reply-delay-ms`): the
 * LLM is asked only once the delay has passed on the agent's clock, and a barge-in during the
 * delay cancels the reply before anything is asked.
 */
import { describe, expect, it } from 'vitest';
import type { AgentLogEvent } from '../../agent/log-events.ts';
import { createAgentLogger, createCallLogger } from '../../agent/logger.ts';
import { AGENT_DEFAULTS } from '../../agent/options.ts';
import { startReplyRun } from '../../agent/reply/reply-run.ts';
import { createTextSegmenter } from '../../agent/reply/text-segmenter.ts';
import type { ChatStreamer } from '../../agent/upstream/chat-stream.ts';
import { createManualClock } from '../../harness/clock.ts';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function start(delayMs: number) {
  const clock = createManualClock();
  const asked: number[] = [];
  const events: AgentLogEvent[] = [];
  const chat: ChatStreamer = async function* () {
    asked.push(clock.now());
    yield { kind: 'token', text: 'Sure.' };
  };
  const log = createCallLogger(createAgentLogger((event) => events.push(event), clock));
  log.setCallSid('CA1');
  const run = startReplyRun({
    turn: 1,
    messages: [{ role: 'user', content: 'hi' }],
    model: 'gpt-4o-mini',
    chat,
    segmenter: createTextSegmenter('sentence'),
    say: () => {},
    log,
    fallbackReply: '',
    onSettled: () => {},
    delay: { ms: delayMs, sleep: (ms, signal) => clock.sleep(ms, signal) },
  });
  return { clock, asked, events, run };
}

describe('planted reply delay', () => {
  it('is off by default', () => {
    expect(AGENT_DEFAULTS.tuning.replyDelayMs).toBe(0);
  });

  it('asks the LLM only once the delay has passed', async () => {
    const { clock, asked, run } = start(150);
    await tick();
    expect(asked).toEqual([]);
    clock.advance(149);
    await tick();
    expect(asked).toEqual([]);
    clock.advance(1);
    await run.finished;
    expect(asked).toEqual([150]);
  });

  it('asks nothing when the reply is cancelled during the delay', async () => {
    const { clock, asked, events, run } = start(150);
    await tick();
    run.cancel();
    clock.advance(200);
    await run.finished;
    expect(asked).toEqual([]);
    expect(events.filter((e) => e.type === 'llm.request')).toEqual([]);
    expect(events.find((e) => e.type === 'llm.done')).toMatchObject({ outcome: 'cancelled' });
  });
});
