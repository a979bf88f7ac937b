/**
 * Cuts streamed LLM text into sentences as soon as each one is certain to be complete.
 *
 * A sentence ends at `.`, `!` or `?` (a run of them, plus closing quotes or brackets) followed by
 * whitespace, or at a line break. A terminator at the very end of the text so far is not yet a
 * boundary ("3." may become "3.5"); the next token or `end()` settles it. A period after a title
 * ("Dr.", "Mr.") or "e.g."/"i.e." never ends a sentence; after other abbreviations ("a.m.", "U.S.",
 * "etc.") it does only when the next word starts with a capital letter. A piece with no letters
 * ("1." of a numbered list) is never spoken on its own.
 */

export interface SentenceSplitter {
  /** Adds streamed text; returns the sentences it completed, trimmed, in order. */
  push(text: string): string[];
  /** The stream ended: returns whatever is left, trimmed (empty when nothing is left). */
  end(): string[];
}

/** Abbreviations after which a period never ends a sentence (lower case, no final period). */
const NEVER_FINAL = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'vs', 'e.g', 'i.e', 'cf']);
/** Abbreviations that end a sentence only when a capitalised word follows. */
const SOFT_FINAL = new Set(['etc', 'approx', 'inc', 'ltd', 'co', 'corp', 'dept', 'est', 'min', 'max', 'no', 'ft', 'oz', 'lb', 'lbs']);

const TERMINATORS = '.!?';
const CLOSERS = '"\')]}\u201d\u2019';
const HAS_LETTER = /\p{L}/u;

type Verdict = { kind: 'boundary'; end: number } | { kind: 'not_boundary'; resumeAt: number } | { kind: 'undecided' };

function isSpace(char: string | undefined): boolean {
  return char !== undefined && /\s/.test(char);
}

/** The word right before position `at` (letters and inner dots), lower-cased, without a final dot. */
function wordBefore(text: string, at: number): string {
  let start = at;
  while (start > 0 && /[\p{L}.]/u.test(text[start - 1] ?? '')) start -= 1;
  return text.slice(start, at).replace(/^\.+|\.+$/g, '').toLowerCase();
}

/** Whether the period at `at` ends a sentence, given what follows from `next` on. */
function periodVerdict(text: string, at: number, next: number): 'final' | 'not_final' | 'undecided' {
  const word = wordBefore(text, at);
  if (NEVER_FINAL.has(word)) return 'not_final';
  const dotted = word.includes('.');
  if (!dotted && !SOFT_FINAL.has(word)) return 'final';
  let k = next;
  while (isSpace(text[k])) k += 1;
  const following = text[k];
  if (following === undefined) return 'undecided';
  return /\p{Lu}/u.test(following) ? 'final' : 'not_final';
}

/** Looks at the terminator run starting at `at`. */
function judge(text: string, at: number): Verdict {
  let end = at;
  while (end < text.length && TERMINATORS.includes(text[end] ?? '')) end += 1;
  const run = text.slice(at, end);
  while (end < text.length && CLOSERS.includes(text[end] ?? '')) end += 1;
  if (end >= text.length) return { kind: 'undecided' };
  if (!isSpace(text[end])) return { kind: 'not_boundary', resumeAt: end };
  if (run === '.') {
    const verdict = periodVerdict(text, at, end);
    if (verdict === 'undecided') return { kind: 'undecided' };
    if (verdict === 'not_final') return { kind: 'not_boundary', resumeAt: end };
  }
  return { kind: 'boundary', end };
}

export function createSentenceSplitter(): SentenceSplitter {
  let buffer = '';
  /** Where scanning resumes: everything before it is known not to hold a boundary. */
  let scanFrom = 0;

  const take = (end: number): string | undefined => {
    const sentence = buffer.slice(0, end).trim();
    if (!HAS_LETTER.test(sentence)) return undefined;
    buffer = buffer.slice(end).replace(/^\s+/, '');
    scanFrom = 0;
    return sentence;
  };

  const drain = (): string[] => {
    const out: string[] = [];
    let i = scanFrom;
    while (i < buffer.length) {
      const char = buffer[i] ?? '';
      if (char === '\n') {
        const sentence = take(i);
        if (sentence !== undefined) {
          out.push(sentence);
          i = 0;
        } else {
          i += 1;
        }
        continue;
      }
      if (!TERMINATORS.includes(char)) {
        i += 1;
        continue;
      }
      const verdict = judge(buffer, i);
      if (verdict.kind === 'undecided') {
        scanFrom = i;
        return out;
      }
      if (verdict.kind === 'not_boundary') {
        i = verdict.resumeAt;
        continue;
      }
      const sentence = take(verdict.end);
      if (sentence !== undefined) {
        out.push(sentence);
        i = 0;
      } else {
        i = verdict.end;
      }
    }
    scanFrom = buffer.length;
    return out;
  };

  return {
    push(text) {
      if (text === '') return [];
      buffer += text;
      return drain();
    },
    end() {
      const rest = buffer.trim();
      buffer = '';
      scanFrom = 0;
      return rest === '' ? [] : [rest];
    },
  };
}

/** Splits a whole text at once (the streaming splitter fed in one piece). */
export function splitSentences(text: string): string[] {
  const splitter = createSentenceSplitter();
  return [...splitter.push(text), ...splitter.end()];
}
