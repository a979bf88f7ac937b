/**
 * Agent options from environment variables, the contract for running the agent as a process
 * (`callbench run --agent-cmd` sets exactly these). Pure: reads only the object it is given.
 */
import { BARGE_IN_POLICIES, type BargeInPolicy } from './call/turn-detector.ts';
import { AGENT_MODES, AgentOptionsError, resolveAgentOptions, type AgentMode, type AgentOptions, type RealtimeSettings } from './options.ts';
import { REPLY_PRESET_NAMES, replyOptionsOf, type ReplyPresetName } from './reply/presets.ts';
import { REPLY_CHOICES, type ReplyOptions } from './reply/reply-options.ts';

export interface AgentProcessConfig {
  /** Everything but `log` and `clock`, which belong to whoever runs the agent. */
  options: AgentOptions;
  port: number;
  host: string;
}

export type AgentEnvResult = { ok: true; value: AgentProcessConfig } | { ok: false; error: string };

export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = '127.0.0.1';

/** The keys each mode needs. */
const REQUIRED: Readonly<Record<AgentMode, readonly string[]>> = {
  cascaded: ['DEEPGRAM_API_KEY', 'OPENAI_API_KEY'],
  realtime: ['OPENAI_API_KEY'],
};

type Env = Readonly<Record<string, string | undefined>>;

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

function parsePort(raw: string | undefined): number | string {
  if (raw === undefined) return DEFAULT_PORT;
  if (!/^\d+$/.test(raw)) return `PORT must be an integer from 0 to 65535, got '${raw}'`;
  const port = Number(raw);
  return port <= 65535 ? port : `PORT must be an integer from 0 to 65535, got '${raw}'`;
}

/** The reply knobs' variables, in the order they are documented. */
export const REPLY_ENV = {
  AGENT_TEXT: 'text',
  AGENT_TTS: 'tts',
  AGENT_REST_BODY: 'restBody',
  AGENT_PLAYOUT: 'playout',
} as const satisfies Record<string, keyof ReplyOptions>;

type Picked = { ok: true; value: string | undefined } | { ok: false; error: string };

/** The variable's value if it is one of `choices`; an error naming the variable otherwise. */
function pick(env: Env, name: string, choices: readonly string[]): Picked {
  const raw = value(env, name);
  if (raw === undefined || choices.includes(raw)) return { ok: true, value: raw };
  return { ok: false, error: `${name} must be one of ${choices.join(', ')}, got '${raw}'` };
}

/** CALLBENCH_CALL_HEADER: 1 (the default) sends `x-callbench-call` upstream, 0 sends none. */
const CALL_HEADER_CHOICES = ['0', '1'] as const;

/** AGENT_PRESET, then AGENT_TEXT, AGENT_TTS, AGENT_REST_BODY, AGENT_PLAYOUT over it. */
function replyFromEnv(env: Env): { ok: true; value: Partial<ReplyOptions> | undefined } | { ok: false; error: string } {
  const preset = pick(env, 'AGENT_PRESET', REPLY_PRESET_NAMES);
  if (!preset.ok) return preset;
  const knobs: Record<string, string> = {};
  for (const [name, key] of Object.entries(REPLY_ENV) as Array<[string, keyof ReplyOptions]>) {
    const knob = pick(env, name, REPLY_CHOICES[key]);
    if (!knob.ok) return knob;
    if (knob.value !== undefined) knobs[key] = knob.value;
  }
  const reply = replyOptionsOf(preset.value as ReplyPresetName | undefined, knobs as Partial<ReplyOptions>);
  return { ok: true, value: Object.keys(reply).length === 0 ? undefined : reply };
}

/** AGENT_MODE, and realtime mode's OPENAI_REALTIME_MODEL, OPENAI_REALTIME_VOICE and AGENT_VAD_SILENCE_MS. */
function modeFromEnv(env: Env): { ok: true; mode: AgentMode; realtime: Partial<RealtimeSettings> | undefined } | { ok: false; error: string } {
  const picked = pick(env, 'AGENT_MODE', AGENT_MODES);
  if (!picked.ok) return picked;
  const mode = (picked.value ?? 'cascaded') as AgentMode;
  const realtime: Partial<RealtimeSettings> = {};
  const model = value(env, 'OPENAI_REALTIME_MODEL');
  const voice = value(env, 'OPENAI_REALTIME_VOICE');
  const silence = value(env, 'AGENT_VAD_SILENCE_MS');
  if (model !== undefined) realtime.model = model;
  if (voice !== undefined) realtime.voice = voice;
  if (silence !== undefined) {
    if (!/^\d+$/.test(silence) || Number(silence) > 10_000) return { ok: false, error: `AGENT_VAD_SILENCE_MS must be an integer from 0 to 10000, got '${silence}'` };
    realtime.silenceDurationMs = Number(silence);
  }
  if (mode === 'realtime') {
    const knob = ['AGENT_PRESET', ...Object.keys(REPLY_ENV), 'AGENT_BARGE_IN'].find((name) => value(env, name) !== undefined);
    if (knob !== undefined) return { ok: false, error: `${knob} applies to AGENT_MODE=cascaded only, but AGENT_MODE is realtime` };
  }
  return { ok: true, mode, realtime: Object.keys(realtime).length === 0 ? undefined : realtime };
}

/**
 * Reads PORT (default 3000), HOST (default 127.0.0.1), DEEPGRAM_API_URL, DEEPGRAM_API_KEY,
 * OPENAI_BASE_URL, OPENAI_API_KEY, TWILIO_AUTH_TOKEN and PUBLIC_URL, and the reply knobs
 * AGENT_PRESET (seed-current | seed-fixed), AGENT_TEXT, AGENT_TTS, AGENT_REST_BODY and
 * AGENT_PLAYOUT (each knob overrides the preset's value), AGENT_BARGE_IN (speech | words); AGENT_MODE (cascaded | realtime) with
 * OPENAI_REALTIME_BASE_URL, OPENAI_REALTIME_MODEL, OPENAI_REALTIME_VOICE and AGENT_VAD_SILENCE_MS;
 * CALLBENCH_CALL_HEADER (1 | 0: whether upstream requests carry `x-callbench-call`).
 * Realtime mode needs no Deepgram key. Error messages name the variable and never echo a key.
 */
export function agentOptionsFromEnv(env: Env): AgentEnvResult {
  const modeResult = modeFromEnv(env);
  if (!modeResult.ok) return modeResult;
  const { mode, realtime } = modeResult;
  const missing = REQUIRED[mode].filter((name) => value(env, name) === undefined);
  if (missing.length > 0) return { ok: false, error: `missing required environment variable${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}` };
  const port = parsePort(value(env, 'PORT'));
  if (typeof port === 'string') return { ok: false, error: port };
  const options: AgentOptions = {
    mode,
    deepgramApiKey: value(env, 'DEEPGRAM_API_KEY') ?? '',
    openaiApiKey: value(env, 'OPENAI_API_KEY') ?? '',
  };
  if (realtime !== undefined) options.realtime = realtime;
  const optional = [
    ['DEEPGRAM_API_URL', 'deepgramApiUrl'],
    ['OPENAI_BASE_URL', 'openaiBaseUrl'],
    ['OPENAI_REALTIME_BASE_URL', 'openaiRealtimeBaseUrl'],
    ['TWILIO_AUTH_TOKEN', 'twilioAuthToken'],
    ['PUBLIC_URL', 'publicUrl'],
  ] as const;
  for (const [name, key] of optional) {
    const found = value(env, name);
    if (found !== undefined) options[key] = found;
  }
  const reply = replyFromEnv(env);
  if (!reply.ok) return reply;
  if (reply.value !== undefined) options.reply = reply.value;
  const bargeIn = pick(env, 'AGENT_BARGE_IN', BARGE_IN_POLICIES);
  if (!bargeIn.ok) return bargeIn;
  if (bargeIn.value !== undefined) options.bargeIn = bargeIn.value as BargeInPolicy;
  const callHeader = pick(env, 'CALLBENCH_CALL_HEADER', CALL_HEADER_CHOICES);
  if (!callHeader.ok) return callHeader;
  if (callHeader.value !== undefined) options.callHeader = callHeader.value === '1';
  try {
    resolveAgentOptions(options);
  } catch (error) {
    if (error instanceof AgentOptionsError) return { ok: false, error: renameOption(error.message) };
    throw error;
  }
  return { ok: true, value: { options, port, host: value(env, 'HOST') ?? DEFAULT_HOST } };
}

/** Speaks in variable names: "deepgramApiUrl must be …" becomes "DEEPGRAM_API_URL must be …". */
function renameOption(message: string): string {
  const names: Record<string, string> = {
    deepgramApiUrl: 'DEEPGRAM_API_URL',
    openaiBaseUrl: 'OPENAI_BASE_URL',
    openaiRealtimeBaseUrl: 'OPENAI_REALTIME_BASE_URL',
    publicUrl: 'PUBLIC_URL',
    deepgramApiKey: 'DEEPGRAM_API_KEY',
    openaiApiKey: 'OPENAI_API_KEY',
  };
  return message.replace(/^(\w+)/, (word) => names[word] ?? word);
}
