/** Turns flag strings into checked values; every problem is a UsageError naming the flag. */
import { UsageError } from './usage-error.ts';

export function intFlag(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${flag} expects a whole number from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

export function choiceFlag<T extends string>(flag: string, raw: string | undefined, fallback: T, choices: readonly T[]): T {
  if (raw === undefined) return fallback;
  const found = choices.find((choice) => choice === raw);
  if (found === undefined) throw new UsageError(`--${flag} expects one of ${choices.join(', ')}, got '${raw}'`);
  return found;
}
