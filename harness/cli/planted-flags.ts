/**
 * `--reply-delay-ms N` (run and compare variants): a latency regression planted in the reference
 * agent, a wait of N ms before each LLM request, to prove a baseline gate catches one (README
 * "Gating"). Not part of the agent's design: a baseline saved without it compares with a run
 * with it. Cascaded mode only.
 */
import type { AgentMode } from '../../agent/options.ts';
import type { PlantedFaults } from '../runner/reference-agent.ts';
import { intFlag } from './options.ts';
import { UsageError } from './usage-error.ts';

/** parseArgs option specs. */
export const PLANTED_OPTIONS = {
  'reply-delay-ms': { type: 'string' },
} as const;

export interface PlantedFlagValues {
  'reply-delay-ms'?: string | undefined;
}

export const PLANTED_HELP = `Planted regression (to prove a gate):
  --reply-delay-ms N    the reference agent waits N ms before each LLM request (cascaded mode):
                        a latency regression a baseline comparison must catch (README "Against a baseline")`;

/** The faults the flags plant; throws UsageError for a bad value, or for a mode or agent it does not apply to. */
export function parsePlantedFlags(values: PlantedFlagValues, mode: AgentMode | undefined, external: boolean): PlantedFaults {
  const raw = values['reply-delay-ms'];
  if (raw === undefined) return {};
  if (external) throw new UsageError('--reply-delay-ms plants a delay in the reference agent; it does not apply with --agent-cmd or --agent-url');
  if (mode === 'realtime') throw new UsageError('--reply-delay-ms applies to --agent-mode cascaded only (it delays the LLM request)');
  return { replyDelayMs: intFlag('reply-delay-ms', raw, 0, 0, 60_000) };
}
