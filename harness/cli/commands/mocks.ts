/** `callbench mocks`: start every mock alone, print the environment an agent needs, run until interrupted. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSystemClock } from '../../clock.ts';
import { PROFILES, profileNames } from '../../mocks/profiles.ts';
import { startMocks } from '../../mocks/start-mocks.ts';
import { caBundle, CA_FILE_VARIABLES } from '../../mocks/openai/realtime/tls.ts';
import { mockPorts } from '../target-flags.ts';
import { EXIT } from '../exit-codes.ts';
import { parseFlags } from '../parse-flags.ts';
import type { CommandIo } from '../io.ts';
import { choiceFlag, intFlag } from '../options.ts';
import { UsageError } from '../usage-error.ts';

export const MOCKS_HELP = `Usage: callbench mocks [options]

Starts the mock Deepgram (listen, speak) and OpenAI (chat completions, Realtime) servers on
127.0.0.1 and prints the environment an agent needs to use them (one NAME=value line each), then
serves until interrupted (Ctrl-C).

Realtime is served over ws:// at OPENAI_REALTIME_URL and over wss:// under
OPENAI_REALTIME_BASE_URL (for SDK helpers that force TLS, such as openai-node's OpenAIRealtimeWS),
with a certificate made at start. NODE_EXTRA_CA_CERTS (Node), SSL_CERT_FILE (OpenSSL: Python's
ssl and websockets, httpx, curl) and REQUESTS_CA_BUNDLE (Python requests) all name one file that
holds it, followed by the public roots (the last two replace a client's default roots).

Options:
  --profile NAME   latency profile: ${profileNames().join(', ')} (default reference)
  --seed N         seed of the profile's delays (default 1)
  --port N         Deepgram on port N, OpenAI on N+1 and its TLS twin (OPENAI_REALTIME_BASE_URL)
                   on N+2 (default: any free ports)
  --journal        print every journal entry (what each mock received and sent) as a JSON line on stderr
  -h, --help       show this help

The mocks recognise only utterances registered by a callbench caller; audio from anything else
is transcribed as an empty string.`;

export async function mocksCommand(argv: string[], io: CommandIo, untilInterrupted: () => Promise<void>): Promise<number> {
  const values = parseFlags(argv, {
    profile: { type: 'string' },
    seed: { type: 'string' },
    port: { type: 'string' },
    journal: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.out(MOCKS_HELP);
    return EXIT.ok;
  }
  const profile = PROFILES[choiceFlag('profile', values.profile, 'reference', profileNames())];
  if (profile === undefined) throw new UsageError('--profile: unknown profile');
  const seed = intFlag('seed', values.seed, 1, 0, 2 ** 32 - 1);
  const port = intFlag('port', values.port, 0, 0, 65533);
  const clock = createSystemClock();
  const mocks = await startMocks({ clock, profile, seed, ports: port === 0 ? {} : mockPorts(port) }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`--port ${port}: port ${port}, ${port + 1} or ${port + 2} is already in use`);
    throw error;
  });
  if (values.journal) mocks.journal.subscribe((entry) => io.progress(JSON.stringify(entry)));
  const { OPENAI_CA_CERT: ca, ...printable } = mocks.env;
  const caDir = await mkdtemp(path.join(tmpdir(), 'callbench-mocks-'));
  const caFile = path.join(caDir, 'mocks-ca.pem');
  await writeFile(caFile, caBundle(ca));
  for (const [name, value] of Object.entries(printable)) io.out(`${name}=${value}`);
  for (const name of CA_FILE_VARIABLES) io.out(`${name}=${caFile}`);
  io.progress(`callbench mocks: profile ${profile.name}, seed ${seed}; Ctrl-C to stop`);
  try {
    await untilInterrupted();
  } finally {
    await mocks.close();
    await rm(caDir, { recursive: true, force: true });
  }
  return EXIT.ok;
}
