/** The conversation script: the mock STT recognises registered utterances by their energy envelope. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createStreamingVad, decodeMulaw, encodeMulaw, MULAW_SILENCE, readWav, resample, synthesizeMulaw, wavToMulaw8k, writeMulawWav } from '../../harness/audio/index.ts';
import { createConversationScript, energyEnvelope, envelopeDb, type ConversationScript } from '../../harness/mocks/script.ts';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/utterances');
const NAMES = ['hours', 'book', 'bye', 'uh-huh', 'wait-stop', 'weather', 'yes'] as const;
type Name = (typeof NAMES)[number];

const fixtures = new Map<Name, { text: string; audio: Uint8Array }>(
  NAMES.map((name) => {
    const meta = JSON.parse(readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as { text: string };
    return [name, { text: meta.text, audio: wavToMulaw8k(readFileSync(path.join(DIR, `${name}.wav`))) }];
  }),
);
const fixture = (name: Name): { text: string; audio: Uint8Array } => {
  const f = fixtures.get(name);
  if (f === undefined) throw new Error(`no fixture ${name}`);
  return f;
};

/** The envelope as the mock STT hears it: streaming 10 ms windows from the first voiced one. */
function heard(mulaw: Uint8Array, maxMs = Infinity): number[] {
  const vad = createStreamingVad(8000, { windowMs: 10 });
  const envelope: number[] = [];
  let onset = false;
  for (const window of vad.push(decodeMulaw(mulaw))) {
    onset ||= window.voiced;
    if (onset && envelope.length * 10 < maxMs) envelope.push(envelopeDb(window.db));
  }
  return envelope;
}

function scriptWith(...names: Name[]): ConversationScript {
  const script = createConversationScript();
  for (const name of names) script.register({ id: name, transcript: fixture(name).text, audio: fixture(name).audio });
  return script;
}

const silence = (ms: number): Uint8Array => new Uint8Array(ms * 8).fill(MULAW_SILENCE);
const join = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

describe('register', () => {
  it('keeps the envelope and length of the voiced part only', () => {
    const script = createConversationScript();
    const { audio, text } = fixture('book');
    const meta = JSON.parse(readFileSync(path.join(DIR, 'book.json'), 'utf8')) as { voiced: Array<{ startMs: number; endMs: number }> };
    const registered = script.register({ id: 'book', transcript: text, audio: join(silence(400), audio) });
    const first = meta.voiced[0]?.startMs ?? NaN;
    const last = meta.voiced[meta.voiced.length - 1]?.endMs ?? NaN;
    expect(registered.voicedMs).toBeCloseTo(last - first, 3);
    expect(registered.envelope).toHaveLength(Math.floor((last - first) / 10));
    expect(registered.envelope[0]).toBeGreaterThan(-60);
    expect(script.utterances().map((u) => u.id)).toEqual(['book']);
  });

  it('replaces an utterance registered again under the same id', () => {
    const script = scriptWith('yes');
    script.register({ id: 'yes', transcript: 'Yes.', audio: fixture('yes').audio });
    expect(script.utterances()).toHaveLength(1);
    expect(script.utterances()[0]?.transcript).toBe('Yes.');
  });
});

describe('energyEnvelope', () => {
  it('gives dB per 10 ms window, floored at -60', () => {
    const pcm = new Int16Array(240);
    pcm.fill(16384, 80, 160);
    pcm.fill(3, 160, 240);
    const envelope = Array.from(energyEnvelope(pcm));
    expect(envelope).toHaveLength(3);
    expect(envelope[0]).toBe(-60);
    expect(envelope[1]).toBeCloseTo(-6.02, 2);
    expect(envelope[2]).toBe(-60);
  });
});

describe('match', () => {
  it.each(NAMES)('recognises %s from its own audio, whole or a 300 ms prefix', (name) => {
    const script = scriptWith(name);
    expect(script.match(heard(fixture(name).audio))?.id).toBe(name);
    expect(script.match(heard(fixture(name).audio, 300))?.id).toBe(name);
  });

  it.each(NAMES)('recognises %s after leading silence that shifts it off the window grid', (name) => {
    const script = scriptWith(...NAMES);
    for (const ms of [3, 5, 8, 137, 1000]) {
      expect(script.match(heard(join(silence(ms), fixture(name).audio)))?.id, `${ms} ms`).toBe(name);
      expect(script.match(heard(join(silence(ms), fixture(name).audio), 500))?.id, `${ms} ms, 500 ms prefix`).toBe(name);
    }
  });

  it.each(NAMES)('recognises %s after mu-law -> PCM -> mu-law, through WAV and through a 16 kHz detour', (name) => {
    const script = scriptWith(...NAMES);
    const { audio } = fixture(name);
    const viaPcm = encodeMulaw(decodeMulaw(audio));
    const viaWav = encodeMulaw(readWav(writeMulawWav(audio)).samples);
    const wide = resample({ sampleRate: 8000, samples: decodeMulaw(audio) }, 16000);
    const via16k = encodeMulaw(resample(wide, 8000).samples);
    for (const [how, bytes] of [['pcm', viaPcm], ['wav', viaWav], ['16k', via16k]] as const) {
      expect(script.match(heard(bytes))?.id, how).toBe(name);
    }
  });

  it.each(NAMES)('never takes %s for another fixture, at any length or window phase, with every fixture registered', (name) => {
    const script = scriptWith(...NAMES);
    const wrong: string[] = [];
    // Every length at one phase; at other phases (the voice onset 1-9 ms into a window) every
    // fifth length, the cadence at which the recogniser asks.
    for (const [offsetMs, step] of [[0, 1], [1, 5], [3, 5], [5, 5], [7, 5], [9, 5]] as const) {
      const envelope = heard(join(silence(offsetMs), fixture(name).audio, silence(500)));
      let firstMatchMs: number | undefined;
      for (let windows = 1; windows <= envelope.length; windows += step) {
        const id = script.match(envelope.slice(0, windows))?.id;
        if (id !== undefined && id !== name) wrong.push(`+${offsetMs} ms, ${windows * 10} ms heard: ${id}`);
        if (id === name && firstMatchMs === undefined) firstMatchMs = windows * 10;
      }
      // Recognised well before the end of even the shortest phrase.
      expect(firstMatchMs, `+${offsetMs} ms`).toBeLessThanOrEqual(500);
    }
    expect(wrong).toEqual([]);
  });

  it('waits while two openings look alike instead of guessing', () => {
    // "What are your opening hours…" and "What is the weather…" start with the same "What".
    const script = scriptWith('hours', 'weather');
    expect(script.match(heard(fixture('weather').audio, 200))).toBeUndefined();
    expect(script.match(heard(fixture('weather').audio, 600))?.id).toBe('weather');
    expect(script.match(heard(fixture('hours').audio, 600))?.id).toBe('hours');
  });

  it.each(NAMES)('does not take the whole of another fixture for %s when only %s is registered', (name) => {
    const script = scriptWith(name);
    for (const other of NAMES) {
      if (other === name) continue;
      expect(script.match(heard(fixture(other).audio))?.id, other).toBeUndefined();
    }
  });

  it('does not match speech longer than the registered utterance that only starts like it', () => {
    const script = scriptWith('yes');
    expect(script.match(heard(fixture('yes').audio))?.id).toBe('yes');
    expect(script.match(heard(join(fixture('yes').audio.subarray(0, fixture('yes').audio.length - 2400), fixture('book').audio)))).toBeUndefined();
  });

  it('treats two ids with the same transcript as no ambiguity', () => {
    const script = createConversationScript();
    const { audio, text } = fixture('bye');
    script.register({ id: 'bye-1', transcript: text, audio });
    script.register({ id: 'bye-2', transcript: text.toUpperCase(), audio });
    expect(script.match(heard(audio))?.transcript.toLowerCase()).toBe(text.toLowerCase());
  });

  it('matches nothing when nothing is registered, on silence, or on too short a prefix', () => {
    expect(createConversationScript().match(heard(fixture('book').audio))).toBeUndefined();
    const script = scriptWith(...NAMES);
    expect(script.match(new Array(100).fill(-60))).toBeUndefined();
    expect(script.match(heard(fixture('book').audio, 50))).toBeUndefined();
    expect(script.match([])).toBeUndefined();
  });

  it('recognises the mock TTS voice too (synthetic audio registered like a fixture)', () => {
    const script = scriptWith(...NAMES);
    const text = 'Could you repeat that, please?';
    script.register({ id: 'repeat', transcript: text, audio: synthesizeMulaw(text) });
    expect(script.match(heard(join(silence(250), synthesizeMulaw(text))))?.id).toBe('repeat');
    expect(script.match(heard(fixture('book').audio))?.id).toBe('book');
  });
});

describe('replyFor', () => {
  const script = createConversationScript();
  script.register({ id: 'hours', transcript: 'What are your opening hours on Saturday?', audio: fixture('hours').audio, reply: 'Nine to five.' });
  script.register({ id: 'uh-huh', transcript: 'Uh-huh.', audio: fixture('uh-huh').audio, reply: 'Go on.' });
  script.register({ id: 'bye', transcript: 'Thank you, that is all. Goodbye.', audio: fixture('bye').audio });

  it('finds the reply whatever the case, punctuation and spacing of the user text', () => {
    expect(script.replyFor('What are your opening hours on Saturday?')).toBe('Nine to five.');
    expect(script.replyFor('what are your opening hours on saturday')).toBe('Nine to five.');
    expect(script.replyFor('  WHAT are your opening hours,   on Saturday?!  ')).toBe('Nine to five.');
    expect(script.replyFor('uh huh')).toBe('Go on.');
    expect(script.replyFor('Uh-huh!')).toBe('Go on.');
  });

  it('keeps words apart: different words are a different text', () => {
    expect(script.replyFor('What are your opening hours on Sunday?')).toBeUndefined();
    expect(script.replyFor('What are your opening hours')).toBeUndefined();
    expect(script.replyFor('uhhuh')).toBeUndefined();
  });

  it('has no reply for an utterance registered without one, or for unknown text', () => {
    expect(script.replyFor('Thank you, that is all. Goodbye.')).toBeUndefined();
    expect(script.replyFor('')).toBeUndefined();
  });

  it("gives each call the reply it scripted when concurrent calls script the same words differently", () => {
    const shared = createConversationScript();
    const audio = fixture('hours').audio;
    shared.register({ id: 'hours', transcript: 'What are your opening hours on Saturday?', audio, reply: 'Nine to five.', call: 'CA1' });
    shared.register({ id: 'hours', transcript: 'What are your opening hours on Saturday?', audio, reply: 'We open at nine, and close at five.', call: 'CA2' });
    expect(shared.replyFor('what are your opening hours on saturday', 'CA1')).toBe('Nine to five.');
    expect(shared.replyFor('what are your opening hours on saturday', 'CA2')).toBe('We open at nine, and close at five.');
    // Unknown or untagged calls get the latest registration.
    expect(shared.replyFor('what are your opening hours on saturday', 'CA3')).toBe('We open at nine, and close at five.');
    expect(shared.replyFor('what are your opening hours on saturday')).toBe('We open at nine, and close at five.');
  });
});
