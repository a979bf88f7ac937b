/**
 * Where a JSON text first breaks, as line, column, what was found and what JSON expects there.
 * JSON.parse's own messages differ between Node versions, some quote the text around the error
 * raw (line breaks and all) and some give only a character offset; the error line a user reads
 * is built from this instead. A small recursive-descent scan of RFC 8259 syntax, run only after
 * JSON.parse has failed.
 */

export interface JsonSyntaxError {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units. */
  column: number;
  found: string;
  expected: string;
}

class Stop {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {}
}

const VALUE = 'a value (an object, array, string, number, true, false or null)';

/** The first syntax error of `text`, or undefined when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let pos = 0;
  const fail = (expected: string, at = pos): never => {
    throw new Stop(at, expected);
  };
  const skipSpace = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos] ?? '')) pos++;
  };
  const string = (): void => {
    pos++; // the opening quote
    for (;;) {
      const char = text[pos];
      if (char === undefined) fail('the closing \'"\' of the string');
      if (char === '"') break;
      if (char !== undefined && char < ' ') fail('no raw control character inside a string (write \\n, \\t)');
      if (char === '\\') {
        const escape = text[pos + 1];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) fail('four hex digits after \\u', pos + 2);
          pos += 6;
          continue;
        }
        if (escape === undefined || !'"\\/bfnrt'.includes(escape)) fail('an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX', pos + 1);
        pos += 2;
        continue;
      }
      pos++;
    }
    pos++;
  };
  const digits = (what: string): void => {
    if (!/[0-9]/.test(text[pos] ?? '')) fail(what);
    while (/[0-9]/.test(text[pos] ?? '')) pos++;
  };
  const number = (): void => {
    if (text[pos] === '-') pos++;
    if (text[pos] === '0') pos++;
    else digits('a digit');
    if (text[pos] === '.') {
      pos++;
      digits('a digit after the decimal point');
    }
    if (text[pos] === 'e' || text[pos] === 'E') {
      pos++;
      if (text[pos] === '+' || text[pos] === '-') pos++;
      digits('a digit in the exponent');
    }
  };
  const value = (): void => {
    skipSpace();
    const char = text[pos];
    if (char === '{') return object();
    if (char === '[') return array();
    if (char === '"') return string();
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return number();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, pos)) {
        pos += literal.length;
        return;
      }
    }
    fail(VALUE);
  };
  const object = (): void => {
    pos++;
    skipSpace();
    if (text[pos] === '}') {
      pos++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[pos] !== '"') fail('a property name in double quotes');
      string();
      skipSpace();
      if (text[pos] !== ':') fail("':' after the property name");
      pos++;
      value();
      skipSpace();
      if (text[pos] === '}') {
        pos++;
        return;
      }
      if (text[pos] !== ',') fail("',' or '}'");
      pos++;
    }
  };
  const array = (): void => {
    pos++;
    skipSpace();
    if (text[pos] === ']') {
      pos++;
      return;
    }
    for (;;) {
      value();
      skipSpace();
      if (text[pos] === ']') {
        pos++;
        return;
      }
      if (text[pos] !== ',') fail("',' or ']'");
      pos++;
    }
  };

  try {
    value();
    skipSpace();
    if (pos < text.length) fail('nothing after the top-level value');
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    return locate(text, error);
  }
}

/**
 * Where and why `text` (which JSON.parse refused with `parseError`) is not JSON, for an error line:
 * `line L, column C: expected …, found …`. The scan and JSON.parse agree on what is JSON; should
 * they not, the parser's message is given instead (the caller's error line makes it one line).
 */
export function describeJsonError(text: string, parseError: unknown): string {
  const at = findJsonSyntaxError(text);
  if (at === undefined) return parseError instanceof Error ? parseError.message : String(parseError);
  return `line ${at.line}, column ${at.column}: expected ${at.expected}, found ${at.found}`;
}

function locate(text: string, stop: Stop): JsonSyntaxError {
  const before = text.slice(0, stop.offset);
  const line = before.split('\n').length;
  const column = stop.offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column, found: describeAt(text, stop.offset), expected: stop.expected };
}

function describeAt(text: string, offset: number): string {
  const char = text[offset];
  if (char === undefined) return 'the end of the file';
  const next = text[offset + 1];
  if (char === '/' && (next === '/' || next === '*')) return 'a comment (JSON has none)';
  if (char === '\uFEFF') return 'a byte-order mark (save the file as UTF-8 without one)';
  if (char === "'") return "a single quote (JSON strings take double quotes)";
  if (char === '\n' || char === '\r') return 'the end of the line';
  if (char < ' ') return `the control character U+${char.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`;
  const word = /^[A-Za-z_$][\w$]*/.exec(text.slice(offset))?.[0];
  return word !== undefined && word.length > 1 ? `'${word.slice(0, 20)}'` : `'${char}'`;
}
