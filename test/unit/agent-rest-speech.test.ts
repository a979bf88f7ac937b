/**
 * REST TTS (`tts=rest`) with a fake Deepgram: one request per unit, one at a time and in order,
 * body streamed or buffered, a mark after each unit, and a barge-in that aborts the request in
 * flight, forgets the queued units and discards chunks read after it.
 */
import { describe, expect, it } from 'vitest';
import { createDirectOut } from '../../agent/call/audio-out.ts';
import { createPlaybackTracker } from '../../agent/call/playback-tracker.ts';
import { createPollPlayout } from '../../agent/call/poll-playout.ts';
import { createTwilioOut, type TwilioSocket } from '../../agent/call/twilio-out.ts';
import type { AgentLogEvent } from '../../agent/log-events.ts';
import { createAgentLogger, createCallLogger } from '../../agent/logger.ts';
import type { RestBodyMode } from '../../agent/reply/reply-options.ts';
import { createRestSpeech } from '../../agent/reply/rest-speech.ts';
import type { SpeakRequester } from '../../agent/upstream/speak-rest.ts';
import { createManualClock } from '../../harness/clock.ts';
import { parseAgentToTwilio } from '../../harness/protocol/index.ts';

/** One fake REST request: the test pushes body chunks and ends it; an abort ends it with an error. */
interface FakeRequest {
  text: string;
  signal: AbortSignal;
  respond(): void;
  chunk(bytes: number): void;
  end(): void;
  fail(error: Error): void;
}

function fakeDeepgram() {
  const requests: FakeRequest[] = [];
  const request: SpeakRequester = (text, signal) =>
    new Promise((resolveResponse, rejectResponse) => {
      const queue: Array<Uint8Array | 'end' | Error> = [];
      let wake: (() => void) | undefined;
      const push = (item: Uint8Array | 'end' | Error): void => {
        queue.push(item);
        wake?.();
      };
      signal.addEventListener('abort', () => {
        rejectResponse(new Error('aborted'));
        push(new Error('aborted'));
      });
      async function* body(): AsyncIterable<Uint8Array> {
        for (;;) {
          const item = queue.shift();
          if (item === undefined) {
            await new Promise<void>((resolve) => (wake = resolve));
            continue;
          }
          if (item === 'end') return;
          if (item instanceof Error) throw item;
          yield item;
        }
      }
      requests.push({
        text,
        signal,
        respond: () => resolveResponse(body()),
        chunk: (bytes) => push(new Uint8Array(bytes)),
        end: () => push('end'),
        fail: (error) => {
          rejectResponse(error);
          push(error);
        },
      });
    });
  return { request, requests };
}

const tick = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

function harness(body: RestBodyMode, playout: 'direct' | 'poll' = 'direct') {
  const clock = createManualClock(0);
  const sent: string[] = [];
  const socket: TwilioSocket = {
    send(text) {
      const parsed = parseAgentToTwilio(text);
      if (!parsed.ok) throw new Error(parsed.error);
      const message = parsed.value;
      sent.push(message.event === 'media' ? `media:${Buffer.from(message.media.payload, 'base64').length}` : message.event === 'mark' ? `mark:${message.mark.name}` : message.event);
    },
    close() {},
    isOpen: true,
  };
  const events: AgentLogEvent[] = [];
  const log = createCallLogger(createAgentLogger((event) => events.push(event), clock));
  log.setCallSid('CA1');
  const direct = createDirectOut({ twilio: createTwilioOut(socket, 'MZ1'), playback: createPlaybackTracker(), log });
  const out = playout === 'poll' ? createPollPlayout({ clock, out: direct }) : direct;
  const dg = fakeDeepgram();
  const speech = createRestSpeech({ clock, request: dg.request, out, log, body, idleTimeoutMs: 1000 });
  return { clock, sent, events, dg, speech };
}

describe('REST speech', () => {
  it('stream: one request per unit, one at a time, audio forwarded as it arrives, a mark after each unit', async () => {
    const { dg, speech, sent, events } = harness('stream');
    speech.say(1, { text: 'Sure.', flush: true });
    speech.say(1, { text: 'We open at nine.', flush: true });
    await tick();
    expect(dg.requests.map((r) => r.text)).toEqual(['Sure.']);
    expect(speech.busy).toBe(true);
    dg.requests[0]?.respond();
    dg.requests[0]?.chunk(800);
    await tick();
    expect(sent).toEqual(['media:800']);
    expect(events.map((e) => e.type)).toEqual(['tts.first_byte', 'twilio.first_media']);
    dg.requests[0]?.chunk(400);
    dg.requests[0]?.end();
    await tick();
    expect(sent).toEqual(['media:800', 'media:400', 'mark:1-1']);
    expect(dg.requests.map((r) => r.text)).toEqual(['Sure.', 'We open at nine.']);
    dg.requests[1]?.respond();
    dg.requests[1]?.chunk(800);
    dg.requests[1]?.end();
    await tick();
    expect(sent).toEqual(['media:800', 'media:400', 'mark:1-1', 'media:800', 'mark:1-2']);
    expect(speech.busy).toBe(false);
    expect(speech.lastAudioTurn).toBe(1);
  });

  it('buffer: nothing is forwarded until the whole body has been read', async () => {
    const { dg, speech, sent } = harness('buffer');
    speech.say(2, { text: 'The whole reply.', flush: true });
    await tick();
    dg.requests[0]?.respond();
    dg.requests[0]?.chunk(800);
    dg.requests[0]?.chunk(800);
    await tick();
    expect(sent).toEqual([]);
    dg.requests[0]?.end();
    await tick();
    expect(sent).toEqual(['media:800', 'media:800', 'mark:2-1']);
  });

  it('joins tokens into one request per flush', async () => {
    const { dg, speech } = harness('stream');
    speech.say(1, { text: 'Hel', flush: false });
    speech.say(1, { text: 'lo there', flush: false });
    await tick();
    expect(dg.requests).toEqual([]);
    speech.say(1, { text: '', flush: true });
    await tick();
    expect(dg.requests.map((r) => r.text)).toEqual(['Hello there']);
  });

  it('cancel aborts the request in flight, forgets queued units and discards late chunks', async () => {
    const { dg, speech, sent } = harness('stream');
    speech.say(1, { text: 'One.', flush: true });
    speech.say(1, { text: 'Two.', flush: true });
    await tick();
    dg.requests[0]?.respond();
    dg.requests[0]?.chunk(800);
    await tick();
    speech.cancel();
    expect(dg.requests[0]?.signal.aborted).toBe(true);
    dg.requests[0]?.chunk(800);
    await tick();
    expect(sent).toEqual(['media:800']);
    expect(speech.busy).toBe(false);
    // The next turn is spoken; the cancelled unit 'Two.' never is.
    speech.say(2, { text: 'Three.', flush: true });
    await tick();
    expect(dg.requests.map((r) => r.text)).toEqual(['One.', 'Three.']);
  });

  it('cancel before the response has started aborts it too', async () => {
    const { dg, speech, sent } = harness('buffer');
    speech.say(1, { text: 'One.', flush: true });
    await tick();
    speech.cancel();
    expect(dg.requests[0]?.signal.aborted).toBe(true);
    await tick();
    expect(sent).toEqual([]);
  });

  it('with playout=poll, cancel also drops the audio still in the poll queue', async () => {
    const { dg, speech, sent, clock } = harness('stream', 'poll');
    speech.say(1, { text: 'One.', flush: true });
    await tick();
    dg.requests[0]?.respond();
    dg.requests[0]?.chunk(800);
    dg.requests[0]?.end();
    await tick();
    expect(sent).toEqual([]);
    speech.cancel();
    clock.advance(50);
    expect(sent).toEqual([]);
  });

  it('a failed request is logged and skipped; the next unit goes on', async () => {
    const { dg, speech, sent, events } = harness('stream');
    speech.say(1, { text: 'One.', flush: true });
    speech.say(1, { text: 'Two.', flush: true });
    await tick();
    dg.requests[0]?.fail(new Error('HTTP 503'));
    await tick();
    expect(events.some((e) => e.type === 'warning' && e.code === 'speak.rest_failed')).toBe(true);
    expect(dg.requests.map((r) => r.text)).toEqual(['One.', 'Two.']);
    dg.requests[1]?.respond();
    dg.requests[1]?.chunk(160);
    dg.requests[1]?.end();
    await tick();
    expect(sent).toEqual(['media:160', 'mark:1-2']);
  });

  it('a stalled response is aborted after the idle timeout', async () => {
    const { dg, speech, clock, events } = harness('stream');
    speech.say(1, { text: 'One.', flush: true });
    await tick();
    dg.requests[0]?.respond();
    await tick();
    clock.advance(1000);
    await tick();
    expect(dg.requests[0]?.signal.aborted).toBe(true);
    expect(events.some((e) => e.type === 'warning' && e.code === 'speak.rest_failed' && e.message.includes('no audio'))).toBe(true);
    expect(speech.busy).toBe(false);
  });
});
