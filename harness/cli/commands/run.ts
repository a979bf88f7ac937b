/** `callbench run`: play scenarios against the reference agent on the mocks and report latency. */
import { createSystemClock } from '../../clock.ts';
import { PROFILES, profileNames } from '../../mocks/profiles.ts';
import { EXIT } from '../exit-codes.ts';
import { LOAD_HELP, LOAD_OPTIONS, parseLoadFlags } from '../load-options.ts';
import { choiceFlag, intFlag } from '../options.ts';
import { MODE_HELP, MODE_OPTIONS, parseModeFlags } from '../mode-flags.ts';
import { parseBargeInFlag, parseReplyFlags, refuseIdleReplyKnobs, REPLY_HELP, REPLY_OPTIONS } from '../reply-flags.ts';
import { packageVersion } from '../paths.ts';
import { agentLabel, checkOutDir } from '../report-dir.ts';
import { parseFlags } from '../parse-flags.ts';
import { loadPlannedScenarios, parseScenarioFlags } from '../scenario-flags.ts';
import { checkFaultsReachable } from '../fault-reach.ts';
import { checkThresholdScenarios, parseThresholdFlags, THRESHOLD_HELP, THRESHOLD_OPTIONS } from '../threshold-flags.ts';
import { parseTargetFlags, TARGET_HELP, TARGET_OPTIONS } from '../target-flags.ts';
import { designSettings, referenceAgentTarget } from '../reference-target.ts';
import { describeDesign } from '../../runner/agent-design.ts';
import { parseReportFlags, REPORT_HELP, REPORT_OPTIONS } from '../report-flags.ts';
import { BASELINE_HELP, BASELINE_OPTIONS, checkBaselineAgainst, checkSavePath, parseBaselineFlags, runBaselinePlan, wantsBaseline } from '../baseline-flags.ts';
import { parsePlantedFlags, PLANTED_HELP, PLANTED_OPTIONS } from '../planted-flags.ts';
import { UsageError } from '../usage-error.ts';
import { redactSecrets } from '../../runner/redact.ts';
import { TRUST_BOUNDS, TRUST_BOUNDS_ENV } from '../../report/trust-bounds.ts';
import { trustBoundsFrom } from '../trust-bounds-env.ts';
import { AGENT_DEFAULTS } from '../../../agent/options.ts';
import { DEFAULT_REPLY_OPTIONS } from '../../../agent/reply/reply-options.ts';
import type { CommandIo } from '../io.ts';
import { captureArgOf, checkReplayFlags, loadCaptureScenario } from '../capture-scenario.ts';

export const DEFAULT_SCENARIOS = ['greeting', 'long-answer', 'barge-in-mid-sentence'] as const;

export const RUN_HELP = `Usage: callbench run [options]

Plays scenarios as fake Twilio calls against the reference agent, with mock Deepgram and
OpenAI servers on 127.0.0.1, and prints latency percentiles measured on the audio the caller hears.

Options:
  --scenario NAME|FILE  scenario to play (repeatable, each once); a NAME (a-z, 0-9, -) is
                        ./scenarios/NAME.json, else callbench's own scenarios/NAME.json;
                        anything else a path (.json optional). Its fixtures are found beside it
                        (fixtures/NAME.wav, or a path relative to it), else among callbench's
                        default: ${DEFAULT_SCENARIOS.join(', ')}
  --scenario CAPTURE    a capture directory (callbench record): replays the recorded call, alone,
                        one call at a time, the mocks answering from the recording (callbench
                        replay CAPTURE is the same run; see callbench replay --help)
  --profile NAME        mock latency profile: ${profileNames().join(', ')} (default reference)
  --seed N              seed of the profile's delays (default 1)
  --json                print one JSON object on stdout instead of the tables (the report's
                        path goes to stderr)
  --out DIR             write the report files into DIR (created when missing) instead of
                        ./reports/<time>-<profile>-<agent>/ of the working directory
  --strict              fail (exit 3) a run that cannot be trusted: the caller's frame pacing
                        (p99 > ${TRUST_BOUNDS.pacingP99Ms} ms or max > ${TRUST_BOUNDS.pacingMaxMs} ms late) or the harness's event-loop delay
                        (p99 > ${TRUST_BOUNDS.eventLoopP99Ms} ms or max > ${TRUST_BOUNDS.eventLoopMaxMs} ms) beyond its bounds, even if every threshold
                        passed. Without it such a run only warns (the "warnings" array, a
                        WARNING line after the tables). ${TRUST_BOUNDS_ENV}=pacing.p99=MS,...
                        overrides the bounds (pacing.p99, pacing.max, event_loop.p99, event_loop.max)
  -h, --help            show this help

${LOAD_HELP}

${TARGET_HELP}

${MODE_HELP}

${REPLY_HELP}

${THRESHOLD_HELP}

${REPORT_HELP}

${BASELINE_HELP}

${PLANTED_HELP}

Each measured call is judged by the conformance checks (twilio.protocol, turn.answered,
bargein.no-leak, bargein.no-spurious-clear, realtime.truncate-accepted,
upstream.closed-after-hangup), printed after the tables.
Each run also writes result.json into its report folder (with a thresholds array: metric, scenario,
expression, observed, ok, samples; a targets array of the same shape, one entry per target and
scope; and a checks object) and the other report files (see Reports above).
Exit codes: 0 ok, 1 internal error, 2 usage or input error, 3 a call failed or an error-severity
check failed on a call (warnings never change the exit code) or the agent exited mid-run, or
(--strict) the run cannot be trusted, 99 a threshold failed. A conformance failure wins: such a
run exits 3 even when a threshold failed too.
Ctrl-C (SIGINT) or SIGTERM stops the run: the calls in flight are hung up, the agent and the mocks
stopped, the partial report printed and written ("partial": true), exit 130 / 143; a second
Ctrl-C exits at once.`;

/** parseArgs option specs of `callbench run`. */
export const RUN_OPTIONS = {
  scenario: { type: 'string', multiple: true },
  ...LOAD_OPTIONS,
  ...MODE_OPTIONS,
  ...REPLY_OPTIONS,
  ...THRESHOLD_OPTIONS,
  ...TARGET_OPTIONS,
  ...REPORT_OPTIONS,
  ...BASELINE_OPTIONS,
  ...PLANTED_OPTIONS,
  profile: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean', default: false },
  out: { type: 'string' },
  strict: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The flag values of `callbench run` (what `callbench replay` hands it too). */
export type RunFlagValues = ReturnType<typeof parseFlags<typeof RUN_OPTIONS>>;

/** `signal`, aborted with a signal's name ('SIGINT'), stops the run early: its partial report is still written. */
export async function runCommand(
  argv: string[],
  io: CommandIo,
  env: Readonly<Record<string, string | undefined>> = {},
  signal?: AbortSignal,
): Promise<number> {
  const values = parseFlags(argv, RUN_OPTIONS);
  if (values.help) {
    io.out(RUN_HELP);
    return EXIT.ok;
  }
  // A directory where a scenario is expected is a capture: its replay is the run's one scenario.
  const capture = captureArgOf(values.scenario ?? [], process.cwd());
  return runWithFlags(values, io, env, signal, capture === undefined ? undefined : { arg: capture, how: '--scenario CAPTURE' });
}

/**
 * The run the flags describe. `capture` replays a capture directory instead of the scenarios
 * (`arg` as given; `how` names how it was given, for the flags a replay refuses).
 */
export async function runWithFlags(
  values: RunFlagValues,
  io: CommandIo,
  env: Readonly<Record<string, string | undefined>>,
  signal: AbortSignal | undefined,
  capture: { arg: string; how: string } | undefined,
): Promise<number> {
  const cwd = process.cwd();
  const scenarioArgs = values.scenario ?? DEFAULT_SCENARIOS;
  const captureArg = capture?.arg;
  const scenarioSources = captureArg === undefined ? parseScenarioFlags(scenarioArgs) : [];
  const { load, warmup, shard, description: loadDescription } = parseLoadFlags(values, captureArg === undefined ? scenarioSources.length : 1);
  if (capture !== undefined) checkReplayFlags(values, load, capture.how);
  if (capture !== undefined && shard !== undefined) throw new UsageError(`--shard: a replay plays its one recorded call; ${capture.how} takes no shard`);
  const replay = captureArg === undefined ? undefined : await loadCaptureScenario(captureArg, cwd);
  const profileName = choiceFlag('profile', values.profile, 'reference', profileNames());
  const profile = replay?.plan.profile ?? PROFILES[profileName];
  if (profile === undefined) throw new UsageError(`--profile: no profile named '${profileName}'`);
  const seed = intFlag('seed', values.seed, 1, 0, 2 ** 32 - 1);
  const modeFlags = parseModeFlags(values, replay?.mode);
  const { realtime, callHeader } = modeFlags;
  // A replay on the reference agent defaults to the mode the capture's upstream shows.
  const mode = modeFlags.mode ?? (values['agent-cmd'] === undefined && values['agent-url'] === undefined ? replay?.mode : undefined);
  const reply = parseReplyFlags(values);
  refuseIdleReplyKnobs(values, reply);
  const bargeIn = parseBargeInFlag(values);
  const report = await parseReportFlags(values);
  // --targets-gate: the targets are thresholds as well (exit 99), after those given.
  const thresholds = [...(await parseThresholdFlags(values)), ...(report.targetsGate ? report.targets : [])];
  const trustBounds = trustBoundsFrom(env);
  const clock = createSystemClock();
  const target = parseTargetFlags(values, env, clock, mode);
  if (target.upstream.kind === 'real' && values.profile !== undefined) throw new UsageError('--profile applies to --upstream mocks only (the real services keep their own latency)');
  if (target.upstream.kind === 'real' && values.seed !== undefined) throw new UsageError("--seed applies to --upstream mocks only (it seeds the mock profile's delays)");
  const upstreamLabel =
    target.upstream.kind === 'real' ? 'the real services' : replay !== undefined ? `the mocks answering from the capture ${replay.arg} (call ${replay.capture.manifest.call.callSid})` : `profile ${profile.name}, seed ${seed}`;
  const planted = parsePlantedFlags(values, mode ?? AGENT_DEFAULTS.mode, target.agent !== undefined);
  if (target.agent !== undefined) {
    const designFlag = (['agent-mode', 'realtime-model', 'voice', 'vad-silence-ms', 'no-call-header', 'preset', 'text', 'tts', 'rest-body', 'playout', 'barge-in'] as const).find(
      (name) => values[name] !== undefined,
    );
    if (designFlag !== undefined) throw new UsageError(`--${designFlag} configures the reference agent; it does not apply with --agent-cmd or --agent-url`);
  }

  const planned = replay === undefined ? await loadPlannedScenarios(scenarioSources) : [{ ...replay.plan.planned, file: replay.dir }];
  checkFaultsReachable(
    planned,
    target.upstream.kind === 'real' ? { kind: 'no-mocks' } : target.agent !== undefined ? { kind: 'any' } : { kind: 'reference', mode: mode ?? AGENT_DEFAULTS.mode, tts: reply?.tts ?? DEFAULT_REPLY_OPTIONS.tts },
  );
  checkThresholdScenarios([...thresholds, ...report.targets], planned.map((p) => p.scenario.name));
  // The report folder is checked (and made) before the calls, so a bad --out costs no run.
  const out = await checkOutDir(values.out, cwd);
  const baselineFlags = await parseBaselineFlags(values, cwd);
  if (shard !== undefined && wantsBaseline(baselineFlags)) {
    throw new UsageError('--shard plays part of the plan: save or compare a baseline from the merged run (callbench merge), not from a shard');
  }

  const settings = designSettings({ mode, reply, realtime, bargeIn, callHeader });
  // The reference agent's module is loaded only for a run that uses it: it imports the SDKs, which a
  // team measuring its own agent need not install (optional-packages.ts).
  const agent =
    target.agent ?? (await referenceAgentTarget(settings, planted, { inProcess: target.agentInProcess, instead: 'or measure your own agent with --agent-cmd or --agent-url' }));
  // What a baseline must share with this run (the planted delay is not part of the design: it is the change a gate must catch).
  const baselinePlan = runBaselinePlan({
    scenarios: planned,
    profile: target.upstream.kind === 'real' ? 'real' : profile.name,
    seed,
    load,
    warmup,
    agent:
      target.agent === undefined
        ? { kind: 'reference', design: describeDesign(settings) }
        : values['agent-cmd'] !== undefined
          ? { kind: 'command', command: redactSecrets(values['agent-cmd']) }
          : { kind: 'url', url: values['agent-url'] ?? '' },
  });
  const baselineNotes = checkBaselineAgainst(baselineFlags, baselinePlan, packageVersion());
  for (const note of baselineNotes) io.progress(`callbench: --baseline ${baselineFlags.against?.shown ?? ''}: note: ${note.message}`);
  await checkSavePath(baselineFlags.save);
  io.progress(`callbench: ${planned.map((p) => p.scenario.name).join(', ')}; ${loadDescription}; ${upstreamLabel}; ${redactSecrets(agent.describe())}`);
  // Loaded here rather than at the top so that `run --help` and a refused flag need not load the harness's run machinery.
  const { playAndReport } = await import('./run-session.ts');
  return playAndReport({
    plan: {
      scenarios: planned,
      load,
      warmup,
      profile,
      seed,
      agent,
      authToken: target.authToken,
      upstream: replay !== undefined && target.upstream.kind === 'mocks' ? { ...target.upstream, replay: replay.source } : target.upstream,
      ...(report.callAudio ? { callAudio: true } : {}),
      ...(shard === undefined ? {} : { shard }),
    },
    clock,
    io,
    json: values.json,
    thresholds,
    signal,
    mockPort: values['mock-port'],
    strict: values.strict,
    trustBounds,
    version: packageVersion(),
    out,
    cwd,
    agentLabel: `${agentLabel({ cmd: values['agent-cmd'], url: values['agent-url'], preset: values.preset, mode })}${shard === undefined ? '' : `-shard-${shard.index}-of-${shard.count}`}`,
    // A shard's result.json carries what callbench merge needs: the plan it is part of, raw samples, the pacing histogram.
    ...(shard === undefined ? {} : { shardPlan: baselinePlan }),
    targets: report.targets,
    stepSummary: env.GITHUB_STEP_SUMMARY === '' ? undefined : env.GITHUB_STEP_SUMMARY,
    ...(replay === undefined ? {} : { replay }),
    ...(wantsBaseline(baselineFlags) ? { baseline: { flags: baselineFlags, plan: baselinePlan, notes: baselineNotes, version: packageVersion() } } : {}),
  });
}
