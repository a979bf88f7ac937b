/** run --stages, --stages-model and --shard read into the runner's load plans; every refusal one line naming the flag. */
import { describe, expect, it } from 'vitest';
import { parseLoadFlags } from '../../harness/cli/load-options.ts';
import { parseShard, parseStages } from '../../harness/cli/stage-flags.ts';
import { UsageError } from '../../harness/cli/usage-error.ts';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a UsageError');
}

describe('--stages', () => {
  it("ramps concurrency by default: '30s:10,2m:200,30s:0' is a closed model of 3 min peaking at 200", () => {
    const choice = parseLoadFlags({ stages: '30s:10,2m:200,30s:0' }, 2);
    expect(choice.load).toEqual({
      model: 'closed-duration',
      durationMs: 180_000,
      concurrency: 200,
      stages: [
        { durationMs: 30_000, target: 10 },
        { durationMs: 120_000, target: 200 },
        { durationMs: 30_000, target: 0 },
      ],
    });
    expect(choice.description).toContain('30s:10,2m:200,30s:0');
  });

  it('ramps the arrival rate with --stages-model arrival-rate: the open model, fractions allowed, --max-calls-in-flight applies', () => {
    const choice = parseLoadFlags({ stages: '0s:0.5,1m:2.5', 'stages-model': 'arrival-rate', 'max-calls-in-flight': '20' }, 1);
    expect(choice.load).toMatchObject({ model: 'open', ratePerSec: 2.5, durationMs: 60_000, maxInFlight: 20, stages: [{ durationMs: 0, target: 0.5 }, { durationMs: 60_000, target: 2.5 }] });
  });

  it('refuses a malformed stage, a fractional concurrency, a shape that never starts a call, and mixed load flags', () => {
    expect(refusal(() => parseStages('30s', 'concurrency'))).toMatch(/--stages expects DURATION:TARGET.*stage 1 is '30s'/);
    expect(refusal(() => parseStages('30s:10,2 parsecs:5', 'concurrency'))).toMatch(/--stages: stage 2 needs a duration/);
    expect(refusal(() => parseStages('30s:2.5', 'concurrency'))).toMatch(/--stages: stage 1 .*whole number/);
    expect(refusal(() => parseStages('30s:-1', 'arrival-rate'))).toMatch(/--stages: stage 1 .*calls per second/);
    expect(refusal(() => parseStages('0s:5', 'concurrency'))).toMatch(/lasts 0 s/);
    expect(refusal(() => parseStages('10s:0,5s:0', 'concurrency'))).toMatch(/never rises above 0/);
    for (const flag of ['calls', 'concurrency', 'duration', 'arrival-rate'] as const) {
      expect(refusal(() => parseLoadFlags({ stages: '10s:2', [flag]: '2' }, 1))).toMatch(new RegExp(`--stages and --${flag} are mutually exclusive`));
    }
    expect(refusal(() => parseLoadFlags({ 'stages-model': 'arrival-rate' }, 1))).toMatch(/--stages-model .*add --stages/);
    expect(refusal(() => parseLoadFlags({ stages: '10s:2', 'stages-model': 'vus' }, 1))).toMatch(/--stages-model expects one of concurrency, arrival-rate/);
    expect(refusal(() => parseLoadFlags({ stages: '10s:2', 'max-calls-in-flight': '5' }, 1))).toMatch(/--max-calls-in-flight applies to the open model/);
  });
});

describe('--shard', () => {
  it('is i/n, 1-based, with any load model', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    const choice = parseLoadFlags({ calls: '4', shard: '1/2' }, 1);
    expect(choice.shard).toEqual({ index: 1, count: 2 });
    expect(choice.load).toEqual({ model: 'closed', calls: 4, concurrency: 1 });
    expect(choice.description).toContain('shard 1/2');
  });

  it('refuses anything else in one line', () => {
    for (const raw of ['0/2', '3/2', '1', '1/0', 'a/b', '1/2/3', '-1/2']) expect(refusal(() => parseShard(raw))).toMatch(/--shard expects i\/n/);
  });
});
