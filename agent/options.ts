/**
 * The agent's options: what a caller passes (`AgentOptions`), the defaults in one object, and the
 * resolved form (no optional fields) that the rest of the agent reads. Validated once, here.
 */
import { createSystemClock, type Clock } from '../harness/clock.ts';
import { BARGE_IN_POLICIES, type BargeInPolicy } from './call/turn-detector.ts';
import type { AgentLog } from './log-events.ts';
import { DEFAULT_REPLY_OPTIONS, invalidReplyOption, type ReplyOptions } from './reply/reply-options.ts';

/** Timeouts and limits. The defaults suit the real services; tests may shorten them. */
export interface AgentTuning {
  /** Send Deepgram listen a KeepAlive after this long without audio (Deepgram asks for one every 3–5 s). */
  keepAliveIntervalMs: number;
  /** Give up opening an upstream socket after this long. */
  upstreamConnectTimeoutMs: number;
  /** After CloseStream / Close, wait this long for the service to close before closing ourselves. */
  upstreamCloseGraceMs: number;
  /** Times per call each upstream socket may be reopened after a failure before the call is hung up. */
  upstreamMaxReconnects: number;
  /** Stop discarding TTS audio if `Cleared` has not arrived this long after `Clear`. */
  ttsClearTimeoutMs: number;
  /** Abort a REST TTS request whose response (headers or next body bytes) has stalled this long. */
  ttsRestIdleTimeoutMs: number;
  /** Abort an LLM stream that has produced nothing for this long. */
  llmIdleTimeoutMs: number;
  /** Retries the openai SDK may make for one request (429/5xx/connection errors). */
  llmMaxRetries: number;
  /** Caller audio buffered while the listen socket (re)connects; older audio is dropped. */
  pendingAudioLimitBytes: number;
  /**
   * Close a media-stream socket that has sent no `start` this long after the upgrade. Twilio sends
   * `start` right after `connected`, so a socket still without one is not a call (0: never).
   */
  startTimeoutMs: number;
  /** Drop an HTTP request whose headers have not all arrived this long after it began (a slowloris; 0: no limit). */
  httpHeadersTimeoutMs: number;
  /** Drop an HTTP request not received in full (headers and body) this long after it began (0: no limit). */
  httpRequestTimeoutMs: number;
  /** Answer 408 to a webhook whose form body has stalled this long without new bytes (0: no limit). */
  webhookBodyTimeoutMs: number;
  /**
   * Cascaded mode: wait this long after the end of the caller's turn before asking the LLM (0, the
   * default: not at all). A planted latency regression, for proving a gate catches one
   * (`callbench run --reply-delay-ms 150`); no real agent wants it.
   */
  replyDelayMs: number;
}

/** How the agent talks: Deepgram STT → OpenAI chat → Deepgram TTS, or OpenAI Realtime speech to speech. */
export type AgentMode = 'cascaded' | 'realtime';
export const AGENT_MODES: readonly AgentMode[] = ['cascaded', 'realtime'];

/** Realtime mode's session settings. */
export interface RealtimeSettings {
  model: string;
  voice: string;
  /** Server VAD: trailing silence that ends the caller's turn. */
  silenceDurationMs: number;
}

export interface AgentOptions {
  /** 'cascaded' (the default) or 'realtime'. */
  mode?: AgentMode;
  /** Deepgram base URL, for REST and WebSocket alike (ws accepts http: URLs). */
  deepgramApiUrl?: string;
  /** Required in cascaded mode; Realtime mode does not use Deepgram. */
  deepgramApiKey?: string;
  /** OpenAI base URL including the version path, e.g. http://127.0.0.1:PORT/v1 */
  openaiBaseUrl?: string;
  openaiApiKey: string;
  /**
   * Base URL the Realtime socket is derived from (the SDK dials wss://<host>/…/realtime); defaults
   * to `openaiBaseUrl`. A separate one lets a plain-http mock serve chat while TLS serves Realtime.
   */
  openaiRealtimeBaseUrl?: string;
  /** A certificate authority (PEM) to trust for the Realtime socket besides the system's, e.g. a mock's. */
  openaiCa?: string;
  realtime?: Partial<RealtimeSettings>;
  /** When set, webhook and media-stream signatures are validated; requests that fail get 403. */
  twilioAuthToken?: string;
  /** The agent's public base URL (https://host[:port]); otherwise the Host header is used. */
  publicUrl?: string;
  /** Spoken once both Deepgram sockets are open after `start`; '' for none. */
  greeting?: string;
  systemPrompt?: string;
  /** Spoken when the LLM fails before saying anything, so the caller never hears dead air. */
  fallbackReply?: string;
  llmModel?: string;
  sttModel?: string;
  ttsModel?: string;
  reply?: Partial<ReplyOptions>;
  /** Cascaded mode: what interrupts the agent (default 'speech'; 'words' ignores noise and backchannels). */
  bargeIn?: BargeInPolicy;
  /**
   * Tag every upstream connection and request with `x-callbench-call: <CallSid>` (default true), so
   * the harness's mocks tie it to its call; false sends no such header (the mocks then attribute by content).
   */
  callHeader?: boolean;
  log?: AgentLog;
  clock?: Clock;
  tuning?: Partial<AgentTuning>;
}

export interface ResolvedAgentOptions {
  mode: AgentMode;
  deepgramApiUrl: string;
  deepgramApiKey: string;
  openaiBaseUrl: string;
  openaiApiKey: string;
  openaiRealtimeBaseUrl: string;
  openaiCa: string | null;
  realtime: RealtimeSettings;
  twilioAuthToken: string | null;
  /** Validated: http(s) or ws(s), no query or fragment. May carry a path prefix. */
  publicUrl: URL | null;
  greeting: string;
  systemPrompt: string;
  fallbackReply: string;
  llmModel: string;
  sttModel: string;
  ttsModel: string;
  reply: ReplyOptions;
  bargeIn: BargeInPolicy;
  callHeader: boolean;
  log: AgentLog;
  clock: Clock;
  tuning: AgentTuning;
}

/** The options that have a default; the rest are the caller's (keys, URLs of their deployment, hooks). */
export type AgentDefaults = Omit<
  ResolvedAgentOptions,
  'deepgramApiKey' | 'openaiApiKey' | 'openaiRealtimeBaseUrl' | 'openaiCa' | 'twilioAuthToken' | 'publicUrl' | 'log' | 'clock'
>;

/** Every default, in one place. */
export const AGENT_DEFAULTS: Readonly<AgentDefaults> = {
  mode: 'cascaded',
  deepgramApiUrl: 'https://api.deepgram.com',
  openaiBaseUrl: 'https://api.openai.com/v1',
  greeting: 'Hello! Thanks for calling. How can I help you today?',
  systemPrompt:
    'You are a friendly, concise phone assistant. Your words are spoken aloud on a phone call: answer in one to three short sentences, ' +
    'with no lists, markdown, emoji or URLs.',
  fallbackReply: "Sorry, I'm having trouble right now. Could you say that again?",
  llmModel: 'gpt-4o-mini',
  sttModel: 'nova-3',
  ttsModel: 'aura-2-thalia-en',
  reply: DEFAULT_REPLY_OPTIONS,
  bargeIn: 'words',
  callHeader: true,
  realtime: { model: 'gpt-realtime', voice: 'marin', silenceDurationMs: 500 },
  tuning: {
    keepAliveIntervalMs: 4000,
    upstreamConnectTimeoutMs: 5000,
    upstreamCloseGraceMs: 1000,
    upstreamMaxReconnects: 2,
    ttsClearTimeoutMs: 2000,
    ttsRestIdleTimeoutMs: 10_000,
    llmIdleTimeoutMs: 10_000,
    llmMaxRetries: 1,
    pendingAudioLimitBytes: 5 * 8000,
    startTimeoutMs: 10_000,
    httpHeadersTimeoutMs: 10_000,
    httpRequestTimeoutMs: 30_000,
    webhookBodyTimeoutMs: 10_000,
    replyDelayMs: 0,
  },
};

/** Thrown by `createAgent` for options it cannot run with; the message names the option. */
export class AgentOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentOptionsError';
  }
}

function requireText(name: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new AgentOptionsError(`${name} is required`);
  return value;
}

function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AgentOptionsError(`${name} must be an absolute URL, got '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AgentOptionsError(`${name} must be an http(s) URL, got '${value}'`);
  }
  return value.replace(/\/+$/, '');
}

function publicBase(value: string | undefined): URL | null {
  if (value === undefined || value === '') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AgentOptionsError(`publicUrl must be an absolute URL, got '${value}'`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new AgentOptionsError(`publicUrl must be an http(s) or ws(s) URL, got '${value}'`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new AgentOptionsError(`publicUrl must not carry a query or fragment, got '${value}'`);
  }
  return url;
}

function resolveTuning(tuning: Partial<AgentTuning> | undefined): AgentTuning {
  const resolved: AgentTuning = { ...AGENT_DEFAULTS.tuning };
  for (const key of Object.keys(resolved) as Array<keyof AgentTuning>) {
    const value = tuning?.[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) {
      throw new AgentOptionsError(`tuning.${key} must be a finite number ≥ 0, got ${String(value)}`);
    }
    resolved[key] = value;
  }
  // Node refuses a headers timeout longer than the request timeout (when that one is set).
  if (resolved.httpRequestTimeoutMs > 0 && resolved.httpHeadersTimeoutMs > resolved.httpRequestTimeoutMs) {
    throw new AgentOptionsError(
      `tuning.httpHeadersTimeoutMs (${resolved.httpHeadersTimeoutMs}) must not exceed tuning.httpRequestTimeoutMs (${resolved.httpRequestTimeoutMs})`,
    );
  }
  return resolved;
}

const ignoreEvent: AgentLog = () => {};

function resolveRealtime(given: Partial<RealtimeSettings> | undefined): RealtimeSettings {
  const realtime: RealtimeSettings = { ...AGENT_DEFAULTS.realtime };
  if (given?.model !== undefined) realtime.model = requireText('realtime.model', given.model);
  if (given?.voice !== undefined) realtime.voice = requireText('realtime.voice', given.voice);
  const silence = given?.silenceDurationMs;
  if (silence !== undefined) {
    if (!Number.isInteger(silence) || silence < 0 || silence > 10_000) {
      throw new AgentOptionsError(`realtime.silenceDurationMs must be an integer from 0 to 10000, got ${String(silence)}`);
    }
    realtime.silenceDurationMs = silence;
  }
  return realtime;
}

function resolveBargeIn(policy: BargeInPolicy | undefined): BargeInPolicy {
  if (policy === undefined) return AGENT_DEFAULTS.bargeIn;
  if (!BARGE_IN_POLICIES.includes(policy)) throw new AgentOptionsError(`bargeIn must be one of ${BARGE_IN_POLICIES.join(', ')}, got '${String(policy)}'`);
  return policy;
}

function resolveCallHeader(value: boolean | undefined): boolean {
  if (value === undefined) return AGENT_DEFAULTS.callHeader;
  if (typeof value !== 'boolean') throw new AgentOptionsError(`callHeader must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function resolveMode(mode: AgentMode | undefined): AgentMode {
  if (mode === undefined) return AGENT_DEFAULTS.mode;
  if (!AGENT_MODES.includes(mode)) throw new AgentOptionsError(`mode must be one of ${AGENT_MODES.join(', ')}, got '${String(mode)}'`);
  return mode;
}

export function resolveAgentOptions(options: AgentOptions): ResolvedAgentOptions {
  const given = Object.entries(options.reply ?? {}).filter(([, value]) => value !== undefined);
  const reply: ReplyOptions = { ...AGENT_DEFAULTS.reply, ...(Object.fromEntries(given) as Partial<ReplyOptions>) };
  const invalid = invalidReplyOption(reply);
  if (invalid !== undefined) throw new AgentOptionsError(invalid);
  const token = options.twilioAuthToken;
  const openaiBaseUrl = httpUrl('openaiBaseUrl', options.openaiBaseUrl ?? AGENT_DEFAULTS.openaiBaseUrl);
  const mode = resolveMode(options.mode);
  return {
    mode,
    deepgramApiUrl: httpUrl('deepgramApiUrl', options.deepgramApiUrl ?? AGENT_DEFAULTS.deepgramApiUrl),
    deepgramApiKey: mode === 'cascaded' ? requireText('deepgramApiKey', options.deepgramApiKey) : (options.deepgramApiKey ?? ''),
    openaiBaseUrl,
    openaiApiKey: requireText('openaiApiKey', options.openaiApiKey),
    openaiRealtimeBaseUrl:
      options.openaiRealtimeBaseUrl === undefined || options.openaiRealtimeBaseUrl === ''
        ? openaiBaseUrl
        : httpUrl('openaiRealtimeBaseUrl', options.openaiRealtimeBaseUrl),
    openaiCa: options.openaiCa === undefined || options.openaiCa === '' ? null : options.openaiCa,
    realtime: resolveRealtime(options.realtime),
    twilioAuthToken: token === undefined || token === '' ? null : token,
    publicUrl: publicBase(options.publicUrl),
    greeting: options.greeting ?? AGENT_DEFAULTS.greeting,
    systemPrompt: options.systemPrompt ?? AGENT_DEFAULTS.systemPrompt,
    fallbackReply: options.fallbackReply ?? AGENT_DEFAULTS.fallbackReply,
    llmModel: requireText('llmModel', options.llmModel ?? AGENT_DEFAULTS.llmModel),
    sttModel: requireText('sttModel', options.sttModel ?? AGENT_DEFAULTS.sttModel),
    ttsModel: requireText('ttsModel', options.ttsModel ?? AGENT_DEFAULTS.ttsModel),
    reply,
    bargeIn: resolveBargeIn(options.bargeIn),
    callHeader: resolveCallHeader(options.callHeader),
    log: options.log ?? ignoreEvent,
    clock: options.clock ?? createSystemClock(),
    tuning: resolveTuning(options.tuning),
  };
}
