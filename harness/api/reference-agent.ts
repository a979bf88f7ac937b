/**
 * The reference agent as a run target, for code that imports callbench: loaded on first use, as
 * `callbench run` loads it, because its module imports the optional SDKs (openai, @deepgram/sdk).
 * Rejects with MissingPackageError, whose message names the packages to install, when they are not.
 *
 * The settings are declared here from the agent's SDK-free modules rather than re-exported from
 * harness/runner/reference-agent.ts, whose declarations reach the SDKs' types through
 * agent/index.ts: a project without the SDKs type-checks against callbench all the same.
 * test/unit/api-types.test.ts keeps the two the same type.
 */
import type { BargeInPolicy } from '../../agent/call/turn-detector.ts';
import type { AgentLogEvent } from '../../agent/log-events.ts';
import type { AgentMode, RealtimeSettings } from '../../agent/options.ts';
import type { ReplyOptions } from '../../agent/reply/reply-options.ts';
import { loadWithOptional, REFERENCE_AGENT_SDKS } from '../cli/optional-packages.ts';
import type { Clock } from '../clock.ts';
import type { AgentTarget } from '../runner/agent-target.ts';

export { MissingPackageError } from '../cli/optional-packages.ts';

export interface ReferenceAgentSettings {
  clock?: Clock;
  /** cascaded (the default) or realtime. */
  mode?: AgentMode;
  /** Cascaded mode's reply design. */
  reply?: Partial<ReplyOptions>;
  /** Realtime mode's session settings. */
  realtime?: Partial<RealtimeSettings>;
  /** Cascaded mode's barge-in policy. */
  bargeIn?: BargeInPolicy;
  /** What the agent says first ('' for nothing); the agent's default otherwise. */
  greeting?: string;
  /** Whether its upstream connections carry `x-callbench-call` (default: they do). */
  callHeader?: boolean;
  /** Receives the agent's structured log events (its self-reported timings among them). */
  onLog?: (event: AgentLogEvent) => void;
}

export async function loadReferenceAgentTarget(settings: ReferenceAgentSettings = {}): Promise<AgentTarget> {
  const { createReferenceAgentTarget } = await loadWithOptional(() => import('../runner/reference-agent.ts'), REFERENCE_AGENT_SDKS, 'the reference agent', '');
  return createReferenceAgentTarget(settings);
}
