/** What a command refused with: a UsageError or an InputError (exit 2), its message one line. */
import { expect } from 'vitest';
import { UsageError } from '../../../harness/cli/usage-error.ts';
import { InputError } from '../../../harness/scenario/errors.ts';

export async function refusalOf(command: () => Promise<unknown>): Promise<string> {
  const error = await command().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error instanceof UsageError || error instanceof InputError, String(error)).toBe(true);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}
