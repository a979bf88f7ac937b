/**
 * `--stages` and `--shard` of `callbench run`, read into the runner's types (harness/runner/stages.ts,
 * harness/shard/shard.ts). Every problem is a UsageError naming the flag and what it expects.
 */
import type { Stage } from '../runner/stages.ts';
import type { Shard } from '../shard/shard.ts';
import { parseDurationMs } from './duration.ts';
import { UsageError } from './usage-error.ts';

/** What a stage's target is: callers in flight (closed model) or calls per second (open model). */
export type StagesModel = 'concurrency' | 'arrival-rate';

export const STAGES_MODELS: readonly StagesModel[] = ['concurrency', 'arrival-rate'];

/** Most stages one run takes: more is a typo, not a load shape. */
const MAX_STAGES = 100;
/** The largest target: the --concurrency and --arrival-rate limits. */
const MAX_TARGET: Record<StagesModel, number> = { concurrency: 1000, 'arrival-rate': 1000 };

const EXPECTS = "--stages expects DURATION:TARGET stages separated by commas, e.g. '30s:10,2m:200,30s:0'";

/**
 * `30s:10,2m:200,30s:0`: each stage a duration (as --duration takes it, or 0 for a step) and the
 * level it ramps to; a concurrency is a whole number of calls, a rate may be a fraction.
 */
export function parseStages(raw: string, model: StagesModel): Stage[] {
  const parts = raw.split(',').map((part) => part.trim());
  if (parts.length > MAX_STAGES) throw new UsageError(`--stages takes at most ${MAX_STAGES} stages, got ${parts.length}`);
  const stages = parts.map((part, i): Stage => {
    const match = /^([^:]+):([^:]+)$/.exec(part);
    if (match === null) throw new UsageError(`${EXPECTS}; stage ${i + 1} is '${part}'`);
    const [, durationText = '', targetText = ''] = match;
    const durationMs = /^0+(\.0+)?(ms|s|m|h)?$/.test(durationText.trim()) ? 0 : stageDuration(durationText, i);
    const target = Number(targetText);
    const whole = model === 'concurrency';
    const shape = whole ? /^\d+$/ : /^\d+(\.\d+)?$/;
    if (!shape.test(targetText.trim()) || !Number.isFinite(target) || target > MAX_TARGET[model]) {
      const what = whole ? 'a whole number of calls in flight' : 'calls per second (fractions allowed)';
      throw new UsageError(`--stages: stage ${i + 1} ('${part}') needs a target of ${what} from 0 to ${MAX_TARGET[model]}, got '${targetText}'`);
    }
    return { durationMs, target };
  });
  if (stages.every((s) => s.durationMs === 0)) throw new UsageError(`--stages '${raw}' lasts 0 s: give at least one stage a duration`);
  if (stages.every((s) => s.target === 0)) throw new UsageError(`--stages '${raw}' never rises above 0: no call would start`);
  return stages;
}

function stageDuration(text: string, i: number): number {
  try {
    return parseDurationMs('stages', text);
  } catch {
    throw new UsageError(`--stages: stage ${i + 1} needs a duration such as 30s, 2m, 1m30s, 500ms or 0s, got '${text}'`);
  }
}

/** Most shards of one plan. */
const MAX_SHARDS = 1000;

/** `i/n`: the i-th (1-based) of n shards. */
export function parseShard(raw: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(raw.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || count > MAX_SHARDS || index < 1 || index > count) {
    throw new UsageError(`--shard expects i/n, the i-th of n shards with 1 ≤ i ≤ n ≤ ${MAX_SHARDS} (e.g. 2/4), got '${raw}'`);
  }
  return { index, count };
}
