/**
 * `--variant NAME='FLAGS'`: a variant's name and the run flags that make it (the reference agent's
 * design flags, or `--agent-cmd CMD` for any agent), split into arguments. Which flags a variant
 * may carry, and what they mean, is the CLI's (harness/cli/commands/compare.ts); this reads only
 * the shape. Pure: a problem is returned, not thrown.
 */
import { splitWords } from './shell-words.ts';

export interface VariantSpec {
  name: string;
  /** The flags as written. */
  flags: string;
  argv: string[];
}

export type VariantParsed = { ok: true; value: VariantSpec } | { ok: false; expected: string };

/** A name fit for a table header, a report folder and a JSON key. */
export const VARIANT_NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/i;

export function parseVariantSpec(text: string): VariantParsed {
  const eq = text.indexOf('=');
  if (eq < 0) return { ok: false, expected: `expected NAME='FLAGS', e.g. current='--preset seed-current' or mine='--agent-cmd "node agent.js"'` };
  const name = text.slice(0, eq).trim();
  if (!VARIANT_NAME.test(name)) return { ok: false, expected: `expected a variant name of letters, digits, '.', '_' or '-' (at most 32) before '=', got '${name}'` };
  const flags = text.slice(eq + 1).trim();
  const words = splitWords(flags);
  if (!words.ok) return { ok: false, expected: `its flags have ${words.expected}` };
  return { ok: true, value: { name, flags, argv: words.words } };
}

/** The first name given twice, if any. */
export function repeatedName(specs: readonly VariantSpec[]): string | undefined {
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) return spec.name;
    seen.add(spec.name);
  }
  return undefined;
}
