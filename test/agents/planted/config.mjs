/**
 * The planted agent's configuration: AGENT_MODE (cascaded | realtime) and PLANT, a comma-separated
 * list of the bugs to plant (none: the agent is correct). Each knob reproduces one bug class of
 * ../shared/docs/REFERENCE-AGENTS.md §6 on its own; test/agents/README.md lists them with the
 * scenario that shows each one.
 */

/** Every knob: the modes it applies to and what it breaks (the README's table says the same). */
export const PLANTS = {
  latch: { modes: ['cascaded', 'realtime'], what: 'streamSid is a module global set by the first call and never reset' },
  shared: { modes: ['cascaded', 'realtime'], what: "the 'agent is speaking' state (outstanding marks) is one module global shared by every call" },
  early: { modes: ['cascaded', 'realtime'], what: 'streamSid is taken from the first media message, and the greeting is asked for on `connected`, before `start`' },
  noteardown: { modes: ['cascaded', 'realtime'], what: 'ignores `stop` and the stream closing: the upstream sockets are never closed' },
  noclear: { modes: ['cascaded', 'realtime'], what: 'a barge-in never sends Twilio `clear`' },
  keepgen: { modes: ['cascaded', 'realtime'], what: 'a barge-in clears Twilio but generation goes on: the chat stream is read to its end and its sentences still go to speak with Flush (no speak Clear); Realtime: no response.cancel' },
  late: { modes: ['cascaded', 'realtime'], what: 'upstream audio that arrives after a barge-in (before speak `Cleared`, or deltas of a cancelled response) is forwarded to Twilio' },
  nomarks: { modes: ['cascaded', 'realtime'], what: 'never sends marks: "speaking" starts with the first audio and ends only at a barge-in, so the next utterance clears' },
  backchannel: { modes: ['cascaded', 'realtime'], what: 'any sign of caller speech over agent audio interrupts it (SpeechStarted, any transcript; Realtime: speech_started), backchannels included, and is answered' },
  popany: { modes: ['cascaded', 'realtime'], what: "every mark is named `responsePart` and each echo pops the oldest outstanding one: the echoes a `clear` owed, arriving late, settle the next reply's marks, and the barge-in into that reply sends no `clear`" },
  ctljson: { modes: ['cascaded'], what: "speak's text frames (Metadata, Flushed, Cleared, Warning) are forwarded to Twilio as media, as audio is" },
  crash: { modes: ['cascaded'], what: 'a chat request that fails (an LLM 429) is an unhandled rejection: the process dies' },
  double: { modes: ['cascaded'], what: 'both speech_final and the UtteranceEnd after it are answered: two replies to one utterance' },
  wav: { modes: ['cascaded'], what: "the greeting is rendered by speak's REST API with its default WAV container and sent as it comes, RIFF header included" },
  deadair: { modes: ['cascaded', 'realtime'], what: 'an upstream socket that drops is not reopened: the call stays up in silence' },
  truncsent: { modes: ['realtime'], what: 'truncate audio_end_ms counts the audio sent to Twilio for the item, not what the caller played' },
  truncstale: { modes: ['realtime'], what: "truncate audio_end_ms is measured from the first response's first audio: the start is set once and reset only by a barge-in" },
  slow: { modes: ['cascaded', 'realtime'], what: 'waits 700 ms before starting each reply (otherwise correct): a pure latency regression' },
};

export const MODES = ['cascaded', 'realtime'];

/** What `slow` adds before each reply. */
export const SLOW_REPLY_MS = 700;

export class ConfigError extends Error {}

/** The configuration from the environment; throws ConfigError with one line naming the variable. */
export function readConfig(env) {
  const mode = env.AGENT_MODE ?? 'cascaded';
  if (!MODES.includes(mode)) throw new ConfigError(`AGENT_MODE must be ${MODES.join(' or ')}, got '${mode}'`);
  const names = (env.PLANT ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
  for (const name of names) {
    const plant = PLANTS[name];
    if (plant === undefined) throw new ConfigError(`PLANT: unknown bug '${name}'; known: ${Object.keys(PLANTS).join(', ')}`);
    if (!plant.modes.includes(mode)) throw new ConfigError(`PLANT: '${name}' applies to AGENT_MODE=${plant.modes.join(' or ')} only, not ${mode}`);
  }
  const required = mode === 'cascaded' ? ['DEEPGRAM_API_URL', 'DEEPGRAM_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_API_KEY'] : ['OPENAI_REALTIME_URL', 'OPENAI_API_KEY'];
  const missing = required.filter((name) => !env[name]);
  if (missing.length > 0) throw new ConfigError(`missing environment variable(s) for AGENT_MODE=${mode}: ${missing.join(', ')}`);
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got '${env.PORT}'`);
  return {
    mode,
    plants: new Set(names),
    port,
    host: env.HOST ?? '127.0.0.1',
    authToken: env.TWILIO_AUTH_TOKEN ?? '',
    // Deepgram's WebSockets live on the same host as its REST API.
    deepgramHttp: (env.DEEPGRAM_API_URL ?? '').replace(/\/+$/, ''),
    deepgramWs: (env.DEEPGRAM_API_URL ?? '').replace(/^http/, 'ws').replace(/\/+$/, ''),
    deepgramKey: env.DEEPGRAM_API_KEY ?? '',
    openaiBase: (env.OPENAI_BASE_URL ?? '').replace(/\/+$/, ''),
    openaiKey: env.OPENAI_API_KEY ?? '',
    realtimeUrl: env.OPENAI_REALTIME_URL ?? '',
  };
}
