/** "Did you mean": the closest known word within a typo's reach, and nothing for a different word. */
import { describe, expect, it } from 'vitest';
import { RUN_OPTIONS } from '../../harness/cli/commands/run.ts';
import { checkedArgs } from '../../harness/cli/parse-flags.ts';
import { UsageError } from '../../harness/cli/usage-error.ts';
import { closest, didYouMean, editDistance } from '../../harness/scenario/suggest.ts';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions, and a swap of neighbours as one', () => {
    expect(editDistance('run', 'run')).toBe(0);
    expect(editDistance('rnu', 'run')).toBe(1);
    expect(editDistance('scenairo', 'scenario')).toBe(1);
    expect(editDistance('mock', 'mocks')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('closest', () => {
  const commands = ['run', 'fixture', 'mocks', 'calibrate', 'agent', 'help'];
  it('suggests a typo and an abbreviation, not a different word', () => {
    expect(closest('rnu', commands)).toBe('run');
    expect(closest('fixtures', commands)).toBe('fixture');
    expect(closest('calib', commands)).toBe('calibrate');
    expect(closest('ad', ['add'])).toBe('add');
    expect(closest('frobnicate', commands)).toBeUndefined();
    expect(closest('x', ['json', 'out'])).toBeUndefined();
  });

  it('formats the suggestion for a message, or nothing', () => {
    expect(didYouMean('rnu', commands)).toBe(" (did you mean 'run'?)");
    expect(didYouMean('frobnicate', commands)).toBe('');
  });
});

describe('an unknown flag', () => {
  function message(argv: string[]): string {
    try {
      checkedArgs(argv, RUN_OPTIONS);
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return (error as UsageError).message;
    }
    throw new Error('expected a UsageError');
  }

  it('names the flag it is closest to', () => {
    expect(message(['--scenairo', 'x'])).toBe("unknown flag '--scenairo' (did you mean --scenario?)");
    expect(message(['--concurency', '2'])).toBe("unknown flag '--concurency' (did you mean --concurrency?)");
    expect(message(['--jsno'])).toBe("unknown flag '--jsno' (did you mean --json?)");
  });

  it('names only the flag when nothing is close', () => {
    expect(message(['--bogus'])).toBe("unknown flag '--bogus'");
    expect(message(['-x'])).toBe("unknown flag '-x'");
  });
});
