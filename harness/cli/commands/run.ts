/** `callbench run`: play scenarios against the reference agent on the mocks and report latency. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createSystemClock } from '../../clock.ts';
import { METRICS, type MetricName } from '../../metrics/definitions.ts';
import { PROFILES, profileNames } from '../../mocks/profiles.ts';
import { renderSummaryTable } from '../../report/table.ts';
import { renderThresholds } from '../../report/thresholds-table.ts';
import { renderChecks } from '../../report/checks-table.ts';
import { failedErrorChecks } from '../../checks/summary.ts';
import { evaluateThresholds, outcomeHistograms } from '../../gate/evaluate.ts';
import { summarize } from '../../report/summary.ts';
import { createReferenceAgentTarget } from '../../runner/reference-agent.ts';
import { run } from '../../runner/run.ts';
import { EXIT } from '../exit-codes.ts';
import { LOAD_HELP, LOAD_OPTIONS, parseLoadFlags } from '../load-options.ts';
import { choiceFlag, intFlag } from '../options.ts';
import { MODE_HELP, MODE_OPTIONS, parseModeFlags } from '../mode-flags.ts';
import { parseBargeInFlag, parseReplyFlags, refuseIdleReplyKnobs, REPLY_HELP, REPLY_OPTIONS } from '../reply-flags.ts';
import { PACKAGE_ROOT } from '../paths.ts';
import { parseFlags } from '../parse-flags.ts';
import { loadPlannedScenarios, parseScenarioFlags } from '../scenario-flags.ts';
import { checkFaultsReachable } from '../fault-reach.ts';
import { checkThresholdScenarios, parseThresholdFlags, THRESHOLD_HELP, THRESHOLD_OPTIONS } from '../threshold-flags.ts';
import { parseTargetFlags, TARGET_HELP, TARGET_OPTIONS } from '../target-flags.ts';
import { AgentStartError } from '../../runner/process-agent.ts';
import { UsageError } from '../usage-error.ts';
import { AGENT_DEFAULTS } from '../../../agent/index.ts';
import { DEFAULT_REPLY_OPTIONS } from '../../../agent/reply/reply-options.ts';
import type { CommandIo } from '../io.ts';

export const DEFAULT_SCENARIOS = ['greeting', 'long-answer', 'barge-in-mid-sentence'] as const;

export const RUN_HELP = `Usage: callbench run [options]

Plays scenarios as fake Twilio calls against the reference agent, with mock Deepgram and
OpenAI servers on 127.0.0.1, and prints latency percentiles measured on the audio the caller hears.

Options:
  --scenario NAME|FILE  scenario to play (repeatable); a name is looked up in scenarios/
                        default: ${DEFAULT_SCENARIOS.join(', ')}
  --profile NAME        mock latency profile: ${profileNames().join(', ')} (default reference)
  --seed N              seed of the profile's delays (default 1)
  --json                print one JSON object on stdout instead of the tables
  -h, --help            show this help

${LOAD_HELP}

${TARGET_HELP}

${MODE_HELP}

${REPLY_HELP}

${THRESHOLD_HELP}

Each measured call is judged by the conformance checks (twilio.protocol, turn.answered,
bargein.no-leak, bargein.no-spurious-clear, realtime.truncate-accepted,
upstream.closed-after-hangup), printed after the tables.
Each run also writes reports/<run-id>/result.json (with a thresholds array: metric, scenario,
expression, observed, ok, samples; and a checks object).
Exit codes: 0 ok, 1 internal error, 2 usage or input error, 3 a call failed or an error-severity
check failed on a call (warnings never change the exit code), 99 a threshold failed. A
conformance failure wins: such a run exits 3 even when a threshold failed too.`;

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg: unknown = JSON.parse(await readFile(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

/** parseArgs option specs of `callbench run`. */
export const RUN_OPTIONS = {
  scenario: { type: 'string', multiple: true },
  ...LOAD_OPTIONS,
  ...MODE_OPTIONS,
  ...REPLY_OPTIONS,
  ...THRESHOLD_OPTIONS,
  ...TARGET_OPTIONS,
  profile: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export async function runCommand(argv: string[], io: CommandIo, env: Readonly<Record<string, string | undefined>> = {}): Promise<number> {
  const values = parseFlags(argv, RUN_OPTIONS);
  if (values.help) {
    io.out(RUN_HELP);
    return EXIT.ok;
  }
  const scenarioSources = parseScenarioFlags(values.scenario ?? DEFAULT_SCENARIOS);
  const { load, warmup, description: loadDescription } = parseLoadFlags(values, scenarioSources.length);
  const profileName = choiceFlag('profile', values.profile, 'reference', profileNames());
  const profile = PROFILES[profileName];
  if (profile === undefined) throw new UsageError(`--profile: no profile named '${profileName}'`);
  const seed = intFlag('seed', values.seed, 1, 0, 2 ** 32 - 1);
  const { mode, realtime } = parseModeFlags(values);
  const reply = parseReplyFlags(values);
  refuseIdleReplyKnobs(values, reply);
  const bargeIn = parseBargeInFlag(values);
  const thresholds = await parseThresholdFlags(values);
  const clock = createSystemClock();
  const target = parseTargetFlags(values, env, clock, mode);
  if (target.upstream.kind === 'real' && values.profile !== undefined) throw new UsageError('--profile applies to --upstream mocks only (the real services keep their own latency)');
  if (target.upstream.kind === 'real' && values.seed !== undefined) throw new UsageError("--seed applies to --upstream mocks only (it seeds the mock profile's delays)");
  const upstreamLabel = target.upstream.kind === 'real' ? 'the real services' : `profile ${profile.name}, seed ${seed}`;
  if (target.agent !== undefined) {
    const designFlag = (['agent-mode', 'realtime-model', 'voice', 'vad-silence-ms', 'preset', 'text', 'tts', 'rest-body', 'playout', 'barge-in'] as const).find(
      (name) => values[name] !== undefined,
    );
    if (designFlag !== undefined) throw new UsageError(`--${designFlag} configures the reference agent; it does not apply with --agent-cmd or --agent-url`);
  }

  const planned = await loadPlannedScenarios(scenarioSources);
  checkFaultsReachable(
    planned,
    target.upstream.kind === 'real' ? { kind: 'no-mocks' } : target.agent !== undefined ? { kind: 'any' } : { kind: 'reference', mode: mode ?? AGENT_DEFAULTS.mode, tts: reply?.tts ?? DEFAULT_REPLY_OPTIONS.tts },
  );
  checkThresholdScenarios(thresholds, planned.map((p) => p.scenario.name));

  const agent =
    target.agent ??
    createReferenceAgentTarget({
      ...(mode === undefined ? {} : { mode }),
      ...(reply === undefined ? {} : { reply }),
      ...(realtime === undefined ? {} : { realtime }),
      ...(bargeIn === undefined ? {} : { bargeIn }),
    });
  let done = 0;
  io.progress(`callbench: ${planned.map((p) => p.scenario.name).join(', ')}; ${loadDescription}; ${upstreamLabel}; ${agent.describe()}`);
  const outcome = await run(
    { scenarios: planned, load, warmup, profile, seed, agent, authToken: target.authToken, upstream: target.upstream },
    clock,
    {
      onCallEnd: ({ scenario, index, total, error, warmup: warm }) => {
        if (!warm) done++;
        const counter = warm ? 'warm-up' : total === undefined ? String(done) : `${done}/${total}`;
        io.progress(`  [${counter}] ${scenario} #${index + 1} ${error === undefined ? 'ok' : `FAILED: ${error}`}`);
      },
      onCallDropped: ({ scenario, index, reason, lagMs }) => {
        io.progress(`  [dropped] ${scenario} #${index + 1}: ${reason === 'late' ? `${Math.round(lagMs)} ms late` : 'too many calls in flight'}`);
      },
    },
  ).catch((error: unknown) => {
    // What the user can fix: the agent command, or ports taken by something else.
    if (error instanceof AgentStartError) throw new UsageError(`--agent-cmd: ${error.message}`);
    if (values['mock-port'] !== undefined && (error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError(`--mock-port ${values['mock-port']}: port ${values['mock-port']} or the one after it is already in use`);
    }
    throw error;
  });
  const summary = summarize(outcome, await version());
  const gate = evaluateThresholds(thresholds, summary, outcomeHistograms(outcome));
  const result = { ...summary, thresholds: gate };

  const runId = `${outcome.startedAt.replace(/[:.]/g, '-')}-${outcome.profile}`;
  const dir = path.join(PACKAGE_ROOT, 'reports', runId);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);

  if (values.json) io.out(JSON.stringify(result));
  else {
    io.out(renderSummaryTable(summary, (metric) => METRICS[metric as MetricName] ?? metric));
    io.out(`\n${renderChecks(summary.checks)}`);
    if (gate.length > 0) io.out(`\n${renderThresholds(gate)}`);
    io.out(`\nReport: ${path.relative(process.cwd(), path.join(dir, 'result.json'))}`);
  }
  const failed = outcome.scenarios.reduce((sum, s) => sum + s.failedCalls, 0);
  // A failed call or error-severity check is a conformance failure and wins over a threshold breach.
  if (failed > 0 || failedErrorChecks(summary.checks).length > 0) return EXIT.conformance;
  return gate.some((r) => !r.ok) ? EXIT.threshold : EXIT.ok;
}
