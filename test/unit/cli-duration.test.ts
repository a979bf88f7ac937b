/** Durations and rates as the run command reads them. */
import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseRate } from '../../harness/cli/duration.ts';
import { parseLoadFlags } from '../../harness/cli/load-options.ts';
import { UsageError } from '../../harness/cli/usage-error.ts';

describe('parseDurationMs', () => {
  it.each([
    ['30s', 30_000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['10', 10_000],
    ['0.5', 500],
  ])('%s is %d ms', (raw, ms) => {
    expect(parseDurationMs('duration', raw)).toBe(ms);
  });

  it.each(['', 's', '10x', '-5s', '0s', '0', '5 s', '1m30', 'ms', '1e3'])('rejects %j with a UsageError naming the flag', (raw) => {
    expect(() => parseDurationMs('duration', raw)).toThrow(UsageError);
    expect(() => parseDurationMs('duration', raw)).toThrow(/--duration/);
  });
});

describe('parseRate', () => {
  it('accepts fractions and rejects zero, negatives and words', () => {
    expect(parseRate('arrival-rate', '0.5', 1000)).toBe(0.5);
    expect(parseRate('arrival-rate', '2', 1000)).toBe(2);
    for (const raw of ['0', '-1', 'fast', '', '2000']) expect(() => parseRate('arrival-rate', raw, 1000)).toThrow(/--arrival-rate/);
  });
});

describe('parseLoadFlags', () => {
  it('defaults to the closed model: one call per scenario, one of each at a time', () => {
    expect(parseLoadFlags({}, 3)).toMatchObject({ load: { model: 'closed', calls: 1, concurrency: 3 }, warmup: 0 });
  });

  it('reads the open model with the default in-flight limit and late bound', () => {
    expect(parseLoadFlags({ 'arrival-rate': '0.5', duration: '2m', warmup: '2' }, 2)).toMatchObject({
      load: { model: 'open', ratePerSec: 0.5, durationMs: 120_000, maxInFlight: 100, lateBoundMs: 1000 },
      warmup: 2,
    });
  });

  it('reads --duration alone as a closed model bounded by time', () => {
    expect(parseLoadFlags({ duration: '30s', concurrency: '4' }, 1)).toMatchObject({ load: { model: 'closed-duration', durationMs: 30_000, concurrency: 4 } });
  });

  it('refuses mixed or incomplete models, naming the flags', () => {
    expect(() => parseLoadFlags({ 'arrival-rate': '1', calls: '2' }, 1)).toThrow(/--arrival-rate.*--calls.*mutually exclusive/);
    expect(() => parseLoadFlags({ 'arrival-rate': '1', duration: '5s', concurrency: '2' }, 1)).toThrow(/--arrival-rate.*--concurrency.*mutually exclusive/);
    expect(() => parseLoadFlags({ 'arrival-rate': '1' }, 1)).toThrow(/--arrival-rate needs --duration/);
    expect(() => parseLoadFlags({ duration: '5s', calls: '3' }, 1)).toThrow(/--duration and --calls are mutually exclusive/);
    expect(() => parseLoadFlags({ 'max-calls-in-flight': '5' }, 1)).toThrow(/--max-calls-in-flight/);
  });
});
