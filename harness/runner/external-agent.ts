/**
 * An agent the user runs themselves (`callbench run --agent-url URL`): the harness only knows its
 * voice-webhook URL. It neither starts nor stops it, and cannot hand it an environment: the agent
 * is configured from outside (pointed at `--mock-port` mocks, or at the real services).
 */
import type { AgentTarget } from './agent-target.ts';

export function createExternalAgentTarget(webhookUrl: string): AgentTarget {
  return {
    describe: () => `external agent at ${webhookUrl}`,
    start: () => Promise.resolve({ webhookUrl, stop: () => Promise.resolve() }),
  };
}
