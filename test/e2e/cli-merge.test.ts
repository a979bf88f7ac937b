/**
 * `callbench run --shard i/n` and `callbench merge` as a user meets them: a small plan (4 short
 * calls, the instant profile, the reference agent) run once whole and once as 2 shards; the
 * shards play the one-shot run's calls between them, and the merged result is exactly the sum of
 * its shards: per-metric sample counts (in result.json, per scenario and overall, and in
 * histograms.hlog) and check tallies. Counts and sets only: no latency value is compared, and no
 * count of one run is compared with another run's (a stage sample a loaded machine moved out of
 * its reply's window, or a check a late frame failed, would differ between two runs, not in a merge). Then what merge refuses (the same shard twice, a shard of another plan, a report
 * that is not a shard's: one line, exit 2) and what it says of a missing shard (partial, exit 3).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_IDS } from '../../harness/checks/check.ts';
import { readHistogramLog } from '../../harness/report/hlog-read.ts';
import { runCli, type Exit } from './helpers/callbench.ts';

const SCENARIO = 'test/e2e/fixtures/short-turns.json';
const PLAN = ['run', '--scenario', SCENARIO, '--scenario', 'greeting', '--profile', 'instant', '--calls', '2', '--concurrency', '2'];

interface Result {
  partial?: boolean;
  merged?: { shards: number; of: number; missing: number[] };
  metrics: Record<string, { count: number }>;
  scenarios: Record<string, { calls: number; failedCalls: number; turns: Record<string, number>; metrics: Record<string, { count: number }>; checks: Record<string, { status: string; checked: number; failed: number; skipped: number }> }>;
  checks: Record<string, { status: string; checked: number; failed: number; skipped: number }>;
}

const readResult = async (dir: string): Promise<Result> => JSON.parse(await readFile(path.join(dir, 'result.json'), 'utf8')) as Result;

/** Samples per metric in a histograms.hlog, over every tag and interval. */
async function hlogCounts(dir: string): Promise<Record<string, number>> {
  const read = readHistogramLog(await readFile(path.join(dir, 'histograms.hlog'), 'utf8'));
  if (!read.ok) throw new Error(`histograms.hlog line ${read.line}`);
  const counts: Record<string, number> = {};
  for (const line of read.lines) {
    const metric = line.tag.split('/')[0] ?? '';
    counts[metric] = (counts[metric] ?? 0) + line.histogram.count;
  }
  return counts;
}

const counts = (metrics: Record<string, { count: number }>): Record<string, number> => Object.fromEntries(Object.entries(metrics).map(([name, m]) => [name, m.count]));
/** Counts added key by key. */
const added = (parts: ReadonlyArray<Record<string, number>>): Record<string, number> => {
  const total: Record<string, number> = {};
  for (const part of parts) for (const [key, n] of Object.entries(part)) total[key] = (total[key] ?? 0) + n;
  return total;
};
/** Each check's checked / failed / skipped counts as flat keys, for adding. */
const checkedSums = (checks: Result['checks']): Record<string, number> =>
  Object.fromEntries(CHECK_IDS.flatMap((id) => (['checked', 'failed', 'skipped'] as const).map((k) => [`${id}.${k}`, checks[id]?.[k] ?? 0])));

function expectOneLine(result: Exit, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
}

describe('callbench run --shard and callbench merge', { timeout: 240_000 }, () => {
  let dir: string;
  const at = (name: string): string => path.join(dir, name);
  let whole: Exit;
  let merged: Exit;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'callbench-merge-'));
    // The one-shot run and the two shards side by side: no figure of one is compared with another's.
    const [one, ...shards] = await Promise.all([runCli([...PLAN, '--out', at('whole')]), ...[1, 2].map((i) => runCli([...PLAN, '--shard', `${i}/2`, '--out', at(`shard-${i}`)]))]);
    whole = one as Exit;
    // 0, or 3 when a check failed on some call: either way a report to merge.
    for (const shard of [whole, ...shards]) expect([0, 3], shard.stderr).toContain(shard.code);
    merged = await runCli(['merge', at('shard-1'), at('shard-2'), '--out', at('merged')]);
  }, 240_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("the shards play the one-shot run's calls, and the merged run is exactly their sum: per-metric sample counts and check tallies", async () => {
    expect([0, 3], merged.stderr).toContain(merged.code);
    const one = await readResult(at('whole'));
    const parts = await Promise.all([readResult(at('shard-1')), readResult(at('shard-2'))]);
    const sum = await readResult(at('merged'));
    expect(sum.merged).toEqual({ shards: 2, of: 2, missing: [] });
    expect(sum.partial).toBeUndefined();
    expect(Object.keys(sum.scenarios).sort()).toEqual(Object.keys(one.scenarios).sort());
    expect(Object.keys(sum.metrics).length).toBeGreaterThan(1);
    expect(counts(sum.metrics)).toEqual(added(parts.map((p) => counts(p.metrics))));
    for (const [name, scenario] of Object.entries(one.scenarios)) {
      const part = sum.scenarios[name];
      const shardParts = parts.map((p) => p.scenarios[name]);
      // Every call of the plan, once: the shards split the one-shot run's calls.
      expect(part?.calls).toBe(scenario.calls);
      expect(shardParts.reduce((n, p) => n + (p?.calls ?? 0), 0)).toBe(scenario.calls);
      expect(part?.failedCalls).toBe(shardParts.reduce((n, p) => n + (p?.failedCalls ?? 0), 0));
      expect(part?.turns).toEqual(added(shardParts.map((p) => p?.turns ?? {})));
      expect(counts(part?.metrics ?? {})).toEqual(added(shardParts.map((p) => counts(p?.metrics ?? {}))));
      expect(checkedSums(part?.checks ?? {})).toEqual(added(shardParts.map((p) => checkedSums(p?.checks ?? {}))));
    }
    expect(checkedSums(sum.checks)).toEqual(added(parts.map((p) => checkedSums(p.checks))));
    expect(await hlogCounts(at('merged'))).toEqual(added(await Promise.all([hlogCounts(at('shard-1')), hlogCounts(at('shard-2'))])));
    expect(merged.stdout).toContain('Merged from 2 of 2 shard(s)');
  });

  it('a missing shard is said: the result is partial, exit 3', async () => {
    const result = await runCli(['merge', at('shard-2'), '--out', at('partial')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('partial: shard(s) 1 of 2 missing');
    expect(result.stdout).toMatch(/^PARTIAL RUN: shard\(s\) 1 of 2 missing/);
    const partial = await readResult(at('partial'));
    expect(partial.partial).toBe(true);
    expect(partial.merged).toEqual({ shards: 1, of: 2, missing: [1] });
  });

  it('refuses the same shard twice, a shard of another plan and a report that is not a shard, in one line, exit 2', async () => {
    expectOneLine(await runCli(['merge', at('shard-1'), at('shard-1')]), /^callbench: merge: .*shard-1 and .*shard-1 are both shard 1\/2/);
    await cp(at('shard-2'), at('other-seed'), { recursive: true });
    const result = JSON.parse(await readFile(at('other-seed/result.json'), 'utf8')) as { forMerge: { plan: { seed: number } } };
    result.forMerge.plan.seed = 7;
    await writeFile(at('other-seed/result.json'), JSON.stringify(result));
    expectOneLine(await runCli(['merge', at('shard-1'), at('other-seed')]), /^callbench: merge: .*other-seed is a shard of another plan than .*shard-1: its seed is 7, not 1/);
    expectOneLine(await runCli(['merge', at('shard-1'), at('whole')]), /^callbench: .*whole\/result\.json: shard is missing: this is not a shard's report/);
    expectOneLine(await runCli(['merge', at('nowhere')]), /^callbench: .*nowhere\/result\.json is not there/);
    expectOneLine(await runCli(['merge']), /^callbench: merge expects the report folders/);
  });
});
