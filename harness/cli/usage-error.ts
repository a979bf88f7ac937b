/** A bad flag or value on the command line: printed as one line, exit code 2. */
import { oneLine } from '../scenario/errors.ts';

export class UsageError extends Error {
  constructor(message: string) {
    // A value echoed back may hold a line break (`--calls $'1\n2'`): the message stays one line.
    super(oneLine(message));
    this.name = 'UsageError';
  }
}
