/**
 * The reference agent's playback accounting: marks after each flushed unit of speech, "speaking"
 * while marks are outstanding, stale echoes after a clear, and TTS audio discarded after Clear.
 */
import { describe, expect, it } from 'vitest';
import { createDirectOut } from '../../agent/call/audio-out.ts';
import { createPlaybackTracker } from '../../agent/call/playback-tracker.ts';
import { createTwilioOut, type TwilioSocket } from '../../agent/call/twilio-out.ts';
import type { AgentLogEvent } from '../../agent/log-events.ts';
import { createAgentLogger, createCallLogger } from '../../agent/logger.ts';
import { createSpeechChannel } from '../../agent/reply/speech-channel.ts';
import { createManualClock } from '../../harness/clock.ts';
import { parseAgentToTwilio, type AgentToTwilio } from '../../harness/protocol/index.ts';

describe('playback tracker', () => {
  it('is speaking from the first audio until every mark is echoed', () => {
    const playback = createPlaybackTracker();
    expect(playback.isSpeaking()).toBe(false);
    playback.audioSent();
    expect(playback.isSpeaking()).toBe(true);
    playback.markSent('1-1');
    playback.audioSent();
    playback.markSent('1-2');
    expect(playback.markEchoed('1-1')).toBe('played');
    expect(playback.isSpeaking()).toBe(true);
    expect(playback.markEchoed('1-2')).toBe('played');
    expect(playback.isSpeaking()).toBe(false);
  });

  it('is silent right after a clear, and stale echoes do not touch the next reply', () => {
    const playback = createPlaybackTracker();
    playback.audioSent();
    playback.markSent('1-1');
    playback.audioSent();
    playback.cleared();
    expect(playback.isSpeaking()).toBe(false);
    playback.audioSent();
    playback.markSent('2-1');
    // Twilio echoes the cleared mark late, after the next reply has queued its own.
    expect(playback.markEchoed('1-1')).toBe('stale');
    expect(playback.isSpeaking()).toBe(true);
    expect(playback.outstanding()).toEqual(['2-1']);
    expect(playback.markEchoed('2-1')).toBe('played');
    expect(playback.isSpeaking()).toBe(false);
  });

  it('reports marks it never sent', () => {
    const playback = createPlaybackTracker();
    expect(playback.markEchoed('9-9')).toBe('unknown');
    playback.markSent('1-1');
    expect(playback.markEchoed('1-1')).toBe('played');
    expect(playback.markEchoed('1-1')).toBe('unknown');
  });
});

const STREAM_SID = 'MZ00000000000000000000000000000001';

function harness(clearTimeoutMs = 500) {
  const clock = createManualClock(1000);
  const sent: AgentToTwilio[] = [];
  const socket: TwilioSocket = {
    send(text) {
      const parsed = parseAgentToTwilio(text);
      if (!parsed.ok) throw new Error(parsed.error);
      sent.push(parsed.value);
    },
    close() {},
    isOpen: true,
  };
  const tts: string[] = [];
  const events: AgentLogEvent[] = [];
  const log = createCallLogger(createAgentLogger((event) => events.push(event), clock));
  log.setCallSid('CA1');
  const playback = createPlaybackTracker();
  const speech = createSpeechChannel({
    clock,
    tts: { speak: (text) => tts.push(`Speak:${text}`), flush: () => tts.push('Flush'), clear: () => tts.push('Clear') },
    out: createDirectOut({ twilio: createTwilioOut(socket, STREAM_SID), playback, log }),
    log,
    clearTimeoutMs,
  });
  /** Outbound Twilio traffic as short strings: media:<bytes>, mark:<name>, clear. */
  const twilioLog = (): string[] =>
    sent.map((message) => {
      switch (message.event) {
        case 'media':
          return `media:${Buffer.from(message.media.payload, 'base64').length}`;
        case 'mark':
          return `mark:${message.mark.name}`;
        case 'clear':
          return 'clear';
      }
    });
  return { clock, sent, tts, events, playback, speech, twilioLog };
}

const audio = (bytes: number): Uint8Array => new Uint8Array(bytes).fill(0x7f);

describe('speech channel', () => {
  it('flushes each sentence, forwards audio at once and marks each unit after its audio', () => {
    const { speech, tts, twilioLog, playback, sent } = harness();
    speech.say(1, { text: 'First.', flush: true });
    speech.say(1, { text: 'Second.', flush: true });
    // The second Flush waits for the first Flushed.
    expect(tts).toEqual(['Speak:First.', 'Flush', 'Speak:Second.']);
    speech.audio(audio(160));
    speech.audio(audio(80));
    expect(playback.isSpeaking()).toBe(true);
    speech.control({ type: 'Flushed', sequence_id: 0 });
    expect(tts).toEqual(['Speak:First.', 'Flush', 'Speak:Second.', 'Flush']);
    speech.audio(audio(40));
    speech.control({ type: 'Flushed', sequence_id: 1 });
    expect(twilioLog()).toEqual(['media:160', 'media:80', 'mark:1-1', 'media:40', 'mark:1-2']);
    expect(sent.every((message) => message.streamSid === STREAM_SID)).toBe(true);
    expect(playback.outstanding()).toEqual(['1-1', '1-2']);
  });

  it('sends sentences that queue up behind an outstanding Flush under one Flush, words kept apart', () => {
    const { speech, tts, twilioLog } = harness();
    speech.say(1, { text: 'One.', flush: true });
    speech.say(1, { text: 'Two.', flush: true });
    speech.say(1, { text: 'Three.', flush: true });
    speech.control({ type: 'Flushed', sequence_id: 0 });
    speech.control({ type: 'Flushed', sequence_id: 1 });
    expect(tts).toEqual(['Speak:One.', 'Flush', 'Speak:Two.', 'Speak: Three.', 'Flush']);
    expect(twilioLog()).toEqual(['mark:1-1', 'mark:1-2']);
    expect(speech.busy).toBe(false);
  });

  it('text=token: tokens go out verbatim, unflushed, and a bare flush segment sends one Flush', () => {
    const { speech, tts, twilioLog } = harness();
    speech.say(1, { text: 'Sure', flush: false });
    speech.say(1, { text: '.', flush: false });
    speech.say(1, { text: ' We open', flush: false });
    expect(tts).toEqual(['Speak:Sure', 'Speak:.', 'Speak: We open']);
    expect(speech.busy).toBe(true);
    speech.say(1, { text: '', flush: true });
    expect(tts).toEqual(['Speak:Sure', 'Speak:.', 'Speak: We open', 'Flush']);
    speech.audio(audio(160));
    speech.control({ type: 'Flushed', sequence_id: 0 });
    expect(twilioLog()).toEqual(['media:160', 'mark:1-1']);
    // A bare flush with nothing unflushed sends nothing.
    speech.say(2, { text: '', flush: true });
    expect(tts).toHaveLength(4);
  });

  it('never forwards control frames as audio', () => {
    const { speech, twilioLog } = harness();
    speech.say(0, { text: 'Hello.', flush: true });
    speech.control({ type: 'Metadata', request_id: 'r', model_name: 'm', model_version: 'v', model_uuid: 'u' });
    speech.control({ type: 'Warning', description: 'slow down', code: 'W1' });
    speech.audio(audio(100));
    speech.control({ type: 'Flushed', sequence_id: 0 });
    expect(twilioLog()).toEqual(['media:100', 'mark:0-1']);
  });

  it('after cancel sends Clear, drops late audio and marks until Cleared, then plays the next turn', () => {
    const { speech, tts, twilioLog } = harness();
    speech.say(1, { text: 'A long answer.', flush: true });
    speech.audio(audio(100));
    speech.cancel();
    expect(tts.at(-1)).toBe('Clear');
    speech.audio(audio(100)); // in flight before the server saw Clear
    speech.control({ type: 'Flushed', sequence_id: 0 });
    speech.say(2, { text: 'New answer.', flush: true });
    speech.audio(audio(100));
    expect(twilioLog()).toEqual(['media:100']);
    speech.control({ type: 'Cleared', sequence_id: 0 });
    // The new turn's Flush goes out once nothing cancelled is in flight.
    expect(tts).toEqual(['Speak:A long answer.', 'Flush', 'Clear', 'Speak:New answer.', 'Flush']);
    speech.audio(audio(60));
    speech.control({ type: 'Flushed', sequence_id: 1 });
    expect(twilioLog()).toEqual(['media:100', 'media:60', 'mark:2-1']);
  });

  it('stops discarding audio if Cleared never comes', () => {
    const { speech, clock, twilioLog, events } = harness(500);
    speech.say(1, { text: 'Hi.', flush: true });
    speech.cancel();
    speech.audio(audio(10));
    clock.advance(499);
    speech.audio(audio(20));
    clock.advance(1);
    speech.audio(audio(30));
    expect(twilioLog()).toEqual(['media:30']);
    expect(events.some((event) => event.type === 'warning' && event.code === 'speak.clear_timeout')).toBe(true);
  });

  it('logs tts.first_byte and twilio.first_media once per turn', () => {
    const { speech, events } = harness();
    speech.say(0, { text: 'Hello.', flush: true });
    speech.audio(audio(10));
    speech.audio(audio(10));
    speech.control({ type: 'Flushed', sequence_id: 0 });
    speech.say(1, { text: 'Answer.', flush: true });
    speech.audio(audio(10));
    const firsts = events.filter((event) => event.type === 'tts.first_byte' || event.type === 'twilio.first_media');
    expect(firsts.map((event) => `${event.type}@${'turn' in event ? event.turn : '?'}`)).toEqual([
      'tts.first_byte@0',
      'twilio.first_media@0',
      'tts.first_byte@1',
      'twilio.first_media@1',
    ]);
  });

  it('closes audio already sent with a mark when the TTS socket is replaced', () => {
    const { speech, twilioLog, playback } = harness();
    speech.say(3, { text: 'Cut off.', flush: true });
    speech.audio(audio(50));
    speech.reset();
    expect(twilioLog()).toEqual(['media:50', 'mark:3-2']);
    expect(playback.markEchoed('3-2')).toBe('played');
    expect(playback.isSpeaking()).toBe(false);
  });

  it('speaks again, on the new socket, every unit the dropped one had not finished: no dead air after a drop', () => {
    const { speech, tts, events } = harness();
    speech.say(4, { text: 'First sentence.', flush: true });
    speech.say(4, { text: 'Second sentence.', flush: true });
    speech.say(4, { text: 'Third, still', flush: false });
    expect(tts).toEqual(['Speak:First sentence.', 'Flush', 'Speak:Second sentence.', 'Speak:Third, still']);
    speech.audio(audio(80));
    // The socket drops after the first audio of the first unit.
    tts.length = 0;
    speech.reset();
    expect(tts).toEqual(['Speak:First sentence.', 'Flush', 'Speak:Second sentence.Third, still']);
    expect(speech.busy).toBe(true);
    expect(events.some((e) => e.type === 'warning' && e.code === 'speak.resumed')).toBe(true);
    // Units already Flushed before the drop are not repeated; a cancelled reply is not resumed.
    speech.control({ type: 'Flushed', sequence_id: 0 });
    speech.cancel();
    tts.length = 0;
    speech.reset();
    expect(tts).toEqual([]);
  });
});
