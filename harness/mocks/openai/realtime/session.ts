/**
 * The GA Realtime session: its defaults (the spec's `session.created` example), the audio formats,
 * and `session.update`, which changes only the fields present and answers with the full effective
 * configuration.
 */
import { realtimeErrors, type RealtimeErrorBody } from './errors.ts';

export type AudioFormat = { type: 'audio/pcm'; rate: 24000 } | { type: 'audio/pcmu' } | { type: 'audio/pcma' };

export type TurnDetection =
  | {
      type: 'server_vad';
      threshold: number;
      prefix_padding_ms: number;
      silence_duration_ms: number;
      idle_timeout_ms: number | null;
      create_response: boolean;
      interrupt_response: boolean;
    }
  | { type: 'semantic_vad'; eagerness: 'low' | 'medium' | 'high' | 'auto'; create_response: boolean; interrupt_response: boolean };

export interface RealtimeSession {
  type: 'realtime';
  object: 'realtime.session';
  id: string;
  model: string;
  output_modalities: Array<'audio' | 'text'>;
  instructions: string;
  tools: unknown[];
  tool_choice: unknown;
  max_output_tokens: number | 'inf';
  tracing: unknown;
  prompt: unknown;
  expires_at: number;
  audio: {
    input: { format: AudioFormat; transcription: unknown; noise_reduction: unknown; turn_detection: TurnDetection | null };
    output: { format: AudioFormat; voice: string; speed: number };
  };
  include: unknown;
}

/** Sessions last at most 60 minutes. */
const SESSION_LIFETIME_S = 3600;
const DEFAULT_INSTRUCTIONS =
  "Your knowledge cutoff is 2023-10. You are a helpful, witty, and friendly AI. Act like a human, but remember that you aren't a human and that you can't do human things in the real world.";

/** Dated snapshots the API reports for its Realtime aliases. */
const SNAPSHOTS: Readonly<Record<string, string>> = {
  'gpt-realtime': 'gpt-realtime-2025-08-28',
  'gpt-realtime-mini': 'gpt-realtime-mini-2025-10-06',
};

/**
 * Server VAD as documented in the GA session schema (../shared/specs/openai-openapi.yaml:
 * "threshold … defaults to 0.5", "prefix_padding_ms … Defaults to 300ms", "silence_duration_ms …
 * Defaults to 500ms"). The spec's `session.created` examples show 200 ms; the field documentation
 * is the contract, and an agent that leaves the field out gets 500.
 */
export const DEFAULT_SERVER_VAD: Extract<TurnDetection, { type: 'server_vad' }> = {
  type: 'server_vad',
  threshold: 0.5,
  prefix_padding_ms: 300,
  silence_duration_ms: 500,
  idle_timeout_ms: null,
  create_response: true,
  interrupt_response: true,
};

export function defaultSession(id: string, model: string, nowMs: number): RealtimeSession {
  return {
    type: 'realtime',
    object: 'realtime.session',
    id,
    model: SNAPSHOTS[model] ?? model,
    output_modalities: ['audio'],
    instructions: DEFAULT_INSTRUCTIONS,
    tools: [],
    tool_choice: 'auto',
    max_output_tokens: 'inf',
    tracing: null,
    prompt: null,
    expires_at: Math.floor(nowMs / 1000) + SESSION_LIFETIME_S,
    audio: {
      input: { format: { type: 'audio/pcm', rate: 24000 }, transcription: null, noise_reduction: null, turn_detection: { ...DEFAULT_SERVER_VAD } },
      output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1 },
    },
    include: null,
  };
}

/** The built-in voices (VoiceIdsShared in the OpenAPI spec); custom voices have `voice_…` ids. */
export const BUILT_IN_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'] as const;

function knownVoice(voice: string): boolean {
  return (BUILT_IN_VOICES as readonly string[]).includes(voice) || /^voice_[A-Za-z0-9]+$/.test(voice);
}

/** Bytes of audio per millisecond: PCM16 at 24 kHz 48, G.711 at 8 kHz 8. */
export function bytesPerMs(format: AudioFormat): number {
  return format.type === 'audio/pcm' ? 48 : 8;
}

export function sampleRateOf(format: AudioFormat): number {
  return format.type === 'audio/pcm' ? 24000 : 8000;
}

/** The silence that ends a turn under semantic_vad (the mock's stand-in for the model's judgement). */
const SEMANTIC_SILENCE_MS = { low: 800, medium: 500, high: 250, auto: 500 } as const;

/** The energy-VAD parameters a turn-detection setting amounts to. */
export function vadParams(td: TurnDetection): { threshold: number; prefixPaddingMs: number; silenceDurationMs: number } {
  if (td.type === 'server_vad') return { threshold: td.threshold, prefixPaddingMs: td.prefix_padding_ms, silenceDurationMs: td.silence_duration_ms };
  return { threshold: DEFAULT_SERVER_VAD.threshold, prefixPaddingMs: DEFAULT_SERVER_VAD.prefix_padding_ms, silenceDurationMs: SEMANTIC_SILENCE_MS[td.eagerness] };
}

type UpdateError = Omit<RealtimeErrorBody, 'event_id'>;
type Result<T> = { ok: true; value: T } | { ok: false; error: UpdateError };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseFormat(value: unknown, param: string): Result<AudioFormat> {
  if (!isRecord(value) || typeof value['type'] !== 'string') {
    return { ok: false, error: realtimeErrors.invalidValue(param, `Invalid value for '${param}': expected an object with a 'type'.`) };
  }
  switch (value['type']) {
    case 'audio/pcm':
      if (value['rate'] !== undefined && value['rate'] !== 24000) {
        return { ok: false, error: realtimeErrors.invalidValue(`${param}.rate`, `Invalid value: ${String(value['rate'])}. Supported values are: 24000.`) };
      }
      return { ok: true, value: { type: 'audio/pcm', rate: 24000 } };
    case 'audio/pcmu':
    case 'audio/pcma':
      return { ok: true, value: { type: value['type'] } };
    default:
      return {
        ok: false,
        error: realtimeErrors.invalidValue(`${param}.type`, `Invalid value: '${value['type']}'. Supported values are: 'audio/pcm', 'audio/pcmu', and 'audio/pcma'.`),
      };
  }
}

function numberIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}

function parseTurnDetection(value: unknown, current: TurnDetection | null): Result<TurnDetection | null> {
  const param = 'session.audio.input.turn_detection';
  if (value === null) return { ok: true, value: null };
  if (!isRecord(value)) return { ok: false, error: realtimeErrors.invalidValue(param, `Invalid value for '${param}'.`) };
  const type = value['type'] ?? current?.type ?? 'server_vad';
  const flags = (base: { create_response: boolean; interrupt_response: boolean }): Result<{ create_response: boolean; interrupt_response: boolean }> => {
    for (const name of ['create_response', 'interrupt_response'] as const) {
      if (value[name] !== undefined && typeof value[name] !== 'boolean') {
        return { ok: false, error: realtimeErrors.invalidValue(`${param}.${name}`, `Invalid type for '${param}.${name}': expected a boolean.`) };
      }
    }
    return {
      ok: true,
      value: {
        create_response: (value['create_response'] as boolean | undefined) ?? base.create_response,
        interrupt_response: (value['interrupt_response'] as boolean | undefined) ?? base.interrupt_response,
      },
    };
  };
  if (type === 'server_vad') {
    const base = current?.type === 'server_vad' ? current : DEFAULT_SERVER_VAD;
    const checks: Array<[string, number, number]> = [
      ['threshold', 0, 1],
      ['prefix_padding_ms', 0, 10_000],
      ['silence_duration_ms', 0, 10_000],
    ];
    for (const [name, min, max] of checks) {
      if (value[name] !== undefined && !numberIn(value[name], min, max)) {
        return { ok: false, error: realtimeErrors.invalidValue(`${param}.${name}`, `Invalid value for '${param}.${name}': expected a number from ${min} to ${max}.`) };
      }
    }
    const f = flags(base);
    if (!f.ok) return f;
    return {
      ok: true,
      value: {
        type: 'server_vad',
        threshold: (value['threshold'] as number | undefined) ?? base.threshold,
        prefix_padding_ms: (value['prefix_padding_ms'] as number | undefined) ?? base.prefix_padding_ms,
        silence_duration_ms: (value['silence_duration_ms'] as number | undefined) ?? base.silence_duration_ms,
        idle_timeout_ms: (value['idle_timeout_ms'] as number | null | undefined) ?? base.idle_timeout_ms,
        ...f.value,
      },
    };
  }
  if (type === 'semantic_vad') {
    const base = current?.type === 'semantic_vad' ? current : { eagerness: 'auto' as const, create_response: true, interrupt_response: true };
    const eagerness = value['eagerness'] ?? base.eagerness;
    if (eagerness !== 'low' && eagerness !== 'medium' && eagerness !== 'high' && eagerness !== 'auto') {
      return { ok: false, error: realtimeErrors.invalidValue(`${param}.eagerness`, `Invalid value: '${String(eagerness)}'. Supported values are: 'low', 'medium', 'high', and 'auto'.`) };
    }
    const f = flags(base);
    if (!f.ok) return f;
    return { ok: true, value: { type: 'semantic_vad', eagerness, ...f.value } };
  }
  return { ok: false, error: realtimeErrors.invalidValue(`${param}.type`, `Invalid value: '${String(type)}'. Supported values are: 'server_vad' and 'semantic_vad'.`) };
}

/**
 * Applies a `session.update` payload to `current`; only the fields present change. `audioSent`
 * says whether assistant audio exists already (the voice is then fixed).
 */
export function applySessionUpdate(current: RealtimeSession, update: unknown, audioSent: boolean): Result<RealtimeSession> {
  if (!isRecord(update)) return { ok: false, error: realtimeErrors.missingParam('session') };
  if (update['type'] === undefined) return { ok: false, error: realtimeErrors.missingSessionType() };
  if (update['type'] !== 'realtime') {
    return { ok: false, error: realtimeErrors.invalidValue('session.type', `The mock serves realtime sessions only; cannot change session.type to '${String(update['type'])}'.`) };
  }
  const next: RealtimeSession = structuredClone(current);
  if (update['instructions'] !== undefined) {
    if (typeof update['instructions'] !== 'string') return { ok: false, error: realtimeErrors.invalidValue('session.instructions', "Invalid type for 'session.instructions': expected a string.") };
    next.instructions = update['instructions'];
  }
  if (update['output_modalities'] !== undefined) {
    const m = update['output_modalities'];
    if (!Array.isArray(m) || m.length !== 1 || (m[0] !== 'audio' && m[0] !== 'text')) {
      return { ok: false, error: realtimeErrors.invalidValue('session.output_modalities', "Invalid value for 'session.output_modalities': expected ['audio'] or ['text'].") };
    }
    next.output_modalities = [m[0]];
  }
  if (update['tools'] !== undefined) next.tools = Array.isArray(update['tools']) ? update['tools'] : next.tools;
  for (const key of ['tool_choice', 'tracing', 'prompt', 'include'] as const) {
    if (update[key] !== undefined) next[key] = update[key];
  }
  if (update['max_output_tokens'] !== undefined) {
    const v = update['max_output_tokens'];
    if (v !== 'inf' && !numberIn(v, 1, 4096)) return { ok: false, error: realtimeErrors.invalidValue('session.max_output_tokens', "Invalid value for 'session.max_output_tokens'.") };
    next.max_output_tokens = v;
  }
  const audio = update['audio'];
  if (audio !== undefined) {
    if (!isRecord(audio)) return { ok: false, error: realtimeErrors.invalidValue('session.audio', "Invalid type for 'session.audio': expected an object.") };
    const input = audio['input'];
    if (isRecord(input)) {
      if (input['format'] !== undefined) {
        const f = parseFormat(input['format'], 'session.audio.input.format');
        if (!f.ok) return f;
        next.audio.input.format = f.value;
      }
      if (input['transcription'] !== undefined) next.audio.input.transcription = input['transcription'];
      if (input['noise_reduction'] !== undefined) next.audio.input.noise_reduction = input['noise_reduction'];
      if (input['turn_detection'] !== undefined) {
        const td = parseTurnDetection(input['turn_detection'], next.audio.input.turn_detection);
        if (!td.ok) return td;
        next.audio.input.turn_detection = td.value;
      }
    }
    const output = audio['output'];
    if (isRecord(output)) {
      if (output['format'] !== undefined) {
        const f = parseFormat(output['format'], 'session.audio.output.format');
        if (!f.ok) return f;
        next.audio.output.format = f.value;
      }
      if (output['voice'] !== undefined) {
        if (typeof output['voice'] !== 'string') return { ok: false, error: realtimeErrors.invalidValue('session.audio.output.voice', "Invalid type for 'session.audio.output.voice'.") };
        if (!knownVoice(output['voice'])) {
          const list = BUILT_IN_VOICES.map((v) => `'${v}'`);
          return {
            ok: false,
            error: realtimeErrors.invalidValue(
              'session.audio.output.voice',
              `Invalid value: '${output['voice']}'. Supported values are: ${list.slice(0, -1).join(', ')}, and ${list[list.length - 1] ?? ''}.`,
            ),
          };
        }
        if (audioSent && output['voice'] !== current.audio.output.voice) return { ok: false, error: realtimeErrors.cannotUpdateVoice() };
        next.audio.output.voice = output['voice'];
      }
      if (output['speed'] !== undefined) {
        if (!numberIn(output['speed'], 0.25, 1.5)) return { ok: false, error: realtimeErrors.invalidValue('session.audio.output.speed', "Invalid value for 'session.audio.output.speed': expected a number from 0.25 to 1.5.") };
        next.audio.output.speed = output['speed'];
      }
    }
  }
  return { ok: true, value: next };
}
