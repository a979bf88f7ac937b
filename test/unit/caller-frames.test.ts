/**
 * How the fake Twilio reads what an agent sends: each frame (harness/caller/agent-frame.ts) and
 * each media payload (harness/caller/payload.ts), and the hostile frames an `inject` step sends
 * (harness/caller/inject.ts). Pure functions, exact results.
 */
import { describe, expect, it } from 'vitest';
import { encodeMulaw, MULAW_SILENCE, writeMulawWav } from '../../harness/audio/index.ts';
import { frameWhat, readAgentFrame } from '../../harness/caller/agent-frame.ts';
import { createForeignStream, INJECT_KINDS, injectFrame } from '../../harness/caller/inject.ts';
import { inspectPayload, MAX_PAYLOAD_MS } from '../../harness/caller/payload.ts';
import { parseTwilioToAgent } from '../../harness/protocol/twilio.ts';

const SID = `MZ${'a'.repeat(32)}`;
const OTHER = `MZ${'b'.repeat(32)}`;
const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64');

/** 20 ms of a 400 Hz tone at a speaking level, as μ-law. */
function speech(samples = 160): Uint8Array {
  const pcm = new Int16Array(samples);
  for (let i = 0; i < samples; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 400 * i) / 8000));
  return encodeMulaw(pcm);
}

describe('readAgentFrame', () => {
  it('reads a valid media, mark and clear of this stream', () => {
    const media = readAgentFrame(JSON.stringify({ event: 'media', streamSid: SID, media: { payload: b64(speech()) } }), SID);
    expect(media).toMatchObject({ kind: 'message', message: { event: 'media' } });
    expect(readAgentFrame(JSON.stringify({ event: 'mark', streamSid: SID, mark: { name: 'm1' } }), SID)).toEqual({ kind: 'message', message: { event: 'mark', streamSid: SID, mark: { name: 'm1' } } });
    expect(readAgentFrame(JSON.stringify({ event: 'clear', streamSid: SID }), SID)).toEqual({ kind: 'message', message: { event: 'clear', streamSid: SID } });
  });

  it('tells a binary frame, text that is not JSON, an unknown event and a message of the wrong shape apart', () => {
    expect(readAgentFrame(undefined, SID)).toEqual({ kind: 'binary' });
    expect(readAgentFrame('{"event":"media"', SID)).toMatchObject({ kind: 'invalid', what: 'text', error: expect.stringMatching(/^invalid message \(Twilio warning 31951\): not JSON: /) });
    expect(readAgentFrame(JSON.stringify({ event: 'dance', streamSid: SID }), SID)).toEqual({ kind: 'invalid', what: 'dance', error: 'invalid message (Twilio warning 31951): unknown event "dance" (an agent sends media, mark or clear)' });
    expect(readAgentFrame(JSON.stringify([1, 2]), SID)).toMatchObject({ kind: 'invalid', error: expect.stringContaining('no "event" field') });
    expect(readAgentFrame(JSON.stringify({ event: 'media', streamSid: SID, media: {} }), SID)).toMatchObject({ kind: 'invalid', what: 'media', error: expect.stringMatching(/^invalid media message \(Twilio warning 31951\): media\.payload: /) });
  });

  it('reads a media, mark or clear with another SID, or none, as another stream\'s, whatever else is in it', () => {
    expect(readAgentFrame(JSON.stringify({ event: 'clear', streamSid: OTHER }), SID)).toEqual({ kind: 'foreign', event: 'clear', streamSid: OTHER });
    expect(readAgentFrame(JSON.stringify({ event: 'media', streamSid: null, media: { payload: '' } }), SID)).toEqual({ kind: 'foreign', event: 'media', streamSid: null });
    expect(readAgentFrame(JSON.stringify({ event: 'mark', streamSid: '', mark: { name: 'x' } }), SID)).toEqual({ kind: 'foreign', event: 'mark', streamSid: null });
    expect(readAgentFrame(JSON.stringify({ event: 'mark', mark: { name: 'x' } }), SID)).toEqual({ kind: 'foreign', event: 'mark', streamSid: null });
    expect(readAgentFrame(JSON.stringify({ event: 'media', streamSid: 7 }), SID)).toEqual({ kind: 'foreign', event: 'media', streamSid: null });
  });

  it('names a frame in a word, for what arrives before start or after stop', () => {
    expect(frameWhat(readAgentFrame(undefined, SID))).toBe('binary');
    expect(frameWhat(readAgentFrame('nope', SID))).toBe('text');
    expect(frameWhat(readAgentFrame(JSON.stringify({ event: 'media', streamSid: null }), SID))).toBe('media');
    expect(frameWhat(readAgentFrame(JSON.stringify({ event: 'clear', streamSid: SID }), SID))).toBe('clear');
  });
});

describe('inspectPayload', () => {
  it('finds nothing wrong with base64 μ-law speech or silence, of any ordinary size', () => {
    for (const audio of [speech(), speech(8), speech(8000), new Uint8Array(160).fill(MULAW_SILENCE)]) {
      expect(inspectPayload(b64(audio))).toEqual({ audio: Buffer.from(audio), issue: undefined, isAudio: true });
    }
  });

  it('names a WAV header but keeps the payload audio (what follows the header is)', () => {
    const wav = writeMulawWav(speech(800));
    const facts = inspectPayload(b64(wav));
    expect(facts.isAudio).toBe(true);
    expect(facts.issue).toBe('payload starts with a WAV (RIFF) header; Twilio plays the header as noise');
    expect(facts.audio.equals(Buffer.from(wav))).toBe(true);
  });

  it('takes JSON (a forwarded Deepgram control frame) and text for what they are: not audio', () => {
    const metadata = JSON.stringify({ type: 'Metadata', request_id: 'abc', model_name: 'aura-2-thalia-en', model_version: '1', model_uuid: 'x' });
    expect(inspectPayload(b64(metadata))).toMatchObject({ isAudio: false, issue: expect.stringMatching(/^payload is JSON, not audio \(a control frame forwarded as audio\?\): "\{\\"type\\":\\"Metadata\\"/) });
    expect(inspectPayload(b64('{"type":"Flushed","sequence_id":0}'))).toMatchObject({ isAudio: false, issue: expect.stringContaining('JSON') });
    expect(inspectPayload(b64('This is an error page from the upstream, not audio at all, sorry about that.'))).toMatchObject({ isAudio: false, issue: expect.stringMatching(/^payload is text, not audio: /) });
    // A few printable bytes are quiet audio, not text.
    expect(inspectPayload(b64('abcdefgh')).isAudio).toBe(true);
  });

  it('refuses an empty payload and one that is not valid base64', () => {
    expect(inspectPayload('')).toMatchObject({ isAudio: false, issue: 'empty payload (no audio)' });
    expect(inspectPayload('AAA')).toMatchObject({ isAudio: false, issue: 'payload is not valid base64 (length 3 is not a multiple of 4)' });
    expect(inspectPayload('AA-_')).toMatchObject({ isAudio: false, issue: 'payload is not valid base64 (character "-" at 2)' });
  });

  it('names one message of more audio than any chunk of a reply', () => {
    const long = new Uint8Array(MAX_PAYLOAD_MS * 8 + 8).fill(MULAW_SILENCE);
    expect(inspectPayload(b64(long))).toMatchObject({ isAudio: true, issue: 'one message of 60.0 s of audio (more than 60 s: no plausible chunk)' });
  });
});

describe('injectFrame', () => {
  const foreign = createForeignStream();
  let sequence = 10;
  const context = { streamSid: SID, accountSid: `AC${'c'.repeat(32)}`, nextSequence: () => ++sequence, foreign };

  it('sends an unknown event of this stream, malformed JSON, a binary frame, and a media and a stop of another stream', () => {
    const frames = Object.fromEntries(INJECT_KINDS.map((kind) => [kind, injectFrame(kind, context)]));
    const unknown = frames['unknown-event'];
    expect(unknown?.binary).toBe(false);
    expect(JSON.parse(String(unknown?.data))).toMatchObject({ event: 'callbench_probe', streamSid: SID, sequenceNumber: '11' });
    expect(() => JSON.parse(String(frames['malformed-json']?.data))).toThrow();
    expect(frames['binary']).toMatchObject({ binary: true });
    expect((frames['binary']?.data as Buffer).length).toBe(160);

    const media = JSON.parse(String(frames['foreign-media']?.data)) as Record<string, unknown>;
    const stop = JSON.parse(String(frames['foreign-stop']?.data)) as Record<string, unknown>;
    // Each is a valid Twilio message in its own right: only its stream is another.
    expect(parseTwilioToAgent(JSON.stringify(media))).toMatchObject({ ok: true, value: { event: 'media', streamSid: foreign.streamSid, sequenceNumber: '1' } });
    expect(parseTwilioToAgent(JSON.stringify(stop))).toMatchObject({ ok: true, value: { event: 'stop', streamSid: foreign.streamSid, stop: { callSid: foreign.callSid }, sequenceNumber: '2' } });
    expect(foreign.streamSid).toMatch(/^MZ[0-9a-f]{32}$/);
    expect(foreign.streamSid).not.toBe(SID);
  });
});
