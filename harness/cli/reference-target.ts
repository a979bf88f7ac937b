/**
 * The reference agent as the CLI's run target. By default it runs in a worker thread of its own
 * (worker-agent.ts), so its work (frames, SDK sockets, timers) never delays the caller's pacing or
 * the mocks on the harness's event loop; `--agent-in-process` keeps it on that loop, for debugging
 * (one thread, one stack, a debugger that sees it all). Either way its SDKs are checked here first,
 * so a project without them gets the same one-line refusal.
 */
import type { PlantedFaults, ReferenceAgentSettings } from '../runner/agent-design.ts';
import type { AgentTarget } from '../runner/agent-target.ts';
import { loadWithOptional, REFERENCE_AGENT_SDKS, requireInstalled } from './optional-packages.ts';

export const AGENT_IN_PROCESS_HELP = `  --agent-in-process    run the reference agent on the harness's own event loop instead of its worker
                        thread (for debugging: its load then delays the caller's pacing and the mocks)`;

/** The design flags' settings as the reference agent takes them: only those given (the agent's defaults for the rest). */
export function designSettings(given: { [K in keyof ReferenceDesign]: ReferenceDesign[K] | undefined }): ReferenceDesign {
  const settings: ReferenceDesign = {};
  for (const key of Object.keys(given) as Array<keyof ReferenceDesign>) if (given[key] !== undefined) Object.assign(settings, { [key]: given[key] });
  return settings;
}

type ReferenceDesign = Pick<ReferenceAgentSettings, 'mode' | 'reply' | 'realtime' | 'bargeIn' | 'callHeader'>;

/** `instead`: what the refusal suggests when the SDKs are missing (e.g. "or measure your own agent with --agent-cmd"). */
export async function referenceAgentTarget(settings: Omit<ReferenceAgentSettings, 'clock'>, planted: PlantedFaults, options: { inProcess: boolean; instead: string }): Promise<AgentTarget> {
  if (options.inProcess) {
    const reference = await loadWithOptional(() => import('../runner/reference-agent.ts'), REFERENCE_AGENT_SDKS, 'the reference agent', options.instead);
    return reference.createReferenceAgentTarget(settings, planted);
  }
  // The worker thread imports the agent and its SDKs; this thread only makes sure they resolve
  // (importing them here too cost the CLI about a second of CPU before the first call).
  requireInstalled(REFERENCE_AGENT_SDKS, 'the reference agent', options.instead);
  const { createWorkerAgentTarget } = await import('../runner/worker-agent.ts');
  return createWorkerAgentTarget(settings, planted);
}
