/** The reference agent's sentence splitter: what reaches TTS as one Speak + Flush, and when. */
import { describe, expect, it } from 'vitest';
import { createSentenceSplitter, splitSentences } from '../../agent/reply/sentence-splitter.ts';

/** Feeds `tokens` one by one and records, for each sentence, the index of the token that released it. */
function stream(tokens: string[]): Array<{ sentence: string; afterToken: number }> {
  const splitter = createSentenceSplitter();
  const out: Array<{ sentence: string; afterToken: number }> = [];
  tokens.forEach((token, index) => {
    for (const sentence of splitter.push(token)) out.push({ sentence, afterToken: index });
  });
  for (const sentence of splitter.end()) out.push({ sentence, afterToken: tokens.length });
  return out;
}

describe('splitSentences', () => {
  it('splits on . ! ? followed by a space and keeps the terminators', () => {
    expect(splitSentences('Hello there! How are you? I am fine.')).toEqual(['Hello there!', 'How are you?', 'I am fine.']);
  });

  it('does not split decimals, times or terminators glued to the next word', () => {
    expect(splitSentences('It costs 3.50 dollars at 9.30 today. See example.com now.')).toEqual([
      'It costs 3.50 dollars at 9.30 today.',
      'See example.com now.',
    ]);
  });

  it('never splits after titles or e.g. / i.e.', () => {
    expect(splitSentences('Dr. Smith and Mr. Jones, e.g. Sam, will call. Bye.')).toEqual([
      'Dr. Smith and Mr. Jones, e.g. Sam, will call.',
      'Bye.',
    ]);
  });

  it('splits after a soft abbreviation only before a capitalised word', () => {
    expect(splitSentences('We open at 9 a.m. and close at 5 p.m. Call us then.')).toEqual([
      'We open at 9 a.m. and close at 5 p.m.',
      'Call us then.',
    ]);
  });

  it('keeps closing quotes and brackets with their sentence, and handles runs like ?! and ...', () => {
    expect(splitSentences('He said "yes." Really?! Well... fine (I think.) Done')).toEqual([
      'He said "yes."',
      'Really?!',
      'Well...',
      'fine (I think.)',
      'Done',
    ]);
  });

  it('never emits a piece without letters, such as a list number', () => {
    expect(splitSentences('1. Eggs are fresh. 2. Milk is cold.')).toEqual(['1. Eggs are fresh.', '2. Milk is cold.']);
  });

  it('treats a line break as a boundary', () => {
    expect(splitSentences('First line\nSecond line')).toEqual(['First line', 'Second line']);
  });

  it('returns nothing for empty or blank text', () => {
    expect(splitSentences('')).toEqual([]);
    expect(splitSentences('   ')).toEqual([]);
  });
});

describe('createSentenceSplitter (streaming)', () => {
  it('releases a sentence as soon as the token after its terminator arrives', () => {
    expect(stream(['Sure', '.', ' I', ' can', ' help', '!', ' Bye'])).toEqual([
      { sentence: 'Sure.', afterToken: 2 },
      { sentence: 'I can help!', afterToken: 6 },
      { sentence: 'Bye', afterToken: 7 },
    ]);
  });

  it('holds a terminator at the end of the text until the next token settles it', () => {
    const splitter = createSentenceSplitter();
    expect(splitter.push('It is 3.')).toEqual([]);
    expect(splitter.push('5 miles away.')).toEqual([]);
    expect(splitter.push(' Go')).toEqual(['It is 3.5 miles away.']);
    expect(splitter.end()).toEqual(['Go']);
  });

  it('waits for the next word after a soft abbreviation before deciding', () => {
    const splitter = createSentenceSplitter();
    expect(splitter.push('Open at 9 a.m.')).toEqual([]);
    expect(splitter.push(' ')).toEqual([]);
    expect(splitter.push('daily.')).toEqual([]);
    expect(splitter.end()).toEqual(['Open at 9 a.m. daily.']);
  });

  it('gives the same sentences whatever the tokenisation', () => {
    const text = 'Hi! Dr. Who is here at 10 a.m. Today. Is it 2.5 km? Yes... "Great." End';
    const whole = splitSentences(text);
    const byChar = stream([...text]).map((entry) => entry.sentence);
    const byWord = stream(text.split(/(?= )/)).map((entry) => entry.sentence);
    expect(byChar).toEqual(whole);
    expect(byWord).toEqual(whole);
    expect(whole).toEqual(['Hi!', 'Dr. Who is here at 10 a.m.', 'Today.', 'Is it 2.5 km?', 'Yes...', '"Great."', 'End']);
  });

  it('starts afresh after end()', () => {
    const splitter = createSentenceSplitter();
    splitter.push('Unfinished');
    expect(splitter.end()).toEqual(['Unfinished']);
    expect(splitter.push('New one. ')).toEqual(['New one.']);
    expect(splitter.end()).toEqual([]);
  });
});
