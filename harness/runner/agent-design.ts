/**
 * The reference agent's settings as a run target, its options against a run's environment, and
 * how reports describe it: shared by the in-process target (reference-agent.ts) and the worker
 * thread's (worker-agent.ts). SDK-free (types and the agent's SDK-free modules only), so the
 * harness's thread need not load the SDKs when the agent runs in a worker.
 */
import type { BargeInPolicy } from '../../agent/call/turn-detector.ts';
import type { AgentLogEvent } from '../../agent/log-events.ts';
import { AGENT_DEFAULTS, type AgentMode, type AgentOptions, type RealtimeSettings } from '../../agent/options.ts';
import { DEFAULT_REPLY_OPTIONS, type ReplyOptions } from '../../agent/reply/reply-options.ts';
import type { Clock } from '../clock.ts';
import type { AgentEnv } from './agent-target.ts';

export interface ReferenceAgentSettings {
  clock?: Clock;
  /** cascaded (the default) or realtime. */
  mode?: AgentMode;
  /** Cascaded mode's reply design. */
  reply?: Partial<ReplyOptions>;
  /** Realtime mode's session settings. */
  realtime?: Partial<RealtimeSettings>;
  /** Cascaded mode's barge-in policy. */
  bargeIn?: BargeInPolicy;
  /** What the agent says first ('' for nothing); the agent's default otherwise. */
  greeting?: string;
  /**
   * Whether its upstream connections carry `x-callbench-call` (the agent's default: they do);
   * false leaves the mocks to tie them by what they carry, as for an agent that is not ours.
   */
  callHeader?: boolean;
  /** Receives the agent's structured log events (its self-reported timings among them). */
  onLog?: (event: AgentLogEvent) => void;
}

/** Faults planted in the reference agent to prove a gate catches them; not part of its design. */
export interface PlantedFaults {
  /** Cascaded mode: a delay before each LLM request (the agent's tuning.replyDelayMs). */
  replyDelayMs?: number;
}

/**
 * The design, as reports show it: "text=full tts=rest rest-body=buffer playout=poll", or
 * "realtime model=… voice=…"; "no-call-header" at the end when the header is off, since the
 * report's attribution line then reads differently.
 */
export function describeDesign(settings: ReferenceAgentSettings): string {
  const header = settings.callHeader === false ? ' no-call-header' : '';
  if (settings.mode === 'realtime') {
    const { model, voice, silenceDurationMs } = { ...AGENT_DEFAULTS.realtime, ...settings.realtime };
    return `realtime model=${model} voice=${voice} vad-silence=${silenceDurationMs}ms${header}`;
  }
  const { text, tts, restBody, playout } = { ...DEFAULT_REPLY_OPTIONS, ...settings.reply };
  const bargeIn = settings.bargeIn ?? AGENT_DEFAULTS.bargeIn;
  return `text=${text} tts=${tts}${tts === 'rest' ? ` rest-body=${restBody}` : ''} playout=${playout}${bargeIn === AGENT_DEFAULTS.bargeIn ? '' : ` barge-in=${bargeIn}`}${header}`;
}

/** The agent's options for `settings` against `env` (every field but `log`): the same in process and in a worker thread. */
export function referenceAgentOptions(settings: Omit<ReferenceAgentSettings, 'onLog'>, planted: PlantedFaults, env: AgentEnv): Omit<AgentOptions, 'log'> {
  return {
    deepgramApiUrl: env.DEEPGRAM_API_URL,
    deepgramApiKey: env.DEEPGRAM_API_KEY,
    openaiBaseUrl: env.OPENAI_BASE_URL,
    openaiApiKey: env.OPENAI_API_KEY,
    openaiRealtimeBaseUrl: env.OPENAI_REALTIME_BASE_URL,
    openaiCa: env.OPENAI_CA_CERT,
    twilioAuthToken: env.TWILIO_AUTH_TOKEN,
    ...(settings.clock === undefined ? {} : { clock: settings.clock }),
    ...(settings.mode === undefined ? {} : { mode: settings.mode }),
    ...(settings.reply === undefined ? {} : { reply: settings.reply }),
    ...(settings.realtime === undefined ? {} : { realtime: settings.realtime }),
    ...(settings.bargeIn === undefined ? {} : { bargeIn: settings.bargeIn }),
    ...(settings.greeting === undefined ? {} : { greeting: settings.greeting }),
    ...(settings.callHeader === undefined ? {} : { callHeader: settings.callHeader }),
    ...(planted.replyDelayMs === undefined ? {} : { tuning: { replyDelayMs: planted.replyDelayMs } }),
  };
}

/** "reference agent (in-process; text=… …)": where it runs, its design, and any planted fault. */
export function describeReferenceAgent(where: string, settings: ReferenceAgentSettings, planted: PlantedFaults): string {
  // The planted delay is not part of the design (a baseline of the design without it compares with a run with it), but a report must say it was there.
  return `reference agent (${where}; ${describeDesign(settings)}${(planted.replyDelayMs ?? 0) > 0 ? `; planted reply delay ${planted.replyDelayMs} ms` : ''})`;
}
