/**
 * The threshold flags of `callbench run`: `--threshold 'METRIC: EXPRESSION'` and `--thresholds
 * FILE`, both repeatable. Reads the files and turns every problem into the CLI's errors: a bad
 * flag value is a UsageError naming the flag and its value, a bad file an InputError naming the
 * file and the field (both exit 2 with one line).
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../scenario/errors.ts';
import { findUnknownScenario, parseThresholdFile, parseThresholdFlag, type Threshold, type ThresholdError } from '../gate/thresholds.ts';
import { UsageError } from './usage-error.ts';

/** parseArgs option specs. */
export const THRESHOLD_OPTIONS = {
  threshold: { type: 'string', multiple: true },
  thresholds: { type: 'string', multiple: true },
} as const;

export interface ThresholdFlagValues {
  threshold?: string[] | undefined;
  thresholds?: string[] | undefined;
}

export const THRESHOLD_HELP = `Thresholds (a CI gate, k6 syntax; exit 99 when one fails):
  --threshold 'METRIC: EXPR'  fail the run unless METRIC meets EXPR (repeatable), e.g.
                        'turn.response_ms: p(95)<1500'. EXPR is p(N) (0 < N <= 100), med, min,
                        max or count (samples), then <, <=, >, >=, == or !=, then ms (no avg: a
                        mean is never a gate). METRIC{scenario:NAME} uses one scenario's samples.
                        A metric with no samples fails its thresholds
  --thresholds FILE     thresholds from a JSON file (repeatable), k6's thresholds object:
                        {"turn.response_ms": ["p(95)<1500", "med<1000"], "bargein.clear_ms": ["max<300"]}`;

function toCliError(error: ThresholdError): UsageError | InputError {
  const { source } = error;
  return source.kind === 'flag' ? new UsageError(`--threshold '${source.text}': ${error.expected}`) : new InputError(source.file, source.field, error.expected);
}

async function readThresholdFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(file, '', `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Every threshold given, files first, in order. Throws UsageError or InputError. */
export async function parseThresholdFlags(values: ThresholdFlagValues): Promise<Threshold[]> {
  const thresholds: Threshold[] = [];
  for (const file of values.thresholds ?? []) {
    const parsed = parseThresholdFile(file, await readThresholdFile(file));
    if (!parsed.ok) throw toCliError(parsed.error);
    thresholds.push(...parsed.value);
  }
  for (const text of values.threshold ?? []) {
    const parsed = parseThresholdFlag(text);
    if (!parsed.ok) throw toCliError(parsed.error);
    thresholds.push(parsed.value);
  }
  return thresholds;
}

/** Refuses a threshold scoped to a scenario the run does not play. */
export function checkThresholdScenarios(thresholds: readonly Threshold[], scenarios: readonly string[]): void {
  const error = findUnknownScenario(thresholds, scenarios);
  if (error !== undefined) throw toCliError(error);
}
