/**
 * calls/<n>/: timeline.json holds the call's timeline, journal and every verdict (the late
 * teardown verdict included); call.wav is stereo 8 kHz, the caller's frames on the left where
 * they were sent, and on the right the agent as heard: the interrupted reply up to the clear
 * (nothing of what the clear cut), the chunk that leaked after the clear, then the answer.
 */
import wavefile from 'wavefile';
import { describe, expect, it } from 'vitest';
import { decodeMulaw } from '../../harness/audio/mulaw.ts';
import { verdictOf } from '../../harness/checks/check.ts';
import { renderCallJson } from '../../harness/report/call-json.ts';
import { heardChunks, renderCallWav } from '../../harness/report/call-wav.ts';
import { bargeInAudio, bargeInRecord, bargeInTimeline, ORIGIN } from './helpers/report-call.ts';

const { WaveFile } = wavefile;

function channels(bytes: Uint8Array): { rate: number; left: Int16Array; right: Int16Array } {
  const wav = new WaveFile();
  wav.fromBuffer(bytes);
  const fmt = wav.fmt as { numChannels: number; sampleRate: number; bitsPerSample: number };
  expect(fmt).toMatchObject({ numChannels: 2, sampleRate: 8000, bitsPerSample: 16 });
  const [left, right] = wav.getSamples(false, Int16Array) as unknown as [Int16Array, Int16Array];
  return { rate: fmt.sampleRate, left, right };
}

/** The PCM sample a constant mu-law byte decodes to. */
const level = (byte: number): number => decodeMulaw(new Uint8Array([byte]))[0] ?? NaN;
/** The sample at `ms` after `start`. */
const at = (channel: Int16Array, t: number): number => channel[Math.round((t - ORIGIN) * 8)] ?? NaN;

describe('calls/<n>/timeline.json', () => {
  it('holds the timeline, the journal and every verdict, with the origin of the evidence times', () => {
    const record = bargeInRecord();
    const teardown = verdictOf('upstream.closed-after-hangup', ['deepgram.listen still open']);
    const json = JSON.parse(renderCallJson({ n: 3, record, lateVerdicts: [teardown] })) as Record<string, unknown>;
    expect(json).toMatchObject({ n: 3, scenario: 'barge-in-mid-sentence', callSid: 'CA-barge', state: 'completed', origin: ORIGIN, turns: ['barge-in'] });
    expect(json['timeline']).toHaveLength(record.timeline.length);
    expect(json['journal']).toHaveLength(record.journal.length);
    expect((json['verdicts'] as Array<{ id: string }>).map((v) => v.id)).toEqual(['twilio.protocol', 'bargein.no-leak', 'realtime.truncate-accepted', 'upstream.closed-after-hangup']);
  });

  it('says why a failed call failed', () => {
    const json = JSON.parse(renderCallJson({ n: 1, record: bargeInRecord({ status: { state: 'failed', error: 'the agent did not answer' } } as never), lateVerdicts: [] })) as Record<string, unknown>;
    expect(json).toMatchObject({ state: 'failed', error: 'the agent did not answer' });
  });
});

describe('calls/<n>/call.wav', () => {
  it('is not written when the audio was not kept', () => {
    expect(renderCallWav(bargeInTimeline(), undefined)).toBeUndefined();
  });

  it('plays each chunk from its start, cut by the first clear after it arrived', () => {
    const chunks = heardChunks(bargeInTimeline());
    // Chunks 0–6 play 1100–1800; chunk 7 (1800–1900) starts at the clear: never heard; the rest were queued behind it.
    expect(chunks.slice(0, 8).map((c) => c.samples)).toEqual([800, 800, 800, 800, 800, 800, 800, 0]);
    expect(chunks.slice(8, 20).every((c) => c.samples === 0)).toBe(true);
    // The leak and the answer arrived after the clear: heard in full.
    expect(chunks.slice(20)).toEqual([
      { index: 20, playStart: 1900, samples: 800 },
      { index: 21, playStart: 3000, samples: 800 },
      { index: 22, playStart: 3100, samples: 800 },
    ]);
  });

  it('puts the caller on the left and the agent as heard on the right', () => {
    const timeline = bargeInTimeline();
    const audio = bargeInAudio(timeline);
    const wav = renderCallWav(timeline, audio);
    if (wav === undefined) throw new Error('no wav');
    const { left, right } = channels(wav);
    // From `start` to the caller's last frame (3480 + 20 ms) or the answer's end (3200), whichever is later.
    expect(left.length).toBe((3500 - ORIGIN) * 8);
    expect(right.length).toBe(left.length);
    // Caller: loud while voiced, silent before and after.
    expect(at(left, 1500)).toBe(level(0xff));
    expect(at(left, 2000)).toBe(level(0x10));
    expect(at(left, 2450)).toBe(level(0xff));
    // Agent: nothing before the reply; the first chunk's level at 1150; each payload in its own place.
    const payloadLevel = (index: number): number => level(0x20 + ((3 + index) % 64));
    expect(at(right, 1050)).toBe(0);
    expect(at(right, 1150)).toBe(payloadLevel(0));
    expect(at(right, 1750)).toBe(payloadLevel(6));
    // Cut by the clear: silence from 1800 to the leak.
    expect(at(right, 1850)).toBe(0);
    // The leaked chunk (the 21st agent_media event) is heard after the clear.
    const leak = timeline.findIndex((e) => e.kind === 'agent_media' && e.t === 1900);
    expect(at(right, 1950)).toBe(level(0x20 + (leak % 64)));
    expect(at(right, 2500)).toBe(0);
    expect(at(right, 3050)).not.toBe(0);
  });
});
