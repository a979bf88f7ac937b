/**
 * The reference agent as a run target, for code that imports callbench: loaded on first use, as
 * `callbench run` loads it, because its module imports the optional SDKs (openai, @deepgram/sdk).
 * Rejects with MissingPackageError, whose message names the packages to install, when they are not.
 *
 * The settings come from harness/runner/agent-design.ts, the SDK-free module the agent's options
 * live in, not from harness/runner/reference-agent.ts, whose declarations reach the SDKs' types
 * through agent/index.ts: a project without the SDKs type-checks against callbench all the same.
 */
import { loadWithOptional, REFERENCE_AGENT_SDKS } from '../cli/optional-packages.ts';
import type { AgentTarget } from '../runner/agent-target.ts';
import type { ReferenceAgentSettings } from '../runner/agent-design.ts';

export type { ReferenceAgentSettings } from '../runner/agent-design.ts';

export { MissingPackageError } from '../cli/optional-packages.ts';


export async function loadReferenceAgentTarget(settings: ReferenceAgentSettings = {}): Promise<AgentTarget> {
  const { createReferenceAgentTarget } = await loadWithOptional(() => import('../runner/reference-agent.ts'), REFERENCE_AGENT_SDKS, 'the reference agent', '');
  return createReferenceAgentTarget(settings);
}
