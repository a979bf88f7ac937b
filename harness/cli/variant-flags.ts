/**
 * What a `callbench compare` variant's flags make: the reference agent in one design (the design
 * flags of `run`: --agent-mode, --preset, --text, --tts, --rest-body, --playout, --barge-in, the
 * Realtime settings, --no-call-header, and the planted --reply-delay-ms), or any agent
 * (`--agent-cmd CMD`, with --agent-cwd and --webhook-path). A flag a variant cannot take is one
 * line naming the variant and the flag, exit 2.
 */
import { AGENT_DEFAULTS } from '../../agent/options.ts';
import type { Clock } from '../clock.ts';
import type { VariantSpec } from '../compare/variant-spec.ts';
import type { AgentTarget } from '../runner/agent-target.ts';
import { createProcessAgentTarget } from '../runner/process-agent.ts';
import { MODE_OPTIONS, parseModeFlags } from './mode-flags.ts';
import { parseFlags } from './parse-flags.ts';
import { parsePlantedFlags, PLANTED_OPTIONS } from './planted-flags.ts';
import { parseBargeInFlag, parseReplyFlags, refuseIdleReplyKnobs, REPLY_OPTIONS } from './reply-flags.ts';
import { designSettings, referenceAgentTarget } from './reference-target.ts';
import { UsageError } from './usage-error.ts';

/** parseArgs option specs of one variant's flags. */
export const VARIANT_OPTIONS = {
  ...MODE_OPTIONS,
  ...REPLY_OPTIONS,
  ...PLANTED_OPTIONS,
  'agent-cmd': { type: 'string' },
  'agent-cwd': { type: 'string' },
  'webhook-path': { type: 'string' },
} as const;

const DESIGN_FLAGS = ['agent-mode', 'realtime-model', 'voice', 'vad-silence-ms', 'no-call-header', 'preset', 'text', 'tts', 'rest-body', 'playout', 'barge-in', 'reply-delay-ms'] as const;

export const VARIANT_FLAGS_HELP = `FLAGS are the reference agent's design flags of run:
                        ${DESIGN_FLAGS.slice(0, 6).map((f) => `--${f}`).join(', ')},
                        ${DESIGN_FLAGS.slice(6).map((f) => `--${f}`).join(', ')};
                        or --agent-cmd CMD (with --agent-cwd DIR, --webhook-path PATH) for any agent`;

/** A variant's agent, not yet started. */
export interface VariantAgent {
  spec: VariantSpec;
  agent: AgentTarget;
}

function inVariant(spec: VariantSpec, error: unknown): never {
  if (!(error instanceof UsageError)) throw error;
  const known = error.message.startsWith('unknown flag') ? ` (a variant takes the reference agent's design flags, ${DESIGN_FLAGS.map((f) => `--${f}`).join(', ')}, or --agent-cmd CMD)` : '';
  throw new UsageError(`--variant ${spec.name}='${spec.flags}': ${error.message}${known}`);
}

/** Checks one variant's flags and builds its agent; throws UsageError naming the variant. */
export async function variantAgent(spec: VariantSpec, clock: Clock): Promise<VariantAgent> {
  try {
    const values = parseFlags(spec.argv, VARIANT_OPTIONS);
    const command = values['agent-cmd'];
    if (command !== undefined) {
      if (command.trim() === '') throw new UsageError("--agent-cmd expects a command line, got ''");
      const design = DESIGN_FLAGS.find((name) => values[name] !== undefined);
      if (design !== undefined) throw new UsageError(`--${design} configures the reference agent; it does not apply with --agent-cmd`);
      return { spec, agent: createProcessAgentTarget({ command, clock, ...(values['agent-cwd'] === undefined ? {} : { cwd: values['agent-cwd'] }), ...(values['webhook-path'] === undefined ? {} : { webhookPath: values['webhook-path'] }) }) };
    }
    for (const flag of ['agent-cwd', 'webhook-path'] as const) if (values[flag] !== undefined) throw new UsageError(`--${flag} applies to --agent-cmd only`);
    const { mode, realtime, callHeader } = parseModeFlags(values);
    const reply = parseReplyFlags(values);
    refuseIdleReplyKnobs(values, reply);
    const bargeIn = parseBargeInFlag(values);
    const planted = parsePlantedFlags(values, mode ?? AGENT_DEFAULTS.mode, false);
    // Each variant's reference agent in its own worker thread: two designs compared side by side never share the harness's event loop.
    const agent = await referenceAgentTarget(
      designSettings({ mode, reply, realtime, bargeIn, callHeader }),
      planted,
      { inProcess: false, instead: "or give each variant --agent-cmd 'CMD'" },
    );
    return { spec, agent };
  } catch (error) {
    return inVariant(spec, error);
  }
}
