/**
 * The one place a command's argv becomes flag values. node's parseArgs is strict in ways that
 * reach the user as several lines of its own text (`--calls -1` is "ambiguous"), and lenient in
 * one that hides a mistake (a flag given twice keeps its last value). So argv is first read
 * leniently into tokens and checked here, every problem a one-line UsageError naming the flag;
 * the checked tokens are then written back as `--name=value` (which parseArgs never finds
 * ambiguous, so a negative number reaches the flag's own validator) and parsed strictly for the
 * typed values.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from '../scenario/suggest.ts';
import { UsageError } from './usage-error.ts';

type FlagOptions = NonNullable<ParseArgsConfig['options']>;
/** The typed values parseArgs returns for `options` (named, so declaration emit can write the type). */
type FlagValues<O extends FlagOptions> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>>['values'];

/** A value that starts with a dash but is a value, not a forgotten one: a negative number (`-1`, `-0.5`, `-5s`). */
const NEGATIVE_VALUE = /^-[\d.]/;

/** The flags' values, typed as parseArgs types them; throws UsageError for any problem. */
export function parseFlags<const O extends FlagOptions>(argv: readonly string[], options: O): FlagValues<O> {
  const args = checkedArgs(argv, options);
  return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
}

/**
 * The flags' values and the command's positional arguments (`fixture add FILE`): exactly
 * `positionals.names.length` of them, each named in the message when missing or extra.
 */
export function parseFlagsAndArgs<const O extends FlagOptions>(
  argv: readonly string[],
  options: O,
  positionals: { names: readonly string[]; usage: string },
): { values: FlagValues<O>; args: string[] } {
  const found: string[] = [];
  const args = checkedArgs(argv, options, found);
  const values = parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  // --help answers before any argument is missing.
  if ('help' in values && values.help === true) return { values, args: found };
  const missing = positionals.names[found.length];
  if (missing !== undefined) throw new UsageError(`${positionals.usage} expects ${missing}`);
  const extra = found[positionals.names.length];
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}' (${positionals.usage} takes ${positionals.names.join(' and ')}; every other value follows its flag)`);
  return { values, args: found };
}

/**
 * argv checked and rewritten as `--name=value` / `--name` tokens. A positional argument is an
 * error unless `positionals` is given to collect them.
 */
export function checkedArgs(argv: readonly string[], options: FlagOptions, positionals?: string[]): string[] {
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const seen = new Map<string, string | undefined>();
  const args: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      if (positionals !== undefined) {
        positionals.push(token.value);
        continue;
      }
      throw new UsageError(`unexpected argument '${token.value}': every value follows its flag (e.g. --scenario NAME)`);
    }
    if (token.kind === 'option-terminator') continue;
    const spec = options[token.name];
    const shown = token.rawName.startsWith('--') ? token.rawName : `--${token.name}`;
    if (spec === undefined) throw new UsageError(`unknown flag '${token.rawName}'${didYouMean(token.name, Object.keys(options), (name) => `--${name}`)}`);
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${shown} takes no value, got '${token.rawName}=${token.value}'`);
    } else {
      if (token.value === undefined) throw new UsageError(`${shown} expects a value`);
      if (!token.inlineValue && token.value.startsWith('-') && !NEGATIVE_VALUE.test(token.value)) {
        throw new UsageError(`${shown} expects a value, got the flag '${token.value}' (write ${shown}=VALUE for a value that starts with a dash)`);
      }
    }
    if (spec.multiple !== true) {
      if (seen.has(token.name)) {
        const before = seen.get(token.name);
        const values = before === undefined || token.value === undefined ? '' : ` ('${before}', then '${token.value}')`;
        throw new UsageError(`${shown} is given twice${values}; give it once`);
      }
      seen.set(token.name, token.value);
    }
    args.push(token.value === undefined ? `--${token.name}` : `--${token.name}=${token.value}`);
  }
  return args;
}
