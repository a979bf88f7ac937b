/**
 * Plays a run's measured calls under its load model (load-models.ts, stages.ts), for the whole
 * plan or for one shard of it (harness/shard/shard.ts): maps each model's job or arrival numbers
 * to a scenario and a call index in the plan's order, so that shard i/n plays exactly the calls
 * i − 1 modulo n of the one-shot run, each under the same scenario and index.
 *
 * - closed: call k of the plan is call k mod calls of scenario ⌊k / calls⌋ (scenario-major); a
 *   shard plays its share of the calls with its share of the concurrency;
 * - closed for a duration, and ramping concurrency: scenarios round-robin (k mod S, ⌊k / S⌋); a
 *   shard runs its share of the callers (of each stage's target);
 * - open, constant or ramping rate: arrival k is due when the whole plan's call k is; a shard is
 *   given the arrivals that are its own, and its share of the in-flight limit.
 */
import type { Clock } from '../clock.ts';
import { globalIndex, shardLimit, shardShare, type Shard } from '../shard/shard.ts';
import { runArrivals, runClosedCount, runClosedForDuration, scheduledArrivals, type Arrival, type DropReason } from './load-models.ts';
import type { LoadPlan } from './run.ts';
import { rampingArrivalTimes, runRampingConcurrency, type Stage } from './stages.ts';

export interface LoadPlayer {
  /** Plays call `index` of scenario `s`; `lagMs` is an open model's start lag. Never rejects for a failed call. */
  play(s: number, index: number, lagMs?: number): Promise<void>;
  /** An open model's call that came due and was not started. */
  drop(s: number, index: number, reason: DropReason, lagMs: number): void;
}

const WHOLE: Shard = { index: 1, count: 1 };

/** Plays the measured calls; resolves, once they have ended, with the open model's count of calls due (undefined for a closed model). */
export async function playLoad(clock: Clock, load: LoadPlan, scenarios: number, shard: Shard | undefined, player: LoadPlayer, signal: AbortSignal): Promise<number | undefined> {
  const part = shard ?? WHOLE;
  const S = scenarios;
  const roundRobin = (local: number): Promise<void> => {
    const k = globalIndex(local, part);
    return player.play(k % S, Math.floor(k / S));
  };
  switch (load.model) {
    case 'closed': {
      const { calls } = load;
      await runClosedCount(shardLimit(load.concurrency, part), shardShare(calls * S, part), (local) => {
        const k = globalIndex(local, part);
        return player.play(Math.floor(k / calls), k % calls);
      }, signal);
      return undefined;
    }
    case 'closed-duration':
      if (load.stages !== undefined) await runRampingConcurrency(clock, shardStages(load.stages, part), roundRobin, signal);
      else await runClosedForDuration(clock, shardLimit(load.concurrency, part), load.durationMs, roundRobin, signal);
      return undefined;
    case 'open': {
      const all = load.stages !== undefined ? rampingArrivalTimes(load.stages) : undefined;
      const interval = 1000 / load.ratePerSec;
      const total = all?.length ?? scheduledArrivals(load.ratePerSec, load.durationMs);
      const dueOf = (k: number): number => (all === undefined ? k * interval : (all[k] ?? Infinity));
      const onArrival = (arrival: Arrival): [number, number, number] => {
        const k = globalIndex(arrival.index, part);
        return [k % S, Math.floor(k / S), arrival.at - arrival.intendedAt];
      };
      const result = await runArrivals(
        clock,
        { total: shardShare(total, part), dueAfter: (local) => dueOf(globalIndex(local, part)) },
        { maxInFlight: shardLimit(load.maxInFlight, part), lateBoundMs: load.lateBoundMs },
        (arrival) => {
          const [s, index, lag] = onArrival(arrival);
          return player.play(s, index, lag);
        },
        (arrival, reason) => {
          const [s, index, lag] = onArrival(arrival);
          player.drop(s, index, reason, lag);
        },
        signal,
      );
      return result.scheduled;
    }
  }
}

/** A shard's stages: its share of each stage's target (shares of integer targets add up to them). */
export function shardStages(stages: readonly Stage[], shard: Shard): Stage[] {
  if (shard.count === 1) return [...stages];
  return stages.map((s) => ({ durationMs: s.durationMs, target: shardShare(s.target, shard) }));
}
