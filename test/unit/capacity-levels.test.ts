/** The levels `callbench capacity` plays: a list as given, or a ramp from --start by --factor that always ends at --max. */
import { describe, expect, it } from 'vitest';
import { parseLevels, rampLevels } from '../../harness/capacity/levels.ts';

describe('rampLevels', () => {
  it('doubles from the start and ends at the max, even where the factor skips it', () => {
    expect(rampLevels(1, 64, 2)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(rampLevels(1, 20, 2)).toEqual([1, 2, 4, 8, 16, 20]);
    expect(rampLevels(3, 3, 2)).toEqual([3]);
  });

  it('a small factor still climbs by at least one call a step', () => {
    expect(rampLevels(1, 5, 1.1)).toEqual([1, 2, 3, 4, 5]);
    expect(rampLevels(10, 20, 1.5)).toEqual([10, 15, 20]);
  });
});

describe('parseLevels', () => {
  it('takes rising whole numbers, spaces allowed', () => {
    expect(parseLevels('1, 2,4,8')).toEqual({ ok: true, levels: [1, 2, 4, 8] });
  });

  it('says what it expected of anything else', () => {
    expect(parseLevels('1,1')).toMatchObject({ ok: false, expected: expect.stringContaining('got 1 after 1') });
    expect(parseLevels('0,2')).toMatchObject({ ok: false, expected: expect.stringContaining("got '0'") });
    expect(parseLevels('1,2.5')).toMatchObject({ ok: false, expected: expect.stringContaining("got '2.5'") });
    expect(parseLevels('1,,2')).toMatchObject({ ok: false, expected: expect.stringContaining("got ''") });
    expect(parseLevels('1001')).toMatchObject({ ok: false, expected: expect.stringContaining('from 1 to 1000') });
  });
});
