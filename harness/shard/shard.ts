/**
 * Shards of one run (`callbench run --shard i/n`): n runs, each on its own machine or pod, that
 * together play the plan's calls once each. Shard i (1-based) plays the calls whose index in the
 * plan's order is i − 1 modulo n, whatever the seed or the machine: the same plan gives the same
 * calls to the same shard. Each call's upstream delays are drawn from a stream keyed by the call
 * (scenario and index; profiles.ts keyCall), so a call meets the same delays whichever shard plays
 * it. `callbench merge` adds the shards' results (merge.ts). Pure.
 */

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** How many of `total` things shard i/n gets: those k < total with k ≡ i − 1 (mod n). */
export function shardShare(total: number, shard: Shard): number {
  const base = Math.floor(total / shard.count);
  return base + (shard.index - 1 < total % shard.count ? 1 : 0);
}

/** The plan-wide index of the shard's `local`-th call. */
export function globalIndex(local: number, shard: Shard): number {
  return local * shard.count + (shard.index - 1);
}

/** Whether plan-wide call `index` is the shard's. */
export function isShardCall(index: number, shard: Shard): boolean {
  return index % shard.count === shard.index - 1;
}

/** A shard's share of a concurrency or an in-flight limit: never 0, so a shard can always play its calls. */
export function shardLimit(limit: number, shard: Shard): number {
  return Math.max(1, shardShare(limit, shard));
}

export function describeShard(shard: Shard): string {
  return `shard ${shard.index}/${shard.count}`;
}

/** The stream key of a call's upstream delays: the same call draws the same delays in any shard. */
export function callDelayKey(scenario: string, index: number): string {
  return `call:${scenario}#${index}`;
}
