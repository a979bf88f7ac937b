/** The reference agent's public API. */
export { createAgent, type AgentServer } from './create-agent.ts';
export {
  AGENT_DEFAULTS,
  AGENT_MODES,
  AgentOptionsError,
  type AgentMode,
  type RealtimeSettings,
  type AgentDefaults,
  resolveAgentOptions,
  type AgentOptions,
  type AgentTuning,
  type ResolvedAgentOptions,
} from './options.ts';
export { reportUnhandledErrors, type ProcessEvents } from './process-errors.ts';
export { agentOptionsFromEnv, DEFAULT_HOST, DEFAULT_PORT, REPLY_ENV, type AgentEnvResult, type AgentProcessConfig } from './env-options.ts';
export type {
  AgentErrorCode,
  AgentLog,
  AgentLogEvent,
  AgentLogEventType,
  AgentWarningCode,
  BargeInTrigger,
  CallEndReason,
  ReplyOutcome,
  ReplyTrigger,
  UnhandledKind,
  Upstream,
} from './log-events.ts';
export {
  DEFAULT_REPLY_OPTIONS,
  PLAYOUT_MODES,
  REPLY_CHOICES,
  REST_BODY_MODES,
  TEXT_MODES,
  TTS_TRANSPORTS,
  type PlayoutMode,
  type ReplyOptions,
  type RestBodyMode,
  type TextMode,
  type TtsTransport,
} from './reply/reply-options.ts';
export { REPLY_PRESET_NAMES, REPLY_PRESETS, replyOptionsOf, type ReplyPresetName } from './reply/presets.ts';
export { CALL_HEADER } from './upstream/upstream-clients.ts';
export { BARGE_IN_POLICIES, type BargeInPolicy } from './call/turn-detector.ts';
