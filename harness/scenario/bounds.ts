/**
 * Numbers of the scenario format with their bounds stated in the one message every check of the
 * field gives. zod's own messages name only the check that failed first, and for a number as far
 * out as 1e300 that is int()'s safe-integer limit, not the field's real bound.
 */
import { z } from 'zod';

type Issue = { input?: unknown };

function message(expected: string): (issue: Issue) => string {
  return (issue) => {
    if (issue.input === undefined) return `is required: ${expected}`;
    const got = JSON.stringify(issue.input) ?? String(issue.input);
    return `expected ${expected}, got ${got.length > 40 ? `${got.slice(0, 40)}…` : got}`;
  };
}

/** A whole number from `min` to `max`; `what` reads "a whole number<what>", e.g. " of ms". */
export function wholeNumber(min: number, max: number, what = ''): z.ZodNumber {
  const error = message(`a whole number${what} from ${min} to ${max}`);
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** A number (fractions allowed) from `min` to `max`. */
export function boundedNumber(min: number, max: number, what = ''): z.ZodNumber {
  const error = message(`a number${what} from ${min} to ${max}`);
  return z.number({ error }).min(min, { error }).max(max, { error });
}
