/** The mock STT's recogniser on the audio timebase: what Deepgram documents, without sockets. */
import { describe, expect, it } from 'vitest';
import { createStreamingVad, decodeMulaw, MULAW_SILENCE, synthesizeMulaw } from '../../harness/audio/index.ts';
import { createConversationScript } from '../../harness/mocks/script.ts';
import { byEnvelope, createRecognizer, type RecognizerEvent } from '../../harness/mocks/deepgram/recognizer.ts';
import { parseListenParams, type ListenParams } from '../../harness/mocks/deepgram/listen-params.ts';

const TEXT = 'I would like to book a table for two people tonight.';

function params(query: string): ListenParams {
  const parsed = parseListenParams(new URLSearchParams(query));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

function feed(query: string, audio: Uint8Array, register = true): RecognizerEvent[] {
  const script = createConversationScript();
  const speech = synthesizeMulaw(TEXT);
  if (register) script.register({ id: 'book', transcript: TEXT, audio: speech });
  const recognizer = createRecognizer(params(query), byEnvelope(script));
  const vad = createStreamingVad(8000, { windowMs: 10 });
  const events: RecognizerEvent[] = [];
  for (let offset = 0; offset < audio.length; offset += 160) {
    events.push(...recognizer.push(vad.push(decodeMulaw(audio.subarray(offset, offset + 160)))));
  }
  return events;
}

const silence = (ms: number): Uint8Array => new Uint8Array(ms * 8).fill(MULAW_SILENCE);
const join = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const QUERY = 'encoding=mulaw&sample_rate=8000&interim_results=true&endpointing=300&utterance_end_ms=1000&vad_events=true&smart_format=true';

describe('recogniser', () => {
  const speech = synthesizeMulaw(TEXT);
  const speechMs = speech.length / 8;

  it('emits SpeechStarted at the onset, interims that grow, one speech_final after endpointing, then UtteranceEnd', () => {
    const events = feed(QUERY, join(silence(500), speech, silence(1500)));
    expect(events[0]).toMatchObject({ type: 'speech_started' });
    const started = events[0];
    expect(started?.type === 'speech_started' && started.atMs).toBeGreaterThanOrEqual(490);
    expect(started?.type === 'speech_started' && started.atMs).toBeLessThanOrEqual(520);

    const results = events.filter((e) => e.type === 'result');
    const interims = results.filter((e) => !e.isFinal);
    expect(interims.length).toBeGreaterThanOrEqual(2);
    const counts = interims.map((e) => e.words.length);
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);

    const finals = results.filter((e) => e.isFinal);
    expect(finals).toHaveLength(1);
    const final = finals[0];
    expect(final?.speechFinal).toBe(true);
    expect(final?.words.map((w) => w.punctuated).join(' ')).toBe(TEXT);
    // The final comes once 300 ms of silence have followed the last voiced window.
    const lastVoiced = 500 + speechMs - 66; // the synthetic voice ends with a silent '.'
    expect(final?.endMs).toBeGreaterThanOrEqual(lastVoiced + 300 - 15);
    expect(final?.endMs).toBeLessThanOrEqual(500 + speechMs + 300 + 15);

    const ends = events.filter((e) => e.type === 'utterance_end');
    expect(ends).toHaveLength(1);
    expect(events.indexOf(ends[0] as RecognizerEvent)).toBeGreaterThan(events.indexOf(final as RecognizerEvent));
  });

  it('sends no SpeechStarted without vad_events, no interims without interim_results, no UtteranceEnd without utterance_end_ms', () => {
    const events = feed('encoding=mulaw&sample_rate=8000&endpointing=300', join(silence(200), speech, silence(1500)));
    expect(events.map((e) => e.type)).toEqual(['result']);
    expect(events[0]).toMatchObject({ isFinal: true, speechFinal: true });
  });

  it('cuts speech longer than five seconds into is_final segments before the speech_final', () => {
    const long = join(speech, speech, speech);
    const events = feed(QUERY, join(silence(200), long, silence(600)), false);
    const finals = events.filter((e) => e.type === 'result' && e.isFinal);
    expect(finals.length).toBeGreaterThanOrEqual(2);
    expect(finals.slice(0, -1).every((e) => e.type === 'result' && !e.speechFinal)).toBe(true);
    expect(finals.at(-1)).toMatchObject({ speechFinal: true });
    // Results tile the audio: each starts where the previous final ended.
    for (let i = 1; i < finals.length; i++) {
      const prev = finals[i - 1];
      const cur = finals[i];
      if (prev?.type === 'result' && cur?.type === 'result') expect(cur.startMs).toBe(prev.endMs);
    }
  });

  it('gives empty transcripts for speech nobody registered', () => {
    const events = feed(QUERY, join(silence(200), speech, silence(600)), false);
    const final = events.find((e) => e.type === 'result' && e.speechFinal);
    expect(final?.type === 'result' && final.words).toEqual([]);
  });

  it('treats endpointing=false as no speech_final at all', () => {
    const events = feed('encoding=mulaw&sample_rate=8000&endpointing=false', join(silence(200), speech, silence(1000)));
    expect(events.filter((e) => e.type === 'result' && e.speechFinal)).toHaveLength(0);
  });
});

describe('listen parameters', () => {
  it('refuses utterance_end_ms without interim_results, an unknown encoding and a bad endpointing', () => {
    expect(parseListenParams(new URLSearchParams('utterance_end_ms=1000')).ok).toBe(false);
    expect(parseListenParams(new URLSearchParams('encoding=mp3')).ok).toBe(false);
    expect(parseListenParams(new URLSearchParams('endpointing=soon')).ok).toBe(false);
    expect(parseListenParams(new URLSearchParams('utterance_end_ms=500&interim_results=true')).ok).toBe(false);
  });
  it('applies the documented defaults', () => {
    expect(params('')).toMatchObject({ model: 'base', encoding: 'linear16', endpointingMs: 10, interimResults: false, vadEvents: false, punctuate: false });
  });
});

describe('utterances with long pauses', () => {
  async function recognise(name: string): Promise<RecognizerEvent[]> {
    const { loadFixture } = await import('../../harness/scenario/load.ts');
    const dir = new URL('../../fixtures/utterances', import.meta.url).pathname;
    const script = createConversationScript();
    for (const id of ['yes', 'bye', 'book', 'hours']) {
      const fixture = await loadFixture(dir, id);
      script.register({ id, transcript: fixture.text, audio: fixture.audio });
    }
    const fixture = await loadFixture(dir, name);
    const recognizer = createRecognizer(params(QUERY), byEnvelope(script));
    const vad = createStreamingVad(8000, { windowMs: 10 });
    const audio = join(fixture.audio, silence(1500));
    const events: RecognizerEvent[] = [];
    for (let offset = 0; offset < audio.length; offset += 160) events.push(...recognizer.push(vad.push(decodeMulaw(audio.subarray(offset, offset + 160)))));
    return events;
  }
  const finals = (events: RecognizerEvent[]): string[] =>
    events.flatMap((e) => (e.type === 'result' && e.isFinal ? [e.words.map((w) => w.punctuated).join(' ')] : []));

  it('finalises each phrase once, continuing the same utterance after the pause', async () => {
    expect(finals(await recognise('yes'))).toEqual(['Yes,', 'please.']);
    expect(finals(await recognise('bye'))).toEqual(['Thank you, that is all.', 'Goodbye.']);
    expect(finals(await recognise('book'))).toEqual(['I would like to book a table for two people tonight.']);
  });
});
