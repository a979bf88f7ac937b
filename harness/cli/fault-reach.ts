/**
 * A scenario's faults strike only in the mocks, and only on the services the agent uses: a fault
 * on a service the run never reaches would leave the scenario's failure unexercised while the
 * run looks like it tested it. Refused before any call, naming the scenario file and the fault.
 */
import type { AgentMode } from '../../agent/options.ts';
import type { TtsTransport } from '../../agent/reply/reply-options.ts';
import type { Scenario } from '../scenario/schema.ts';
import { InputError } from '../scenario/errors.ts';

type FaultService = NonNullable<Scenario['faults']>[number]['service'];

/** What the run's agent and upstream can reach. */
export type FaultReach =
  /** No mocks run (--upstream real): no fault can strike. */
  | { kind: 'no-mocks' }
  /** An agent that is not ours: any service it may use. */
  | { kind: 'any' }
  /** The reference agent: the services of its mode and design. */
  | { kind: 'reference'; mode: AgentMode; tts: TtsTransport };

function unreachable(reach: FaultReach, service: FaultService): string | undefined {
  if (reach.kind !== 'reference') return undefined;
  if (reach.mode === 'realtime') {
    return service === 'openai.realtime' ? undefined : `the reference agent in realtime mode uses only openai.realtime, never ${service}`;
  }
  if (service === 'openai.realtime') return 'the reference agent in cascaded mode never uses openai.realtime (add --agent-mode realtime)';
  if (service === 'deepgram.speak' && reach.tts === 'rest') return 'with --tts rest the reference agent speaks through REST, and deepgram.speak faults strike on its WebSocket only';
  return undefined;
}

/** Throws InputError for the first fault of `scenarios` the run cannot reach. */
export function checkFaultsReachable(scenarios: ReadonlyArray<{ file: string; scenario: Scenario }>, reach: FaultReach): void {
  for (const { file, scenario } of scenarios) {
    const faults = scenario.faults ?? [];
    if (faults.length === 0) continue;
    if (reach.kind === 'no-mocks') {
      throw new InputError(file, 'faults', 'faults are injected by the mocks, and --upstream real runs none: play this scenario on the mocks, or one without faults');
    }
    faults.forEach((fault, index) => {
      const why = unreachable(reach, fault.service);
      if (why !== undefined) throw new InputError(file, `faults.${index}.service`, `'${fault.service}' is never reached in this run: ${why}`);
    });
  }
}
