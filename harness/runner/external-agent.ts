/**
 * An agent the user runs themselves (`callbench run --agent-url URL`): the harness only knows its
 * voice-webhook URL. It neither starts nor stops it, and cannot hand it an environment: the agent
 * is configured from outside (pointed at `--mock-port` mocks, or at the real services).
 *
 * It is probed once, with a TCP connection to the URL's host and port, before the first call: an
 * agent that is not there is one error, not the same failure on every call.
 */
import type { AgentTarget } from './agent-target.ts';
import { probeTcp } from './tcp-probe.ts';

/** Long enough for a loaded machine or a tunnel; short enough that a wrong URL is reported at once. */
export const PROBE_TIMEOUT_MS = 3000;

/** Nothing accepts connections at the agent's URL. */
export class AgentUnreachableError extends Error {
  readonly code = 'CALLBENCH_AGENT_UNREACHABLE';
  constructor(message: string) {
    super(message);
    this.name = 'AgentUnreachableError';
  }
}

export function createExternalAgentTarget(webhookUrl: string): AgentTarget {
  return {
    describe: () => `external agent at ${webhookUrl}`,
    async start() {
      const url = new URL(webhookUrl);
      const probe = await probeTcp(url, PROBE_TIMEOUT_MS);
      if (!probe.ok) throw new AgentUnreachableError(`${webhookUrl}: nothing accepts connections at ${url.host} (${probe.error}): start the agent first, or fix the URL`);
      return { webhookUrl, stop: () => Promise.resolve() };
    },
  };
}
