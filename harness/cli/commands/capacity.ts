/**
 * `callbench capacity`: ramps the calls in flight step by step (harness/capacity/ramp.ts) until a
 * criterion breaks (harness/capacity/decide.ts), and prints the per-step table and the highest
 * load that held, naming the agent or the harness as the limit.
 */
import { availableParallelism, constants } from 'node:os';
import { createSystemClock } from '../../clock.ts';
import type { CapacityCriteria } from '../../capacity/decide.ts';
import { MAX_LEVEL, parseLevels, rampLevels } from '../../capacity/levels.ts';
import type { CapacityResult, PlayedStep, StepLength } from '../../capacity/ramp.ts';
import { METRIC_NAMES, type MetricName } from '../../metrics/definitions.ts';
import { PROFILES, profileNames } from '../../mocks/profiles.ts';
import { CAPACITY_UNIT, capacityJson, renderCapacityReport, type CapacityContext } from '../../report/capacity-report.ts';
import { TRUST_BOUNDS_ENV } from '../../report/trust-bounds.ts';
import { AgentUnreachableError } from '../../runner/external-agent.ts';
import { AgentStartError } from '../../runner/process-agent.ts';
import { redactSecrets } from '../../runner/redact.ts';
import { AGENT_OPTIONS, parseAgentFlags } from '../agent-flags.ts';
import { parseDurationMs } from '../duration.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { MODE_HELP } from '../mode-flags.ts';
import { choiceFlag, intFlag } from '../options.ts';
import { parseFlags } from '../parse-flags.ts';
import { PLANTED_HELP } from '../planted-flags.ts';
import { REPLY_HELP } from '../reply-flags.ts';
import { loadPlannedScenarios, parseScenarioFlags } from '../scenario-flags.ts';
import { TARGET_HELP } from '../target-flags.ts';
import { trustBoundsFrom } from '../trust-bounds-env.ts';
import { UsageError } from '../usage-error.ts';

const DEFAULTS = {
  scenario: 'question',
  // No modeled upstream delay: what grows with the load is the agent's own time (and the harness's).
  profile: 'instant',
  metric: 'turn.response_ms' as MetricName,
  start: 1,
  max: 64,
  factor: 2,
  callsPerCaller: 4,
  warmup: 1,
  p95Factor: 2,
  minSamples: 4,
} as const;

export const CAPACITY_HELP = `Usage: callbench capacity [options]

Finds the most calls an agent holds at once. It plays a ramp of steps, each a closed model of L
calls in flight (${rampLevels(DEFAULTS.start, DEFAULTS.max, DEFAULTS.factor).join(', ')} by default), and stops at the first step that breaks:
  - a call failed, or the agent exited (the agent's limit);
  - the headline metric's p95 is beyond --p95-factor × its p95 at the first step, the low-load
    reference (the agent's limit);
  - the caller's frame pacing p99 or the harness's event-loop delay p99 is beyond its bound (the
    harness's limit: every latency it read at that step may read high; named even when the agent
    broke at the same step);
  - the step gave fewer than --min-samples samples of the headline metric (no verdict).
It prints one row per step played (calls, failed calls, the headline p50 and p95, pacing p99,
event-loop p99, the CPU callbench's process used, the reference agent's worker thread included)
and the highest load that held. Each step starts its own mocks and its own agent (an
--agent-url agent excepted), after its own warm-up.

Ramp:
  --levels L,L,...      the levels to play, calls in flight, rising (e.g. 1,2,4,8); replaces
                        --start, --max and --factor
  --start N             the first level (default ${DEFAULTS.start})
  --max N               the last level (default ${DEFAULTS.max}, at most ${MAX_LEVEL}): the ramp ends there even where
                        the factor would skip it
  --factor F            each level F × the one before, rounded, at least one more (default ${DEFAULTS.factor})
  --calls-per-caller N  each of a step's L callers plays N calls of each scenario: a step plays
                        N × L calls of each (default ${DEFAULTS.callsPerCaller})
  --step-duration D     instead, the L callers start calls for D (30s, 2m, 1m30s, 500ms or
                        seconds); excludes --calls-per-caller
  --warmup N            calls of each scenario played first at each step, at its level, and left
                        out of its figures (default ${DEFAULTS.warmup})

Criteria:
  --metric NAME         the headline metric (default ${DEFAULTS.metric}; greeting.first_audio_ms for
                        scenarios without a caller turn)
  --p95-factor F        a step breaks when the headline p95 is beyond F × the first step's (default ${DEFAULTS.p95Factor})
  --pacing-bound-ms MS  a step breaks when the caller's frame pacing p99 is beyond MS (default:
                        run's trust bound, pacing.p99 of ${TRUST_BOUNDS_ENV}, else 10)
  --event-loop-bound-ms MS  a step breaks when the harness's event-loop delay p99 is beyond MS
                        (default: event_loop.p99 of ${TRUST_BOUNDS_ENV}, else 20)
  --min-samples N       fewest headline samples a step must give to be judged (default ${DEFAULTS.minSamples})

Options:
  --scenario NAME|FILE  scenario to play (repeatable, as run takes it; default ${DEFAULTS.scenario})
  --profile NAME        mock latency profile: ${profileNames().join(', ')}
                        (default ${DEFAULTS.profile}: no modeled delay, so what grows with the load is
                        the agent's own time)
  --seed N              seed of the profile's delays (default 1)
  --json                print one JSON object on stdout instead of the table
  -h, --help            show this help

${TARGET_HELP}

${MODE_HELP}

${REPLY_HELP}

${PLANTED_HELP}

Progress goes to stderr, one line as each step ends. Nothing is written to disk.
Exit codes: 0 a limit was found, or every level held (the verdict says which), 1 internal error,
2 usage or input error (one line), 130 / 143 interrupted (the steps judged so far are printed).`;

/** parseArgs option specs of `callbench capacity`. */
export const CAPACITY_OPTIONS = {
  scenario: { type: 'string', multiple: true },
  levels: { type: 'string' },
  start: { type: 'string' },
  max: { type: 'string' },
  factor: { type: 'string' },
  'calls-per-caller': { type: 'string' },
  'step-duration': { type: 'string' },
  warmup: { type: 'string' },
  metric: { type: 'string' },
  'p95-factor': { type: 'string' },
  'pacing-bound-ms': { type: 'string' },
  'event-loop-bound-ms': { type: 'string' },
  'min-samples': { type: 'string' },
  ...AGENT_OPTIONS,
  profile: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** A number above `min` (fractions allowed) and at most `max`. */
function numberFlag(flag: string, raw: string | undefined, fallback: number, min: number, max: number, what: string): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(value) || value <= min || value > max) {
    throw new UsageError(`--${flag} expects ${what} above ${min} and at most ${max}, got '${raw}'`);
  }
  return value;
}

/** A bound in ms: 0 or more (0: any lateness at all breaks the step). */
function boundFlag(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(value) || value > 60_000) throw new UsageError(`--${flag} expects a number of ms from 0 to 60000, got '${raw}'`);
  return value;
}

type CapacityValues = ReturnType<typeof parseFlags<typeof CAPACITY_OPTIONS>>;

function parseRamp(values: CapacityValues): number[] {
  if (values.levels !== undefined) {
    const given = (['start', 'max', 'factor'] as const).find((flag) => values[flag] !== undefined);
    if (given !== undefined) throw new UsageError(`--levels and --${given} are mutually exclusive: --levels lists every level, --start, --max and --factor make a ramp`);
    const parsed = parseLevels(values.levels);
    if (!parsed.ok) throw new UsageError(`--levels '${values.levels}': ${parsed.expected}`);
    return parsed.levels;
  }
  const start = intFlag('start', values.start, DEFAULTS.start, 1, MAX_LEVEL);
  const max = intFlag('max', values.max, Math.max(DEFAULTS.max, start), 1, MAX_LEVEL);
  if (max < start) throw new UsageError(`--max ${max} is below --start ${start}: the ramp goes up from --start to --max`);
  const factor = numberFlag('factor', values.factor, DEFAULTS.factor, 1, 100, 'a number (fractions allowed, e.g. 1.5)');
  return rampLevels(start, max, factor);
}

function parseLength(values: CapacityValues): StepLength {
  if (values['step-duration'] !== undefined) {
    if (values['calls-per-caller'] !== undefined) throw new UsageError('--step-duration and --calls-per-caller are mutually exclusive: one bounds a step by time, the other by count');
    return { kind: 'duration', durationMs: parseDurationMs('step-duration', values['step-duration']) };
  }
  return { kind: 'calls', callsPerCaller: intFlag('calls-per-caller', values['calls-per-caller'], DEFAULTS.callsPerCaller, 1, 10_000) };
}

const ms = (value: number | undefined): string => (value === undefined ? '-' : `${Math.round(value * 100) / 100} ms`);

/** The progress line of a step once it has been judged. */
function stepLine(played: PlayedStep, of: number, metric: string): string {
  const { step, reasons, result } = played;
  const headline = step.headline.count === 0 ? `no ${metric} sample` : `${metric} p50 ${ms(step.headline.p50)}, p95 ${ms(step.headline.p95)} (n=${step.headline.count})`;
  const cpu = step.cpuPercent === undefined ? '' : `, cpu ${Math.round(step.cpuPercent)}%`;
  const verdict = reasons.length === 0 ? 'held' : `broke: ${reasons.map((r) => r.message).join('; ')}`;
  const exited = result.state === 'agent-exited' ? ` (${result.message})` : '';
  return `callbench capacity: step ${played.index + 1}/${of}: ${step.level} ${CAPACITY_UNIT}, ${step.calls} call(s), ${step.failedCalls} failed; ${headline}; pacing p99 ${ms(step.pacingP99Ms)}, loop p99 ${ms(step.eventLoopP99Ms)}${cpu}: ${verdict}${exited}`;
}

/** A process stopped by a signal exits 128 + its number: 130 for SIGINT, 143 for SIGTERM. */
function signalExitCode(reason: string): number {
  const number = (constants.signals as Record<string, number | undefined>)[reason];
  return number === undefined ? EXIT.internal : 128 + number;
}

export async function capacityCommand(argv: string[], io: CommandIo, env: Readonly<Record<string, string | undefined>> = {}, signal?: AbortSignal): Promise<number> {
  const values = parseFlags(argv, CAPACITY_OPTIONS);
  if (values.help) {
    io.out(CAPACITY_HELP);
    return EXIT.ok;
  }
  const levels = parseRamp(values);
  const length = parseLength(values);
  const warmup = intFlag('warmup', values.warmup, DEFAULTS.warmup, 0, 10_000);
  const metric = choiceFlag<MetricName>('metric', values.metric, DEFAULTS.metric, METRIC_NAMES);
  const bounds = trustBoundsFrom(env);
  const criteria: CapacityCriteria = {
    metric,
    p95Factor: numberFlag('p95-factor', values['p95-factor'], DEFAULTS.p95Factor, 1, 1000, 'a number (fractions allowed, e.g. 1.5)'),
    pacingP99Ms: boundFlag('pacing-bound-ms', values['pacing-bound-ms'], bounds.pacingP99Ms),
    eventLoopP99Ms: boundFlag('event-loop-bound-ms', values['event-loop-bound-ms'], bounds.eventLoopP99Ms),
    minSamples: intFlag('min-samples', values['min-samples'], DEFAULTS.minSamples, 1, 1_000_000),
  };
  const profileName = choiceFlag('profile', values.profile, DEFAULTS.profile, profileNames());
  const profile = PROFILES[profileName];
  if (profile === undefined) throw new UsageError(`--profile: no profile named '${profileName}'`);
  const seed = intFlag('seed', values.seed, 1, 0, 2 ** 32 - 1);
  const planned = await loadPlannedScenarios(parseScenarioFlags(values.scenario ?? [DEFAULTS.scenario]));
  const clock = createSystemClock();
  const choice = await parseAgentFlags(values, env, clock, planned);

  const perStep = length.kind === 'calls' ? `${length.callsPerCaller} call(s) of each scenario per caller per step` : `callers starting calls for ${length.durationMs / 1000} s per step`;
  const upstream = choice.upstream.kind === 'real' ? 'the real services' : `profile ${profile.name}, seed ${seed}`;
  io.progress(
    `callbench capacity: ${planned.map((p) => p.scenario.name).join(', ')}; levels ${levels.join(', ')} ${CAPACITY_UNIT}; ${perStep}${warmup > 0 ? `, ${warmup} warm-up call(s) of each first` : ''}; ` +
      `${upstream}; ${redactSecrets(choice.agent.describe())}`,
  );
  // Loaded here rather than at the top so that `capacity --help` and a refused flag need not load the run machinery.
  const { rampCapacity } = await import('../../capacity/ramp.ts');
  let result: CapacityResult;
  try {
    result = await rampCapacity(
      {
        run: { scenarios: planned, warmup, profile, seed, agent: choice.agent, authToken: choice.authToken, upstream: choice.upstream },
        levels,
        length,
        metric,
        criteria,
      },
      { clock, ...(signal === undefined ? {} : { signal }), onStep: (played) => io.progress(stepLine(played, levels.length, metric)) },
    );
  } catch (error) {
    // What the user can fix: the agent command or URL, or ports taken by something else.
    if (error instanceof AgentStartError) throw new UsageError(`--agent-cmd: ${error.message}`);
    if (error instanceof AgentUnreachableError) throw new UsageError(`--agent-url ${error.message}`);
    if (values['mock-port'] !== undefined && (error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const port = Number(values['mock-port']);
      throw new UsageError(`--mock-port ${values['mock-port']}: port ${port}, ${port + 1} or ${port + 2} is already in use`);
    }
    throw error;
  }
  const context: CapacityContext = { criteria, levels, length, warmup, inProcessReference: choice.inProcessReference, cores: availableParallelism() };
  io.out(values.json ? JSON.stringify(capacityJson(result, context)) : renderCapacityReport(result, context));
  return result.end.state === 'interrupted' ? signalExitCode(result.end.reason) : EXIT.ok;
}
