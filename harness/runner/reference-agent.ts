/** The reference agent (agent/) as a target: started in this process on 127.0.0.1, port 0. */
import { createAgent } from '../../agent/index.ts';
import { describeReferenceAgent, referenceAgentOptions, type PlantedFaults, type ReferenceAgentSettings } from './agent-design.ts';
import type { AgentTarget } from './agent-target.ts';
import { createSelfReportCollector } from './self-reports.ts';

export { describeDesign, describeReferenceAgent, referenceAgentOptions, type PlantedFaults, type ReferenceAgentSettings } from './agent-design.ts';

/**
 * The agent in the harness's own thread: its work shares the event loop that paces the caller's
 * frames and runs the mocks, so it delays both under load (`callbench run --agent-in-process`, for
 * debugging; worker-agent.ts is the default). A test may give it a manual clock.
 */
export function createReferenceAgentTarget(settings: ReferenceAgentSettings = {}, planted: PlantedFaults = {}): AgentTarget {
  return {
    describe: () => describeReferenceAgent('in-process', settings, planted),
    async start(env) {
      const reports = createSelfReportCollector();
      const agent = createAgent({
        ...referenceAgentOptions(settings, planted, env),
        log: (event) => {
          reports.observe(event);
          settings.onLog?.(event);
        },
      });
      const { url } = await agent.listen(0, '127.0.0.1');
      return { webhookUrl: `${url}/incoming-call`, stop: () => agent.close(), selfReports: (callSid) => reports.forCall(callSid) };
    },
  };
}
