/** Twilio framing: 20 ms of 8 kHz mu-law per media message. */
import { describe, expect, it } from 'vitest';
import { FRAME_BYTES, FRAME_MS, MULAW_SILENCE, silenceFrame, toFrames } from '../../harness/audio/index.ts';

const ramp = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => i % 251);

describe('toFrames', () => {
  it('uses 20 ms frames of 160 bytes', () => {
    expect(FRAME_MS).toBe(20);
    expect(FRAME_BYTES).toBe(160);
  });

  it.each([0, 1, 159, 160, 161, 320, 799, 8000, 8001])('splits %i bytes into ceil(len/160) frames of 160 bytes', (length) => {
    const frames = toFrames(ramp(length));
    expect(frames).toHaveLength(Math.ceil(length / 160));
    for (const frame of frames) expect(frame).toHaveLength(160);
  });

  it('keeps the audio in order and pads only the last frame, with mu-law silence', () => {
    const audio = ramp(3 * 160 + 37);
    const frames = toFrames(audio);
    const joined = new Uint8Array(frames.length * 160);
    frames.forEach((frame, i) => joined.set(frame, i * 160));
    expect(Array.from(joined.subarray(0, audio.length))).toEqual(Array.from(audio));
    expect(Array.from(joined.subarray(audio.length))).toEqual(new Array(160 - 37).fill(MULAW_SILENCE));
  });

  it('returns frames that do not alias the input', () => {
    const audio = ramp(320);
    const frames = toFrames(audio);
    frames[0]?.fill(0);
    expect(audio[5]).toBe(5);
  });
});

describe('silenceFrame', () => {
  it('is one frame of 0xFF', () => {
    const frame = silenceFrame();
    expect(frame).toHaveLength(160);
    expect(frame.every((b) => b === 0xff)).toBe(true);
  });
});
