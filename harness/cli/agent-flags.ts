/**
 * The agent a command other than `run` plays against, from run's own agent flags: --agent-cmd or
 * --agent-url (target-flags.ts) with --upstream and --mock-port, else the reference agent (in its
 * worker thread, or with --agent-in-process on the harness's loop: reference-target.ts) in the
 * design the mode, reply and planted flags give. The same checks as run's, each a one-line
 * UsageError: a design flag with another agent, a Realtime flag in cascaded mode, --profile or
 * --seed with the real services, a scenario fault the agent can never reach.
 */
import { AGENT_DEFAULTS } from '../../agent/options.ts';
import { DEFAULT_REPLY_OPTIONS } from '../../agent/reply/reply-options.ts';
import type { Clock } from '../clock.ts';
import type { AgentTarget } from '../runner/agent-target.ts';
import type { RunPlan } from '../runner/run.ts';
import type { Scenario } from '../scenario/schema.ts';
import { checkFaultsReachable } from './fault-reach.ts';
import { MODE_OPTIONS, parseModeFlags, type ModeFlagValues } from './mode-flags.ts';
import { designSettings, referenceAgentTarget } from './reference-target.ts';
import { parsePlantedFlags, PLANTED_OPTIONS, type PlantedFlagValues } from './planted-flags.ts';
import { parseBargeInFlag, parseReplyFlags, refuseIdleReplyKnobs, REPLY_OPTIONS, type ReplyFlagValues } from './reply-flags.ts';
import { parseTargetFlags, TARGET_OPTIONS, type TargetFlagValues } from './target-flags.ts';
import { UsageError } from './usage-error.ts';

/** parseArgs option specs: the agent under test and, for the reference agent, its design. */
export const AGENT_OPTIONS = {
  ...TARGET_OPTIONS,
  ...MODE_OPTIONS,
  ...REPLY_OPTIONS,
  ...PLANTED_OPTIONS,
} as const;

type AgentFlagValues = TargetFlagValues & ModeFlagValues & ReplyFlagValues & PlantedFlagValues & { profile?: string | undefined; seed?: string | undefined };

const DESIGN_FLAGS = ['agent-mode', 'realtime-model', 'voice', 'vad-silence-ms', 'no-call-header', 'preset', 'text', 'tts', 'rest-body', 'playout', 'barge-in'] as const;

export interface AgentChoice {
  agent: AgentTarget;
  upstream: NonNullable<RunPlan['upstream']>;
  authToken: string;
  /** The reference agent on callbench's own event loop (--agent-in-process), not in its worker thread. */
  inProcessReference: boolean;
}

/** The agent and upstream the flags ask for; `scenarios` are checked for faults the agent cannot reach. */
export async function parseAgentFlags(
  values: AgentFlagValues,
  env: Readonly<Record<string, string | undefined>>,
  clock: Clock,
  scenarios: ReadonlyArray<{ file: string; scenario: Scenario }>,
): Promise<AgentChoice> {
  const { mode, realtime, callHeader } = parseModeFlags(values);
  const reply = parseReplyFlags(values);
  refuseIdleReplyKnobs(values, reply);
  const bargeIn = parseBargeInFlag(values);
  const target = parseTargetFlags(values, env, clock, mode);
  if (target.upstream.kind === 'real' && values.profile !== undefined) throw new UsageError('--profile applies to --upstream mocks only (the real services keep their own latency)');
  if (target.upstream.kind === 'real' && values.seed !== undefined) throw new UsageError("--seed applies to --upstream mocks only (it seeds the mock profile's delays)");
  const planted = parsePlantedFlags(values, mode ?? AGENT_DEFAULTS.mode, target.agent !== undefined);
  if (target.agent !== undefined) {
    const designFlag = DESIGN_FLAGS.find((name) => values[name] !== undefined);
    if (designFlag !== undefined) throw new UsageError(`--${designFlag} configures the reference agent; it does not apply with --agent-cmd or --agent-url`);
  }
  checkFaultsReachable(
    scenarios,
    target.upstream.kind === 'real' ? { kind: 'no-mocks' } : target.agent !== undefined ? { kind: 'any' } : { kind: 'reference', mode: mode ?? AGENT_DEFAULTS.mode, tts: reply?.tts ?? DEFAULT_REPLY_OPTIONS.tts },
  );
  if (target.agent !== undefined) return { agent: target.agent, upstream: target.upstream, authToken: target.authToken, inProcessReference: false };
  const settings = designSettings({ mode, reply, realtime, bargeIn, callHeader });
  // Loaded only when it is used: it imports the SDKs, which a team measuring its own agent need not install.
  const agent = await referenceAgentTarget(settings, planted, { inProcess: target.agentInProcess, instead: 'or measure your own agent with --agent-cmd or --agent-url' });
  return { agent, upstream: target.upstream, authToken: target.authToken, inProcessReference: target.agentInProcess };
}
