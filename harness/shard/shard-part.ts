/**
 * What a shard's result.json carries beyond any run's, under `forMerge`, so that `callbench merge`
 * can add shards up exactly: the plan it is a part of (the merge refuses shards of different
 * plans), every raw sample per scenario and metric (the bootstrap intervals of the merged run
 * resample them), and the caller's frame-lateness histogram (result.json otherwise holds only its
 * percentiles). The per-scenario HDR histograms come from the shard's histograms.hlog. Pure.
 */
import type { BaselinePlan } from '../baseline/format.ts';
import { METRIC_NAMES, type MetricName } from '../metrics/definitions.ts';
import type { RunOutcome } from '../report/fold.ts';

export interface ShardPart {
  /** The whole plan this shard is part of, as a baseline names it (scenarios with digests, profile, seed, load, warm-up, agent). */
  plan: BaselinePlan;
  /** Every sample of every metric with samples, per scenario, in the order the shard's calls ended (ms). */
  samples: Record<string, Partial<Record<MetricName, number[]>>>;
  /** The caller's frame lateness over the shard's measured calls: an encoded HdrHistogram (µs). */
  pacing: string;
}

export function shardPartOf(outcome: RunOutcome, plan: BaselinePlan): ShardPart {
  const samples: ShardPart['samples'] = {};
  for (const scenario of outcome.scenarios) {
    const values: Partial<Record<MetricName, number[]>> = {};
    for (const name of METRIC_NAMES) if (scenario.samples[name].length > 0) values[name] = [...scenario.samples[name]];
    samples[scenario.name] = values;
  }
  return { plan, samples, pacing: outcome.pacingLateness.encode() };
}
