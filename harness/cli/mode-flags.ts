/**
 * The mode flags shared by `callbench run` and `callbench agent`: `--agent-mode` and the Realtime
 * session settings. Reply-design flags belong to cascaded mode and Realtime flags to realtime mode;
 * mixing them is a usage error rather than a silently ignored flag.
 */
import { AGENT_DEFAULTS, AGENT_MODES, type AgentMode, type RealtimeSettings } from '../../agent/options.ts';
import { choiceFlag, intFlag } from './options.ts';
import type { ReplyFlagValues } from './reply-flags.ts';
import { UsageError } from './usage-error.ts';

/** parseArgs option specs. */
export const MODE_OPTIONS = {
  'agent-mode': { type: 'string' },
  'realtime-model': { type: 'string' },
  voice: { type: 'string' },
  'vad-silence-ms': { type: 'string' },
  'no-call-header': { type: 'boolean' },
} as const;

export interface ModeFlagValues {
  'agent-mode'?: string | undefined;
  'realtime-model'?: string | undefined;
  voice?: string | undefined;
  'vad-silence-ms'?: string | undefined;
  'no-call-header'?: boolean | undefined;
}

const { realtime } = AGENT_DEFAULTS;

export const MODE_HELP = `Agent mode:
  --agent-mode MODE     ${AGENT_MODES.join(', ')} (default cascaded): cascaded = Deepgram STT, OpenAI chat,
                        Deepgram TTS; realtime = OpenAI Realtime speech to speech (audio/pcmu both ways)
  --realtime-model NAME with realtime: the model (default ${realtime.model})
  --voice NAME          with realtime: the voice (default ${realtime.voice})
  --vad-silence-ms N    with realtime: server-VAD silence that ends the caller's turn (default ${realtime.silenceDurationMs})
  --no-call-header      send no x-callbench-call header upstream: the mocks then tie connections
                        to calls by what they carry (the caller's audio mark, the text), as for
                        an agent that is not ours, to show the verdicts do not depend on it`;

export interface ModeChoice {
  /** Undefined when no flag named it. */
  mode: AgentMode | undefined;
  /** Realtime settings given by flags, if any. */
  realtime: Partial<RealtimeSettings> | undefined;
  /** false with --no-call-header, else undefined (the agent's default: on). */
  callHeader: false | undefined;
}

const REPLY_FLAG_NAMES = ['preset', 'text', 'tts', 'rest-body', 'playout', 'barge-in'] as const;

/** The mode and Realtime settings the flags ask for; `fallback` is the mode when --agent-mode is absent. */
export function parseModeFlags(values: ModeFlagValues & ReplyFlagValues, fallback: AgentMode = 'cascaded'): ModeChoice {
  const mode = values['agent-mode'] === undefined ? undefined : choiceFlag('agent-mode', values['agent-mode'], 'cascaded', AGENT_MODES);
  const effective = mode ?? fallback;
  const settings: Partial<RealtimeSettings> = {};
  if (values['realtime-model'] !== undefined) settings.model = nonEmpty('realtime-model', values['realtime-model']);
  if (values.voice !== undefined) settings.voice = nonEmpty('voice', values.voice);
  if (values['vad-silence-ms'] !== undefined) settings.silenceDurationMs = intFlag('vad-silence-ms', values['vad-silence-ms'], 0, 0, 10_000);
  const given = Object.keys(settings);
  if (effective === 'cascaded' && given.length > 0) {
    const flag = values['realtime-model'] !== undefined ? 'realtime-model' : values.voice !== undefined ? 'voice' : 'vad-silence-ms';
    throw new UsageError(`--${flag} applies to --agent-mode realtime only`);
  }
  if (effective === 'realtime') {
    const replyFlag = REPLY_FLAG_NAMES.find((name) => values[name] !== undefined);
    if (replyFlag !== undefined) throw new UsageError(`--${replyFlag} applies to --agent-mode cascaded only (the reply design of the cascaded pipeline)`);
  }
  return { mode, realtime: given.length > 0 ? settings : undefined, callHeader: values['no-call-header'] === true ? false : undefined };
}

function nonEmpty(flag: string, value: string): string {
  if (value.trim() === '') throw new UsageError(`--${flag} expects a name, got ''`);
  return value.trim();
}
