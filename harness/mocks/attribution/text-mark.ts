/**
 * An invisible call mark in text the mocks produce (a transcript, a reply), for the one case text
 * alone cannot tell calls apart: two live calls saying or being told the same words at once. The
 * mark is a run of zero-width characters (U+2060 WORD JOINER around base-3 digits written as U+200B,
 * U+200C, U+200D) that agents pass on with the text: `trim()` in JavaScript and `strip()` in
 * Python leave them, JSON keeps them, and they are not whitespace, so sentence splitting keeps a
 * mark with the word it follows. The mocks strip marks from everything they journal, synthesise or
 * match, so a mark never changes what is said or heard; it only changes text the agent might
 * compare verbatim, which is why it is added only when needed (./text-ledger.ts).
 */

const FRAME = '\u2060';
const DIGITS = ['\u200b', '\u200c', '\u200d'] as const;
const MARK = /\u2060([\u200b\u200c\u200d]+)\u2060/g;
const STRAY = /[\u2060\u200b\u200c\u200d]/g;

export function textMark(token: number): string {
  let digits = '';
  let n = token;
  do {
    digits = DIGITS[n % 3] + digits;
    n = Math.floor(n / 3);
  } while (n > 0);
  return `${FRAME}${digits}${FRAME}`;
}

/** Every call token marked in `text`, in order. */
export function readTextMarks(text: string): number[] {
  const out: number[] = [];
  for (const match of text.matchAll(MARK)) {
    let n = 0;
    for (const ch of match[1] ?? '') n = n * 3 + DIGITS.indexOf(ch as (typeof DIGITS)[number]);
    out.push(n);
  }
  return out;
}

/** `text` without any mark (nor stray characters of the mark alphabet). */
export function stripTextMarks(text: string): string {
  return text.replace(STRAY, '');
}

/** A transcript with the mark at its end (never on an empty transcript: empty must stay empty). */
export function markTranscript(text: string, token: number): string {
  return text.trim() === '' ? text : `${text}${textMark(token)}`;
}

/**
 * A reply with the mark after the first word of every sentence, so each piece an agent cuts it into
 * (a sentence per TTS request, a token at a time) that starts a sentence carries it.
 */
export function markSentences(text: string, token: number): string {
  const mark = textMark(token);
  return text.replace(/(^|[.!?]\s+)(\S+?)(?=[\s,;:.!?]|$)/g, (_all, lead: string, word: string) => `${lead}${word}${mark}`);
}

/** Lower case, letters, digits and apostrophes, single spaces, no marks: how the mocks compare text. */
export function normaliseText(text: string): string {
  return stripTextMarks(text).toLowerCase().replace(/[^\p{L}\p{N}' ]+/gu, ' ').replace(/\s+/g, ' ').trim();
}
