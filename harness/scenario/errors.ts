/** An input file that is not what callbench expects: names the file, the field and what was expected. */
export class InputError extends Error {
  readonly file: string;
  readonly field: string;
  constructor(file: string, field: string, expected: string) {
    super(oneLine(`${file}: ${field === '' ? '' : `${field}: `}${expected}`));
    this.name = 'InputError';
    this.file = file;
    this.field = field;
  }
}

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` on one line: line breaks and other control characters written as escapes (`\n`, `\u0007`).
 * Every user-facing error is one line, and parts of it (a file name, a flag value, a parser's
 * message) come from outside.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (char) => NAMED_ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
