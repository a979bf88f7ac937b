/**
 * Which agent `callbench run` plays against, and where that agent's upstream services are:
 * the reference agent (default: in its worker thread; `--agent-in-process` on the harness's loop), `--agent-cmd` (any agent as a child process, given the
 * mocks' environment and a PORT) or `--agent-url` (an agent the user runs; the harness only knows
 * its webhook); `--upstream mocks` (default; `--mock-port` fixes their ports) or `real`.
 */
import { AGENT_DEFAULTS, type AgentMode } from '../../agent/options.ts';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { AgentTarget } from '../runner/agent-target.ts';
import { createExternalAgentTarget } from '../runner/external-agent.ts';
import { createProcessAgentTarget } from '../runner/process-agent.ts';
import { realUpstreamEnv } from '../runner/real-upstream.ts';
import type { RunPlan } from '../runner/run.ts';
import type { Clock } from '../clock.ts';
import { choiceFlag, intFlag } from './options.ts';
import { UsageError } from './usage-error.ts';
import { AGENT_IN_PROCESS_HELP } from './reference-target.ts';

/** parseArgs option specs. */
export const TARGET_OPTIONS = {
  'agent-cmd': { type: 'string' },
  'agent-url': { type: 'string' },
  upstream: { type: 'string' },
  'mock-port': { type: 'string' },
  'auth-token': { type: 'string' },
  'webhook-path': { type: 'string' },
  'agent-cwd': { type: 'string' },
  'agent-in-process': { type: 'boolean' },
} as const;

export interface TargetFlagValues {
  'agent-cmd'?: string | undefined;
  'agent-url'?: string | undefined;
  upstream?: string | undefined;
  'mock-port'?: string | undefined;
  'auth-token'?: string | undefined;
  'webhook-path'?: string | undefined;
  'agent-cwd'?: string | undefined;
  'agent-in-process'?: boolean | undefined;
}

/** The token the harness signs with when it also gives it to the agent. */
export const HARNESS_AUTH_TOKEN = 'callbench-twilio-auth-token';

export const TARGET_HELP = `Agent under test (default: the reference agent, in a worker thread of its own):
  --agent-cmd CMD       run CMD (with sh -c) as the agent: it gets the mocks' environment
                        (DEEPGRAM_API_URL, DEEPGRAM_API_KEY, OPENAI_BASE_URL, OPENAI_API_KEY,
                        OPENAI_REALTIME_URL, OPENAI_REALTIME_BASE_URL, and the mocks' certificate
                        in NODE_EXTRA_CA_CERTS, SSL_CERT_FILE and REQUESTS_CA_BUNDLE),
                        TWILIO_AUTH_TOKEN, and PORT/HOST to listen on; POST --webhook-path there
                        is its voice webhook. Stopped with SIGTERM after the run. Keys in CMD
                        (NAME_KEY=…, --auth-token …) are shown as *** in the output and report
  --webhook-path PATH   with --agent-cmd: the agent's voice-webhook path (default /incoming-call)
  --agent-cwd DIR       with --agent-cmd: the directory CMD runs in (default: the current one)
  --agent-url URL       an agent you run yourself: its voice-webhook URL (e.g.
                        http://127.0.0.1:3000/incoming-call); point it at the mocks with --mock-port
  --upstream WHERE      mocks (default) or real: the agent uses the real Deepgram and OpenAI with
                        the keys and URLs in this environment (no scripted replies, faults or stage
                        metrics; the caller-side measurements are the same)
  --mock-port N         Deepgram mock on port N, OpenAI mock on N+1 and its TLS twin (Realtime over
                        wss://, OPENAI_REALTIME_BASE_URL) on N+2 (default: any free ports)
  --auth-token TOKEN    with --agent-url: the Twilio auth token the agent validates signatures with
                        (default: TWILIO_AUTH_TOKEN, else '${HARNESS_AUTH_TOKEN}')
${AGENT_IN_PROCESS_HELP}`;

export interface TargetChoice {
  agent: AgentTarget | undefined;
  upstream: NonNullable<RunPlan['upstream']>;
  authToken: string;
  /** --agent-in-process: the reference agent on the harness's event loop, not in its worker thread. */
  agentInProcess: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The target the flags ask for; `agent` is undefined for the reference agent (the caller builds it
 * with its design flags). `referenceMode` says which keys the reference agent needs on real services.
 */
export function parseTargetFlags(values: TargetFlagValues, env: Env, clock: Clock, referenceMode: AgentMode | undefined): TargetChoice {
  const command = values['agent-cmd'];
  const url = values['agent-url'];
  if (command !== undefined && url !== undefined) throw new UsageError('--agent-cmd and --agent-url are mutually exclusive: pick the agent to call');
  if (command !== undefined && command.trim() === '') throw new UsageError("--agent-cmd expects a command line, got ''");
  if (url !== undefined && !isHttpUrl(url)) throw new UsageError(`--agent-url expects an http(s) URL of the agent's voice webhook, got '${url}'`);
  if (values['agent-in-process'] === true && (command !== undefined || url !== undefined)) throw new UsageError('--agent-in-process applies to the reference agent only, not to --agent-cmd or --agent-url');
  if (values['auth-token'] !== undefined && url === undefined) throw new UsageError('--auth-token applies to --agent-url only (the harness gives its own token to the agents it starts)');
  const webhookPath = values['webhook-path'] === undefined ? undefined : parseWebhookPath(values['webhook-path'], command);
  const cwd = values['agent-cwd'] === undefined ? undefined : parseAgentCwd(values['agent-cwd'], command);
  const where = choiceFlag('upstream', values.upstream, 'mocks', ['mocks', 'real'] as const);
  if (where === 'real' && values['mock-port'] !== undefined) throw new UsageError('--mock-port applies to --upstream mocks only');

  let upstream: TargetChoice['upstream'];
  if (where === 'mocks') {
    const port = values['mock-port'] === undefined ? undefined : intFlag('mock-port', values['mock-port'], 0, 1, 65533);
    upstream = port === undefined ? { kind: 'mocks' } : { kind: 'mocks', ports: mockPorts(port) };
  } else {
    const mode = referenceMode ?? AGENT_DEFAULTS.mode;
    const required = command === undefined && url === undefined ? (mode === 'realtime' ? (['OPENAI_API_KEY'] as const) : (['DEEPGRAM_API_KEY', 'OPENAI_API_KEY'] as const)) : [];
    const real = realUpstreamEnv(env, required);
    if (!real.ok) throw new UsageError(real.error);
    upstream = { kind: 'real', env: real.value };
  }

  const authToken = url === undefined ? HARNESS_AUTH_TOKEN : (values['auth-token'] ?? nonEmpty(env['TWILIO_AUTH_TOKEN']) ?? HARNESS_AUTH_TOKEN);
  const agent =
    command !== undefined
      ? createProcessAgentTarget({ command, clock, ...(cwd === undefined ? {} : { cwd }), ...(webhookPath === undefined ? {} : { webhookPath }) })
      : url !== undefined
        ? createExternalAgentTarget(url)
        : undefined;
  return { agent, upstream, authToken, agentInProcess: values['agent-in-process'] === true };
}

/** The mocks' ports from `--mock-port N` (and `callbench mocks --port N`): Deepgram N, OpenAI N+1, OpenAI's TLS twin N+2. */
export function mockPorts(port: number): { deepgram: number; openai: number; openaiTls: number } {
  return { deepgram: port, openai: port + 1, openaiTls: port + 2 };
}

export function parseWebhookPath(value: string, command: string | undefined): string {
  if (command === undefined) throw new UsageError('--webhook-path applies to --agent-cmd only (with --agent-url the URL holds the path)');
  if (!/^\/[^\s#]*$/.test(value) || !URL.canParse(value, 'http://127.0.0.1')) {
    throw new UsageError(`--webhook-path expects the path of the agent's voice webhook, starting with '/' (e.g. /incoming-call), got '${value}'`);
  }
  return value;
}

export function parseAgentCwd(value: string, command: string | undefined): string {
  if (command === undefined) throw new UsageError('--agent-cwd applies to --agent-cmd only (the directory the command runs in)');
  const dir = path.resolve(value);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    throw new UsageError(`--agent-cwd expects an existing directory, got '${value}' (${(error as NodeJS.ErrnoException).code ?? 'cannot be read'})`);
  }
  if (!isDirectory) throw new UsageError(`--agent-cwd expects a directory, got '${value}', which is not one`);
  return dir;
}

export function isHttpUrl(value: string): boolean {
  return /^https?:\/\/[^/]/.test(value) && URL.canParse(value);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
