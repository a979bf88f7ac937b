/**
 * `callbench agent`: the reference agent alone, as a server on --port/--host, configured from the
 * same environment as agent/main.ts (keys and URLs), with the reply-design flags of `run`. Every
 * agent event is one JSON line on stdout; runs until SIGINT/SIGTERM, then closes every call.
 * This command owns the process, so it installs the process-level net: an error nothing caught
 * is printed as an `agent.unhandled_error` line and the agent keeps serving.
 */
// Not agent/index.ts: that loads the agent itself, and with it the SDKs, which are loaded only
// once the flags are read (optional-packages.ts), so --help and a bad flag never need them.
import { agentOptionsFromEnv, DEFAULT_HOST, DEFAULT_PORT } from '../../../agent/env-options.ts';
import type { AgentLogEvent } from '../../../agent/log-events.ts';
import { reportUnhandledErrors, type ProcessEvents } from '../../../agent/process-errors.ts';
import type { ReplyOptions } from '../../../agent/reply/reply-options.ts';
import { loadWithOptional, REFERENCE_AGENT_SDKS } from '../optional-packages.ts';
import { createSystemClock } from '../../clock.ts';
import { EXIT } from '../exit-codes.ts';
import { parseFlags } from '../parse-flags.ts';
import type { CommandIo } from '../io.ts';
import { intFlag } from '../options.ts';
import { MODE_HELP, MODE_OPTIONS, parseModeFlags } from '../mode-flags.ts';
import { parseBargeInFlag, parseReplyFlags, refuseIdleReplyKnobs, REPLY_HELP, REPLY_OPTIONS } from '../reply-flags.ts';

export const AGENT_HELP = `Usage: callbench agent [options]

Runs the reference agent alone: POST /incoming-call answers Twilio with TwiML and /media-stream
takes the media stream. Point a Twilio number at it (through a public wss:// tunnel). Every agent
event is printed as one JSON line on stdout; keys are never printed. Ctrl-C (SIGINT) or SIGTERM
ends every call and stops it.

Options:
  --port N              port to listen on (default: PORT, else ${DEFAULT_PORT}; 0 for any free port)
  --host HOST           address to listen on (default: HOST, else ${DEFAULT_HOST})
  -h, --help            show this help

${MODE_HELP}

${REPLY_HELP}

Environment:
  DEEPGRAM_API_KEY      required in cascaded mode
  OPENAI_API_KEY        required
  DEEPGRAM_API_URL      Deepgram base URL (default https://api.deepgram.com)
  OPENAI_BASE_URL       OpenAI base URL with its version path (default https://api.openai.com/v1)
  OPENAI_REALTIME_BASE_URL
                        base URL the Realtime socket is dialled from (wss://<host>/…/realtime;
                        default OPENAI_BASE_URL); trust a private CA with NODE_EXTRA_CA_CERTS
  AGENT_MODE            as --agent-mode
  OPENAI_REALTIME_MODEL as --realtime-model
  OPENAI_REALTIME_VOICE as --voice
  AGENT_VAD_SILENCE_MS  as --vad-silence-ms
  CALLBENCH_CALL_HEADER 0 as --no-call-header (default 1)
  TWILIO_AUTH_TOKEN     when set, webhook and media-stream signatures are validated
  PUBLIC_URL            the agent's public base URL (default: from the Host header)
  PORT, HOST            as --port and --host
  AGENT_PRESET          as --preset
  AGENT_TEXT            as --text
  AGENT_TTS             as --tts
  AGENT_REST_BODY       as --rest-body
  AGENT_PLAYOUT         as --playout
  AGENT_BARGE_IN        as --barge-in
Flags override the variables; --preset replaces the AGENT_* reply variables as a whole.

Exit codes: 0 after SIGINT/SIGTERM, 1 when it cannot listen, 2 usage or configuration error.`;

type Env = Readonly<Record<string, string | undefined>>;

export async function agentCommand(
  argv: string[],
  io: CommandIo,
  env: Env,
  untilInterrupted: () => Promise<void>,
  proc: ProcessEvents = process,
): Promise<number> {
  const values = parseFlags(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    ...MODE_OPTIONS,
    ...REPLY_OPTIONS,
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.out(AGENT_HELP);
    return EXIT.ok;
  }
  const modeFlags = parseModeFlags(values, env['AGENT_MODE']?.trim() === 'realtime' ? 'realtime' : 'cascaded');
  const flagReply = parseReplyFlags(values);
  const overlay: Record<string, string | undefined> = { ...env };
  if (modeFlags.mode !== undefined) overlay['AGENT_MODE'] = modeFlags.mode;
  const bargeIn = parseBargeInFlag(values);
  if (bargeIn !== undefined) overlay['AGENT_BARGE_IN'] = bargeIn;
  if (modeFlags.realtime?.model !== undefined) overlay['OPENAI_REALTIME_MODEL'] = modeFlags.realtime.model;
  if (modeFlags.realtime?.voice !== undefined) overlay['OPENAI_REALTIME_VOICE'] = modeFlags.realtime.voice;
  if (modeFlags.realtime?.silenceDurationMs !== undefined) overlay['AGENT_VAD_SILENCE_MS'] = String(modeFlags.realtime.silenceDurationMs);
  if (modeFlags.callHeader === false) overlay['CALLBENCH_CALL_HEADER'] = '0';
  if (values.port !== undefined) overlay['PORT'] = String(intFlag('port', values.port, DEFAULT_PORT, 0, 65535));
  if (values.host !== undefined) overlay['HOST'] = values.host;
  const config = agentOptionsFromEnv(overlay);
  if (!config.ok) {
    io.progress(`callbench agent: ${config.error}`);
    return EXIT.usage;
  }
  const { options, port, host } = config.value;
  // --preset replaces the AGENT_* reply variables; single knob flags override them one by one.
  const reply: Partial<ReplyOptions> | undefined = values.preset !== undefined || options.reply === undefined ? flagReply : { ...options.reply, ...flagReply };
  refuseIdleReplyKnobs(values, reply);

  const { createAgent } = await loadWithOptional(() => import('../../../agent/create-agent.ts'), REFERENCE_AGENT_SDKS, 'callbench agent (the reference agent)', '');
  const clock = createSystemClock();
  const print = (event: AgentLogEvent): void => io.out(JSON.stringify(event));
  const agent = createAgent({ ...options, ...(reply === undefined ? {} : { reply }), clock, log: print });
  const stopReporting = reportUnhandledErrors(proc, print, clock);
  try {
    try {
      await agent.listen(port, host);
    } catch (error) {
      io.progress(`callbench agent: cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`);
      await agent.close();
      return EXIT.internal;
    }
    await untilInterrupted();
    await agent.close();
    return EXIT.ok;
  } finally {
    stopReporting();
  }
}
