/**
 * How much of a Realtime item the caller has heard (the truncate's audio_end_ms), from the agent's
 * marks and their echoes, on hand-built timelines with exact numbers.
 */
import { describe, expect, it } from 'vitest';
import { createHeardAudio } from '../../agent/realtime/heard-audio.ts';

describe('heard audio of a Realtime item', () => {
  it('before any echo: time since the first audio was sent, at most what was sent', () => {
    const heard = createHeardAudio();
    heard.audioSent('item1', 100, 1000);
    heard.audioSent('item1', 100, 1010);
    expect(heard.heardMs('item1', 1000)).toBe(0);
    expect(heard.heardMs('item1', 1150.7)).toBe(150);
    expect(heard.heardMs('item1', 5000)).toBe(200);
    expect(heard.heardMs('unknown', 5000)).toBe(0);
  });

  it('anchors on the last echoed mark and extrapolates, never past the next unechoed mark', () => {
    const heard = createHeardAudio();
    heard.audioSent('item1', 200, 0);
    heard.markSent('m1', 'item1');
    heard.audioSent('item1', 200, 5);
    heard.markSent('m2', 'item1');
    heard.audioSent('item1', 200, 10);
    heard.markSent('m3', 'item1');
    // Playback started late (a queue ahead of it): m1 echoes at 500, so 200 ms heard at 500.
    heard.markEchoed('m1', 500);
    expect(heard.heardMs('item1', 500)).toBe(200);
    expect(heard.heardMs('item1', 580)).toBe(280);
    // m2 has not echoed by 900: the estimate stops at its 400 ms.
    expect(heard.heardMs('item1', 900)).toBe(400);
    heard.markEchoed('m2', 705);
    expect(heard.heardMs('item1', 755)).toBe(450);
    heard.markEchoed('m3', 905);
    expect(heard.heardMs('item1', 2000)).toBe(600);
  });

  it('an echo also accounts for the unechoed marks before it', () => {
    const heard = createHeardAudio();
    heard.audioSent('item1', 300, 0);
    heard.markSent('a', 'item1');
    heard.audioSent('item1', 300, 0);
    heard.markSent('b', 'item1');
    heard.markEchoed('b', 1000);
    expect(heard.heardMs('item1', 1000)).toBe(600);
    heard.markEchoed('a', 1001);
    expect(heard.heardMs('item1', 1001)).toBe(600);
  });

  it('a new item starts playing when the last earlier mark echoed, if that is after its first audio', () => {
    const heard = createHeardAudio();
    heard.audioSent('greeting', 1000, 0);
    heard.markSent('g1', 'greeting');
    heard.audioSent('reply', 500, 300);
    heard.markSent('r1', 'reply');
    heard.markEchoed('g1', 1000);
    expect(heard.heardMs('reply', 1200)).toBe(200);
    expect(heard.heardMs('reply', 2000)).toBe(500);
  });

  it('ignores the echoes Twilio sends for the marks pending at a clear', () => {
    const heard = createHeardAudio();
    heard.audioSent('item1', 1000, 0);
    heard.markSent('m1', 'item1');
    expect(heard.heardMs('item1', 300)).toBe(300);
    heard.cleared();
    heard.markEchoed('m1', 301);
    // Still the estimate from the first send, not "all 1000 ms heard at 301".
    expect(heard.heardMs('item1', 301)).toBe(301);
  });
});
