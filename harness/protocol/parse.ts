import type { z } from 'zod';

/** The result of parsing one wire message at a socket edge: a typed value or a one-line reason. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Renders a zod error as `field: problem` lines joined by '; '. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Parses a text frame as JSON and validates it against `schema`. Never throws. */
export function parseJsonMessage<S extends z.ZodType>(schema: S, text: string): Parsed<z.output<S>> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, error: `not JSON: ${text.slice(0, 80)}` };
  }
  const result = schema.safeParse(data);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: describeIssues(result.error) };
}

/** Exhaustiveness guard for switches over tagged unions. */
export function assertNever(value: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(value)}`);
}
