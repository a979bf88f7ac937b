/**
 * Tying upstream connections to calls without the agent's help: the journal's ties, the content
 * fallback after a call, and the text ledger (transcripts and replies the mocks produced, with an
 * invisible mark only where two live calls share the words).
 */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../harness/clock.ts';
import { synthesizeMulaw } from '../../harness/audio/index.ts';
import { createCallBook } from '../../harness/mocks/attribution/call-book.ts';
import { attributeByContent } from '../../harness/mocks/attribution/content-tie.ts';
import { createTextLedger, TEXT_WINDOW_MS } from '../../harness/mocks/attribution/text-ledger.ts';
import { markSentences, markTranscript, normaliseText, readTextMarks, stripTextMarks, textMark } from '../../harness/mocks/attribution/text-mark.ts';
import { connectionTies } from '../../harness/mocks/journal/queries.ts';
import { connectionJournal, createJournal } from '../../harness/mocks/journal/journal.ts';
import { createConversationScript } from '../../harness/mocks/script.ts';

function setup() {
  const clock = createManualClock();
  const journal = createJournal(clock);
  const script = createConversationScript();
  const hours = { id: 'hours', transcript: 'What are your opening hours?', audio: synthesizeMulaw('What are your opening hours?') };
  const book = { id: 'book', transcript: 'Book a table for two.', audio: synthesizeMulaw('Book a table for two.') };
  script.register({ ...hours, call: 'CA-a', reply: 'We open at nine. We close at five.' });
  script.register({ ...book, call: 'CA-b', reply: 'Done. Your table is booked.' });
  const listen = connectionJournal(journal, 'deepgram.listen', 'listen-1');
  const results = (utterance: string) =>
    listen({ direction: 'sent', kind: 'Results', data: { isFinal: true, speechFinal: true, fromFinalize: false, transcript: 'x', audioEndMs: 0, utterance, marked: false } });
  const chat = (connection: string, lastUserText: string) =>
    journal.record({ service: 'openai.chat', connection, direction: 'received', kind: 'request', data: { valid: true, model: 'm', stream: true, includeUsage: false, messages: 2, lastUserText } });
  const speak = (connection: string, text: string) => journal.record({ service: 'deepgram.speak.ws', connection, direction: 'received', kind: 'Speak', data: { chars: text.length, text } });
  return { clock, journal, script, hours, book, results, chat, speak };
}

describe('the journal ties a connection to one call', () => {
  it('ties every entry of the connection, earlier ones included, once; a later different tie is refused', () => {
    const { journal, speak } = setup();
    speak('speak-1', 'Hello there, how can I help?');
    expect(journal.tie('deepgram.speak.ws', 'speak-1', { call: 'CA-a', how: 'text', detail: 'reply' })).toBe(true);
    speak('speak-1', 'More text.');
    expect(journal.entries().filter((e) => e.connection === 'speak-1').every((e) => e.call === 'CA-a')).toBe(true);
    expect(journal.tie('deepgram.speak.ws', 'speak-1', { call: 'CA-b', how: 'header', detail: '' })).toBe(false);
    expect(journal.callOf('speak-1')).toBe('CA-a');
    expect(journal.entries().filter((e) => e.kind === 'tied')).toHaveLength(1);
    expect(connectionTies(journal.entries())).toMatchObject({ byMethod: { text: 1, header: 0, audio: 0, content: 0 }, untied: 0 });
  });
});

describe('attribution by content, after the call', () => {
  it('ties listen, chat and speak connections to the one call their content belongs to', () => {
    const { journal, script, results, chat, speak } = setup();
    results('hours');
    chat('chat-1', 'book a table for two');
    speak('speak-1', 'Hello! How can I help?');
    speak('speak-1', 'We close at five.');
    expect(attributeByContent(journal, script)).toBe(3);
    const callOf = (connection: string) => new Set(journal.entries().filter((e) => e.connection === connection).map((e) => e.call));
    expect(callOf('listen-1')).toEqual(new Set(['CA-a']));
    expect(callOf('chat-1')).toEqual(new Set(['CA-b']));
    expect(callOf('speak-1')).toEqual(new Set(['CA-a']));
    expect(connectionTies(journal.entries()).byMethod.content).toBe(3);
  });

  it('leaves a connection untied when its content fits several calls, or none, and says how many are untied', () => {
    const { journal, script, hours, results, chat } = setup();
    script.register({ ...hours, call: 'CA-c' });
    results('hours');
    chat('chat-2', 'something else entirely');
    expect(attributeByContent(journal, script)).toBe(0);
    expect(journal.entries().every((e) => e.call === undefined)).toBe(true);
    expect(connectionTies(journal.entries())).toMatchObject({ untied: 2, byService: { 'deepgram.listen': { tied: 0, untied: 1 }, 'openai.chat': { tied: 0, untied: 1 } } });
  });

  it('never moves an entry tied by the header', () => {
    const { journal, script, results } = setup();
    journal.tie('deepgram.listen', 'listen-1', { call: 'CA-z', how: 'header', detail: 'x-callbench-call' });
    results('hours');
    expect(attributeByContent(journal, script)).toBe(0);
    expect(journal.entries().every((e) => e.call === 'CA-z')).toBe(true);
  });
});

describe('text marks', () => {
  it('round-trip any token, invisibly, and strip to the plain text', () => {
    for (const token of [1, 2, 3, 80, 6561, 0xffffff]) {
      const marked = markTranscript('What are your hours?', token);
      expect(readTextMarks(marked)).toEqual([token]);
      expect(stripTextMarks(marked)).toBe('What are your hours?');
      expect(marked.trim()).toBe(marked);
      expect(marked.replace(/\s/g, '')).toBe(marked.replace(/ /g, ''));
    }
    expect(textMark(5)).toMatch(/^\u2060[\u200b\u200c\u200d]+\u2060$/);
  });

  it('never mark an empty transcript, and put a mark in every sentence of a reply', () => {
    expect(markTranscript('', 7)).toBe('');
    expect(markTranscript('  ', 7)).toBe('  ');
    const reply = markSentences('Sure, I can help. We open at nine! Anything else?', 7);
    expect(stripTextMarks(reply)).toBe('Sure, I can help. We open at nine! Anything else?');
    const sentences = reply.split(/(?<=[.!?])\s+/);
    expect(sentences).toHaveLength(3);
    for (const sentence of sentences) expect(readTextMarks(sentence)).toEqual([7]);
  });

  it('are ignored when text is compared', () => {
    expect(normaliseText(markTranscript('Uh-huh.', 12))).toBe('uh huh');
  });
});

describe('the text ledger', () => {
  function ledger() {
    const clock = createManualClock();
    const calls = createCallBook();
    const a = { call: 'CA-a', token: calls.open('CA-a') };
    const b = { call: 'CA-b', token: calls.open('CA-b') };
    return { clock, calls, texts: createTextLedger(clock, calls), a, b };
  }

  it('ties a chat request to the call whose transcript it carries, joined finals included', () => {
    const { texts } = ledger();
    texts.transcript('CA-a', 'Yes,', false);
    texts.transcript('CA-a', 'please.', false);
    texts.transcript('CA-b', 'Book a table for two.', false);
    expect(texts.tieUserText('Yes, please.')).toMatchObject({ ok: true, call: 'CA-a' });
    expect(texts.tieUserText('book a table for two')).toMatchObject({ ok: true, call: 'CA-b' });
    expect(texts.tieUserText('')).toMatchObject({ ok: false, reason: 'the request has no user text' });
    expect(texts.tieUserText('Something nobody said')).toMatchObject({ ok: false });
  });

  it('marks a transcript two live calls share, and the mark ties the request where the words alone cannot', () => {
    const { texts } = ledger();
    const fromA = texts.transcript('CA-a', 'What are your hours?', true);
    const fromB = texts.transcript('CA-b', 'What are your hours?', true);
    expect(fromA.marked && fromB.marked).toBe(true);
    expect(texts.tieUserText('What are your hours?')).toEqual({ ok: false, reason: '2 calls were sent this transcript' });
    expect(texts.tieUserText(`You are a helpful agent. ${fromB.text}`)).toEqual({ ok: true, call: 'CA-b', detail: 'text mark' });
    expect(texts.transcript('CA-a', 'No.', false)).toEqual({ text: 'No.', marked: false });
  });

  it('prefers live calls, and forgets text older than its window', () => {
    const { clock, calls, texts } = ledger();
    texts.transcript('CA-a', 'What are your hours?', false);
    calls.close('CA-a');
    texts.transcript('CA-b', 'What are your hours?', false);
    expect(texts.tieUserText('What are your hours?')).toMatchObject({ ok: true, call: 'CA-b' });
    clock.advance(TEXT_WINDOW_MS + 1);
    expect(texts.tieUserText('What are your hours?')).toMatchObject({ ok: false });
  });

  it('ties speech requests to the call whose reply contains their text; too short a piece ties nothing', () => {
    const { texts } = ledger();
    texts.reply('CA-a', 'We open at nine. We close at five.', false);
    const shared = texts.reply('CA-b', 'Sure, I can help with that. Anything else?', true);
    expect(texts.tieSpeechText('We close at five.')).toMatchObject({ ok: true, call: 'CA-a' });
    expect(texts.tieSpeechText(' We')).toMatchObject({ ok: false, reason: 'too little text to tell calls apart' });
    const [first] = shared.text.split(/(?<=[.!?])\s+/);
    expect(texts.tieSpeechText(first ?? '')).toEqual({ ok: true, call: 'CA-b', detail: 'text mark' });
  });
});
