/** An input file that is not what callbench expects: names the file, the field and what was expected. */
export class InputError extends Error {
  readonly file: string;
  readonly field: string;
  constructor(file: string, field: string, expected: string) {
    super(`${file}: ${field === '' ? '' : `${field}: `}${expected}`);
    this.name = 'InputError';
    this.file = file;
    this.field = field;
  }
}
