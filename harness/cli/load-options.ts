/**
 * The load flags of `callbench run`: closed model (`--calls`, `--concurrency`, or `--duration`)
 * or open model (`--arrival-rate` with `--duration`), either one ramped by `--stages`, `--warmup`,
 * and `--shard` (which part of the plan this machine plays). Every problem is a UsageError naming
 * the flags.
 */
import { DEFAULT_LATE_BOUND_MS, DEFAULT_MAX_IN_FLIGHT } from '../runner/load-models.ts';
import type { LoadPlan } from '../runner/run.ts';
import { describeStages, peakTarget, stagesDurationMs } from '../runner/stages.ts';
import { describeShard, type Shard } from '../shard/shard.ts';
import { parseDurationMs, parseRate } from './duration.ts';
import { choiceFlag, intFlag } from './options.ts';
import { parseShard, parseStages, STAGES_MODELS, type StagesModel } from './stage-flags.ts';
import { UsageError } from './usage-error.ts';

/** parseArgs option specs for the load flags. */
export const LOAD_OPTIONS = {
  calls: { type: 'string' },
  concurrency: { type: 'string' },
  'arrival-rate': { type: 'string' },
  duration: { type: 'string' },
  'max-calls-in-flight': { type: 'string' },
  warmup: { type: 'string' },
  stages: { type: 'string' },
  'stages-model': { type: 'string' },
  shard: { type: 'string' },
} as const;

export const LOAD_HELP = `Load (closed model by default; a closed model slows its arrivals when the agent is slow):
  --calls N             calls per scenario (default 1)
  --concurrency N       calls in flight at once, across scenarios (default: the number
                        of scenarios, i.e. one call of each at a time; a closed model)
  --duration D          keep starting calls until D has passed (30s, 2m, 1m30s, 500ms or
                        seconds); replaces --calls; with --arrival-rate, the open model's length
  --arrival-rate R      open model: start R calls per second (fractions allowed, e.g. 0.5)
                        on a fixed schedule whatever the agent does, scenarios round-robin;
                        needs --duration, excludes --calls and --concurrency. A call that is
                        more than ${DEFAULT_LATE_BOUND_MS} ms late or finds --max-calls-in-flight calls running
                        is dropped and counted, never started late
  --max-calls-in-flight N  open model: the most calls running at once (default ${DEFAULT_MAX_IN_FLIGHT})
  --stages S            ramp the load k6's way: stages DURATION:TARGET separated by commas,
                        each ramping linearly from the last target (from 0) to its own over
                        its duration, a 0s stage a step: '30s:10,2m:200,30s:0'. Replaces
                        --calls, --concurrency, --duration and --arrival-rate
  --stages-model M      what a stage's target is: concurrency (default; calls in flight, a
                        closed model: a caller above the level finishes its call and stops)
                        or arrival-rate (calls per second, the open model: dropped as with
                        --arrival-rate, --max-calls-in-flight applies)
  --warmup N            calls per scenario played first and left out of the statistics (default 0)
  --shard i/n           play only shard i of n of the plan's measured calls (those i − 1 modulo
                        n in the plan's order, each with its share of the concurrency, the
                        in-flight limit or each stage's target), e.g. one per machine or pod;
                        each call draws its mock delays from a stream keyed by the call, so it
                        meets the same delays in any shard. callbench merge DIR... adds the
                        shards' reports into the whole run's`;

export interface LoadFlagValues {
  calls?: string | undefined;
  concurrency?: string | undefined;
  'arrival-rate'?: string | undefined;
  duration?: string | undefined;
  'max-calls-in-flight'?: string | undefined;
  warmup?: string | undefined;
  stages?: string | undefined;
  'stages-model'?: string | undefined;
  shard?: string | undefined;
}

export interface LoadChoice {
  load: LoadPlan;
  warmup: number;
  /** `--shard i/n`: the part of the plan this run plays. */
  shard?: Shard;
  /** One line for the progress output. */
  description: string;
}

export function parseLoadFlags(values: LoadFlagValues, scenarioCount: number): LoadChoice {
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  const choice = parseModel(values, scenarioCount);
  if (shard === undefined) return choice;
  return { ...choice, shard, description: `${choice.description}; ${describeShard(shard)} of it` };
}

function parseModel(values: LoadFlagValues, scenarioCount: number): LoadChoice {
  const warmup = intFlag('warmup', values.warmup, 0, 0, 10_000);
  const warm = warmup > 0 ? `, ${warmup} warm-up call(s) per scenario` : '';
  if (values.stages !== undefined) return parseStagesLoad(values, values.stages, warmup, warm);
  if (values['stages-model'] !== undefined) throw new UsageError('--stages-model says what the targets of --stages are: add --stages');
  const durationMs = values.duration === undefined ? undefined : parseDurationMs('duration', values.duration);

  if (values['arrival-rate'] !== undefined) {
    for (const flag of ['calls', 'concurrency'] as const) {
      if (values[flag] !== undefined) {
        throw new UsageError(`--arrival-rate (open model) and --${flag} (closed model) are mutually exclusive; use --arrival-rate with --duration and --max-calls-in-flight`);
      }
    }
    const ratePerSec = parseRate('arrival-rate', values['arrival-rate'], 1000);
    if (durationMs === undefined) throw new UsageError('--arrival-rate needs --duration (how long calls keep arriving, e.g. 30s)');
    const maxInFlight = intFlag('max-calls-in-flight', values['max-calls-in-flight'], DEFAULT_MAX_IN_FLIGHT, 1, 10_000);
    return {
      load: { model: 'open', ratePerSec, durationMs, maxInFlight, lateBoundMs: DEFAULT_LATE_BOUND_MS },
      warmup,
      description: `open model, ${ratePerSec} call(s)/s for ${durationMs / 1000} s, at most ${maxInFlight} in flight${warm}`,
    };
  }
  if (values['max-calls-in-flight'] !== undefined) throw new UsageError('--max-calls-in-flight applies to the open model only: add --arrival-rate');
  const concurrency = intFlag('concurrency', values.concurrency, scenarioCount, 1, 1000);
  if (durationMs !== undefined) {
    if (values.calls !== undefined) throw new UsageError('--duration and --calls are mutually exclusive in the closed model: one bounds the run by time, the other by count');
    return {
      load: { model: 'closed-duration', durationMs, concurrency },
      warmup,
      description: `closed model, calls started for ${durationMs / 1000} s, concurrency ${concurrency}${warm}`,
    };
  }
  const calls = intFlag('calls', values.calls, 1, 1, 100_000);
  return {
    load: { model: 'closed', calls, concurrency },
    warmup,
    description: `closed model, ${calls} call(s) per scenario, concurrency ${concurrency}${warm}`,
  };
}

/** `--stages`: ramping concurrency (closed model) or ramping arrival rate (open model). */
function parseStagesLoad(values: LoadFlagValues, raw: string, warmup: number, warm: string): LoadChoice {
  for (const flag of ['calls', 'concurrency', 'duration', 'arrival-rate'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--stages and --${flag} are mutually exclusive: the stages give the load's level and length`);
  }
  const model: StagesModel = choiceFlag('stages-model', values['stages-model'], 'concurrency', STAGES_MODELS);
  const stages = parseStages(raw, model);
  const durationMs = stagesDurationMs(stages);
  const peak = peakTarget(stages);
  const shape = describeStages(stages);
  if (model === 'concurrency') {
    if (values['max-calls-in-flight'] !== undefined) throw new UsageError('--max-calls-in-flight applies to the open model only: add --stages-model arrival-rate');
    return {
      load: { model: 'closed-duration', durationMs, concurrency: peak, stages },
      warmup,
      description: `closed model, concurrency ramped by stages ${shape} (peak ${peak}, ${durationMs / 1000} s)${warm}`,
    };
  }
  const maxInFlight = intFlag('max-calls-in-flight', values['max-calls-in-flight'], DEFAULT_MAX_IN_FLIGHT, 1, 10_000);
  return {
    load: { model: 'open', ratePerSec: peak, durationMs, maxInFlight, lateBoundMs: DEFAULT_LATE_BOUND_MS, stages },
    warmup,
    description: `open model, arrival rate ramped by stages ${shape} (peak ${peak} call(s)/s, ${durationMs / 1000} s), at most ${maxInFlight} in flight${warm}`,
  };
}
