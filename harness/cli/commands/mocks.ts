/** `callbench mocks`: start every mock alone, print the environment an agent needs, run until interrupted. */
import { parseArgs } from 'node:util';
import { createSystemClock } from '../../clock.ts';
import { PROFILES, profileNames } from '../../mocks/profiles.ts';
import { startMocks } from '../../mocks/start-mocks.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { choiceFlag, intFlag } from '../options.ts';
import { UsageError } from '../usage-error.ts';

export const MOCKS_HELP = `Usage: callbench mocks [options]

Starts the mock Deepgram (listen, speak) and OpenAI (chat completions) servers on 127.0.0.1 and
prints the environment an agent needs to use them, then serves until interrupted (Ctrl-C).

Options:
  --profile NAME   latency profile: ${profileNames().join(', ')} (default reference)
  --seed N         seed of the profile's delays (default 1)
  --port N         Deepgram on port N and OpenAI on N+1 (default: any free ports)
  --journal        print every journal entry (what each mock received and sent) as a JSON line on stderr
  -h, --help       show this help

The mocks recognise only utterances registered by a callbench caller; audio from anything else
is transcribed as an empty string.`;

export async function mocksCommand(argv: string[], io: CommandIo, untilInterrupted: () => Promise<void>): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      profile: { type: 'string' },
      seed: { type: 'string' },
      port: { type: 'string' },
      journal: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(MOCKS_HELP);
    return EXIT.ok;
  }
  const profile = PROFILES[choiceFlag('profile', values.profile, 'reference', profileNames())];
  if (profile === undefined) throw new UsageError('--profile: unknown profile');
  const seed = intFlag('seed', values.seed, 1, 0, 2 ** 32 - 1);
  const port = intFlag('port', values.port, 0, 0, 65534);
  const clock = createSystemClock();
  const mocks = await startMocks({ clock, profile, seed, ports: port === 0 ? {} : { deepgram: port, openai: port + 1 } }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`--port ${port}: port ${port} or ${port + 1} is already in use`);
    throw error;
  });
  if (values.journal) mocks.journal.subscribe((entry) => io.progress(JSON.stringify(entry)));
  for (const [name, value] of Object.entries(mocks.env)) io.out(`${name}=${value}`);
  io.progress(`callbench mocks: profile ${profile.name}, seed ${seed}; Ctrl-C to stop`);
  await untilInterrupted();
  await mocks.close();
  return EXIT.ok;
}
