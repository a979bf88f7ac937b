/**
 * `callbench record`: the capture proxies (harness/record/) in front of an agent, serving until
 * Ctrl-C. Twilio (or callbench's caller) calls the Twilio proxy, which forwards to the agent's
 * webhook and media stream; the agent's upstream URLs point at the upstream proxy, which forwards
 * to the real services or to callbench's own mocks (`--upstream mocks`, a keyless try). Every
 * call is written as one capture directory under --out when it ends.
 *
 * The proxies, the agent callbench starts and the mocks are all stopped before the command
 * returns, and the captures of calls still in flight are written first.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AGENT_DEFAULTS } from '../../../agent/options.ts';
import { createSystemClock } from '../../clock.ts';
import { caBundle, CA_FILE_VARIABLES } from '../../mocks/openai/realtime/tls.ts';
import { PROFILES, profileNames } from '../../mocks/profiles.ts';
import type { Mocks, UpstreamEnv } from '../../mocks/start-mocks.ts';
import type { RecordedCall } from '../../record/recorder.ts';
import type { RecordingProxies } from '../../record/recording-target.ts';
import type { AgentTarget, RunningAgent } from '../../runner/agent-target.ts';
import { createExternalAgentTarget } from '../../runner/external-agent.ts';
import { createProcessAgentTarget } from '../../runner/process-agent.ts';
import { realUpstreamEnv } from '../../runner/real-upstream.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { MODE_OPTIONS, parseModeFlags } from '../mode-flags.ts';
import { choiceFlag, intFlag } from '../options.ts';
import { parseFlags } from '../parse-flags.ts';
import { packageVersion } from '../paths.ts';
import { HARNESS_AUTH_TOKEN, isHttpUrl, mockPorts, parseAgentCwd, parseWebhookPath } from '../target-flags.ts';
import { referenceAgentTarget } from '../reference-target.ts';
import { UsageError } from '../usage-error.ts';

export const RECORD_HELP = `Usage: callbench record [options]

Puts callbench's capture proxies in front of an agent and records every call through them, one
capture directory per call (capture.json, caller.wav, agent.wav, twilio.jsonl, upstream.jsonl),
until Ctrl-C. It prints the voice-webhook URL to give Twilio (or callbench's caller) and the
upstream URLs the agent uses (DEEPGRAM_API_URL, OPENAI_BASE_URL, OPENAI_REALTIME_URL,
OPENAI_REALTIME_BASE_URL). The proxies forward everything unchanged; the webhook and stream
signatures are made anew with the Twilio auth token. Keys and tokens are never written to a
capture. Record one call at a time: a connection opened while two calls are live cannot be told
apart (both captures then say "overlapped").

Agent (default: the reference agent, in a worker thread, its upstream pointed at the proxy):
  --agent-cmd CMD       run CMD (with sh -c) as the agent: it gets the upstream proxy's
                        environment, TWILIO_AUTH_TOKEN and PORT/HOST; stopped on Ctrl-C
  --webhook-path PATH   with --agent-cmd: its voice-webhook path (default /incoming-call)
  --agent-cwd DIR       with --agent-cmd: the directory CMD runs in
  --agent-url URL       an agent you run yourself: its voice-webhook URL; start it with the
                        printed upstream variables (fix their ports with --upstream-port)
  --agent-mode MODE     the reference agent's mode: cascaded (default) or realtime

Upstream (what the upstream proxy forwards to):
  --upstream WHERE      real (default): Deepgram and OpenAI at DEEPGRAM_API_URL and OPENAI_BASE_URL
                        of this environment, else their public URLs (the agent brings its own keys;
                        the reference agent takes DEEPGRAM_API_KEY and OPENAI_API_KEY from here);
                        or mocks: callbench's mock services behind the proxy, no keys needed (they
                        transcribe audio no callbench caller registered with them as silence)
  --profile NAME        with --upstream mocks: latency profile: ${profileNames().join(', ')} (default instant)

Proxies:
  --port N              the Twilio proxy's port (default: any free port)
  --upstream-port N     the upstream proxy's Deepgram port N, OpenAI N+1, its TLS twin N+2 (default: any)
  --public-url URL      how Twilio reaches the Twilio proxy (your tunnel's https URL); the webhook
                        and the rewritten <Stream> URLs use it (default: the proxy's loopback address)
  --auth-token TOKEN    the Twilio auth token that signs the webhook (default: TWILIO_AUTH_TOKEN,
                        else '${HARNESS_AUTH_TOKEN}'); the agent callbench starts is given it
  --out DIR             where captures go, one directory per call (default ./captures)
  -h, --help            show this help

Exit codes: 0 after Ctrl-C (SIGINT) or SIGTERM, 1 when a proxy cannot start, 2 usage error.`;

type Env = Readonly<Record<string, string | undefined>>;

const RECORD_OPTIONS = {
  'agent-cmd': { type: 'string' },
  'agent-url': { type: 'string' },
  'webhook-path': { type: 'string' },
  'agent-cwd': { type: 'string' },
  ...MODE_OPTIONS,
  upstream: { type: 'string' },
  profile: { type: 'string' },
  port: { type: 'string' },
  'upstream-port': { type: 'string' },
  'public-url': { type: 'string' },
  'auth-token': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value);

/** `--out`: a folder (made when missing), never a file. */
async function checkCaptureDir(dir: string, flag: string): Promise<void> {
  const existing = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new UsageError(`${flag}: cannot be read (${error.code ?? 'error'})`);
  });
  if (existing !== undefined && !existing.isDirectory()) throw new UsageError(`${flag}: is a file; expects a folder for the captures (created when missing)`);
  await mkdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`${flag}: cannot be created (${error.code ?? 'error'})`);
  });
}

/** A capture directory's name: when it was written (so they sort) and the call's CallSid. */
export function captureDirName(callSid: string, at: Date): string {
  return `${at.toISOString().replace(/[:.]/g, '-')}-${callSid.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export async function recordCommand(argv: string[], io: CommandIo, env: Env, untilInterrupted: () => Promise<void>, cwd: string): Promise<number> {
  const values = parseFlags(argv, RECORD_OPTIONS);
  if (values.help) {
    io.out(RECORD_HELP);
    return EXIT.ok;
  }
  const command = values['agent-cmd'];
  const agentUrl = values['agent-url'];
  if (command !== undefined && agentUrl !== undefined) throw new UsageError('--agent-cmd and --agent-url are mutually exclusive: pick the agent to record');
  if (command !== undefined && command.trim() === '') throw new UsageError("--agent-cmd expects a command line, got ''");
  if (agentUrl !== undefined && !isHttpUrl(agentUrl)) throw new UsageError(`--agent-url expects an http(s) URL of the agent's voice webhook, got '${agentUrl}'`);
  const webhookPath = values['webhook-path'] === undefined ? undefined : parseWebhookPath(values['webhook-path'], command);
  const agentCwd = values['agent-cwd'] === undefined ? undefined : parseAgentCwd(values['agent-cwd'], command);
  const mode = parseModeFlags(values);
  if ((command !== undefined || agentUrl !== undefined) && values['agent-mode'] !== undefined) {
    throw new UsageError('--agent-mode configures the reference agent; it does not apply with --agent-cmd or --agent-url');
  }
  const where = choiceFlag('upstream', values.upstream, 'real', ['real', 'mocks'] as const);
  if (where === 'real' && values.profile !== undefined) throw new UsageError('--profile applies to --upstream mocks only (the real services keep their own latency)');
  const profile = PROFILES[choiceFlag('profile', values.profile, 'instant', profileNames())];
  if (profile === undefined) throw new UsageError('--profile: unknown profile');
  const twilioPort = intFlag('port', values.port, 0, 0, 65535);
  const upstreamPort = intFlag('upstream-port', values['upstream-port'], 0, 0, 65533);
  const publicUrl = values['public-url'];
  if (publicUrl !== undefined && (!isHttpUrl(publicUrl) || new URL(publicUrl).pathname !== '/')) {
    throw new UsageError(`--public-url expects the base URL Twilio reaches the proxy at (https://HOST, no path), got '${publicUrl}'`);
  }
  const authToken = nonEmpty(values['auth-token']) ?? nonEmpty(env['TWILIO_AUTH_TOKEN']) ?? HARNESS_AUTH_TOKEN;
  if (values['auth-token'] !== undefined && values['auth-token'].trim() === '') throw new UsageError("--auth-token expects the Twilio auth token, got ''");
  const out = path.resolve(cwd, values.out ?? 'captures');
  await checkCaptureDir(out, values.out === undefined ? `the capture folder ${path.relative(cwd, out)}` : `--out ${values.out}`);

  const clock = createSystemClock();
  const isReference = command === undefined && agentUrl === undefined;
  let upstreamEnv: UpstreamEnv;
  if (where === 'real') {
    const agentMode = mode.mode ?? AGENT_DEFAULTS.mode;
    const required = !isReference ? [] : agentMode === 'realtime' ? (['OPENAI_API_KEY'] as const) : (['DEEPGRAM_API_KEY', 'OPENAI_API_KEY'] as const);
    const real = realUpstreamEnv(env, required);
    if (!real.ok) throw new UsageError(real.error);
    upstreamEnv = real.value;
  } else {
    upstreamEnv = { DEEPGRAM_API_URL: '', DEEPGRAM_API_KEY: '', OPENAI_BASE_URL: '', OPENAI_API_KEY: '', OPENAI_REALTIME_URL: '', OPENAI_REALTIME_BASE_URL: '', OPENAI_CA_CERT: '' };
  }

  let inner: AgentTarget;
  if (command !== undefined) {
    inner = createProcessAgentTarget({ command, clock, ...(agentCwd === undefined ? {} : { cwd: agentCwd }), ...(webhookPath === undefined ? {} : { webhookPath }) });
  } else if (agentUrl !== undefined) {
    inner = createExternalAgentTarget(agentUrl);
  } else {
    inner = await referenceAgentTarget(
      {
        ...(mode.mode === undefined ? {} : { mode: mode.mode }),
        ...(mode.realtime === undefined ? {} : { realtime: mode.realtime }),
        ...(mode.callHeader === undefined ? {} : { callHeader: mode.callHeader }),
      },
      {},
      { inProcess: false, instead: 'or record your own agent with --agent-cmd or --agent-url' },
    );
  }

  const { createRecordingTarget } = await import('../../record/recording-target.ts');
  let mocks: Mocks | undefined;
  let caDir: string | undefined;
  let running: RunningAgent | undefined;
  const written: RecordedCall[] = [];
  try {
    if (where === 'mocks') {
      const { startMocks } = await import('../../mocks/start-mocks.ts');
      mocks = await startMocks({ clock, profile, seed: 1 });
      upstreamEnv = mocks.env;
    }
    let proxies: RecordingProxies | undefined;
    const target = createRecordingTarget(inner, {
      clock,
      dirFor: (callSid) => path.join(out, captureDirName(callSid, new Date())),
      upstream: where,
      callbenchVersion: packageVersion(),
      ports: {
        ...(twilioPort === 0 ? {} : { twilio: twilioPort }),
        ...(upstreamPort === 0 ? {} : { upstream: mockPorts(upstreamPort) }),
      },
      ...(publicUrl === undefined ? {} : { publicUrl }),
      onListening: (p) => void (proxies = p),
      onWritten: (call) => {
        written.push(call);
        const d = call.manifest.durations;
        io.progress(`callbench record: ${call.callSid}: ${(d.callMs / 1000).toFixed(1)} s, ${call.manifest.services.join(', ')} → ${path.relative(cwd, call.dir) || call.dir}`);
      },
      onError: (callSid, error) => io.progress(`callbench record: ${callSid}: the capture could not be written: ${error.message}`),
    });
    try {
      running = await target.start({ ...upstreamEnv, TWILIO_AUTH_TOKEN: authToken });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new UsageError(`--port or --upstream-port: ${(error as Error).message}`);
      throw error;
    }
    if (proxies === undefined) throw new Error('the recording target started without its proxies');
    const { OPENAI_CA_CERT: ca, DEEPGRAM_API_KEY: _dg, OPENAI_API_KEY: _oa, ...urls } = proxies.upstream;
    caDir = await mkdtemp(path.join(tmpdir(), 'callbench-record-'));
    const caFile = path.join(caDir, 'record-proxy-ca.pem');
    await writeFile(caFile, caBundle(ca));
    io.out(`TWILIO_WEBHOOK_URL=${proxies.webhookUrl}`);
    for (const [name, value] of Object.entries(urls)) io.out(`${name}=${value}`);
    for (const name of CA_FILE_VARIABLES) io.out(`${name}=${caFile}`);
    io.progress(
      `callbench record: ${target.describe()} at ${proxies.agentWebhookUrl}; upstream ${where === 'mocks' ? `callbench's mocks (profile ${profile.name})` : 'the real services'}; ` +
        `captures into ${path.relative(cwd, out) || '.'}; point the number's voice webhook at TWILIO_WEBHOOK_URL${agentUrl === undefined ? '' : ' and start the agent with the variables above'}; Ctrl-C to stop`,
    );
    await untilInterrupted();
    io.progress('callbench record: stopping: writing the captures of calls still in flight');
  } finally {
    // The agent first (it hangs up its calls), then the proxies (RunningAgent.stop does both), the mocks last.
    await running?.stop();
    await mocks?.close();
    if (caDir !== undefined) await rm(caDir, { recursive: true, force: true });
  }
  io.progress(`callbench record: ${written.length} capture(s) written`);
  return EXIT.ok;
}
