/**
 * Common random numbers in the mocks' delays: calls given one stream key draw the same sequence
 * of each delay whatever else draws meanwhile; calls without a key keep the run's shared stream,
 * unchanged by keyed draws.
 */
import { describe, expect, it } from 'vitest';
import { createDelaySampler, PROFILES } from '../../harness/mocks/profiles.ts';

const reference = PROFILES['reference'];
if (reference === undefined) throw new Error('no reference profile');

describe('DelaySampler keyed streams', () => {
  it('gives two calls of one key the same delays, however their draws interleave', () => {
    const sampler = createDelaySampler(reference, 7);
    sampler.keyCall('A', 'pair-1');
    sampler.keyCall('B', 'pair-1');
    const a = [sampler.sample('llm.first_token_ms', 'A'), sampler.sample('llm.first_token_ms', 'A')];
    sampler.sample('llm.first_token_ms', 'other');
    const b = [sampler.sample('llm.first_token_ms', 'B')];
    sampler.sample('tts.first_byte_ms', 'B');
    b.push(sampler.sample('llm.first_token_ms', 'B'));
    expect(b).toEqual(a);
    expect(sampler.draws()).toEqual({ keyed: 5, shared: 1 });
  });

  it('gives another key other delays', () => {
    const sampler = createDelaySampler(reference, 7);
    sampler.keyCall('A', 'pair-1');
    sampler.keyCall('C', 'pair-2');
    expect(sampler.sample('llm.first_token_ms', 'A')).not.toBe(sampler.sample('llm.first_token_ms', 'C'));
  });

  it('leaves the shared stream as it was without keys', () => {
    const plain = createDelaySampler(reference, 3);
    const keyed = createDelaySampler(reference, 3);
    keyed.keyCall('A', 'k');
    const expected = [plain.sample('stt.result_lag_ms'), plain.sample('stt.result_lag_ms', 'unkeyed')];
    keyed.sample('stt.result_lag_ms', 'A');
    expect([keyed.sample('stt.result_lag_ms'), keyed.sample('stt.result_lag_ms', 'unkeyed')]).toEqual(expected);
  });
});
