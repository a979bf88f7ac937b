/**
 * An agent whose processes end during a run: the one line that says so, and the check that tells
 * a call failed by the agent's death from a call the agent failed.
 */
import type { Clock } from '../clock.ts';
import type { AgentExit, RunningAgent } from './agent-target.ts';
import type { CallRef } from './events.ts';
import { probeHttp } from './http-probe.ts';

/** A dying agent stops answering at once; its exit is seen a moment later. How long to wait for it. */
const EXIT_SETTLE_MS = 2_000;
const PROBE_TIMEOUT_MS = 1_000;

function callName(call: CallRef): string {
  return `${call.warmup ? 'warm-up call' : 'call'} ${call.index + 1} of scenario ${call.scenario}`;
}

/** "the agent exited with code 1 during call 2 of scenario greeting; its last output: …" */
export function agentExitMessage(exit: AgentExit, inFlight: CallRef | undefined, lastEnded: CallRef | undefined): string {
  const when = inFlight !== undefined ? `during ${callName(inFlight)}` : lastEnded !== undefined ? `after ${callName(lastEnded)}` : 'before the first call';
  return `the agent ${exit.how} ${when}; ${exit.lastOutput === '' ? 'it printed nothing' : `its last output: ${exit.lastOutput}`}`;
}

/**
 * Whether a call that just failed failed because the agent's processes were ending: the agent no
 * longer answers HTTP at its webhook's port and its exit follows within EXIT_SETTLE_MS. Resolves
 * as soon as the agent answers (it is alive: the failure is its own), or at once for an agent the
 * harness does not run. A TCP connect would not do: a process in its last moments still has its
 * handshakes completed by the kernel, and a call that failed on its death was then counted as
 * the agent's failure (seen in `cli-cleanup`, an agent that crashes after one call).
 */
export async function failedByAgentExit(clock: Clock, agent: RunningAgent): Promise<boolean> {
  if (agent.exited === undefined) return false;
  const probe = await probeHttp(new URL(agent.webhookUrl), PROBE_TIMEOUT_MS);
  if (probe.answered) return false;
  const settle = new AbortController();
  const exited = await Promise.race([agent.exited.then(() => true), clock.sleep(EXIT_SETTLE_MS, settle.signal).then(() => false, () => false)]);
  settle.abort();
  return exited;
}
