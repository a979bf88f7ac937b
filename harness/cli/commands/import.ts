/**
 * `callbench import RECORDING.wav`: a Twilio dual-channel call recording made a scenario and its
 * fixtures (harness/record/import-recording.ts does the cutting and the timing; this reads the
 * flags and the files, and writes NAME.json and fixtures/NAME-k.{wav,json}).
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { importRecording, parseTranscript, RecordingError, type Transcript } from '../../record/import-recording.ts';
import { InputError } from '../../scenario/errors.ts';
import { CHANNELS, WavError } from '../../scenario/fixture-wav.ts';
import { fixtureNameOf } from '../../scenario/make-fixture.ts';
import { NAME } from '../../scenario/resolve.ts';
import { Scenario } from '../../scenario/schema.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { choiceFlag } from '../options.ts';
import { parseFlagsAndArgs } from '../parse-flags.ts';
import { UsageError } from '../usage-error.ts';

export const IMPORT_HELP = `Usage: callbench import RECORDING.wav [options]

Makes a scenario from a Twilio dual-channel call recording (the caller on one channel, the agent
on the other): the caller's channel is cut into utterances where callbench's energy VAD finds voice
(pauses under 0.7 s stay within one), each written as a fixture with its sidecar (as fixture add
writes them), and a scenario that says them at the same moments relative to the agent's audio as
on the call: an utterance that cut into the agent is a barge-in at the same offset into the
agent's reply (wait_for_agent_audio playedMs, then say, expect interrupt); one said after the
agent fell quiet waits for the agent's turn with the same silence (wait_for_agent quietMs).

The mock LLM's replies are the transcript's agent lines, else filler text as long as the
recorded replies (so that a barge-in still lands in the reply). Run it with
callbench run --scenario OUT/NAME.json.

Options:
  --transcript FILE        what was said: one line per caller utterance, in order, optionally
                           prefixed 'caller:'; 'agent:' lines are the reply to the line before
                           (default: placeholder texts, filler replies)
  --caller-channel left|right
                           the caller's channel (default left; the agent is on the other)
  --name NAME              the scenario's name, lowercase letters, digits and dashes; fixtures are
                           NAME-1, NAME-2, … (default: RECORDING's name, lowercased)
  --out DIR                where NAME.json goes, the fixtures in DIR/fixtures (default ./scenarios)
  -h, --help               show this help

Exit codes: 0 written, 2 usage or input error (not a WAV, empty, one channel, no caller voice, a
transcript whose lines do not match the utterances: one line naming the file or the flag).`;

const IMPORT_OPTIONS = {
  transcript: { type: 'string' },
  'caller-channel': { type: 'string' },
  name: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

async function readInput(file: string, what: string): Promise<Buffer> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new InputError(file, '', `cannot be read (${error.code ?? 'error'}); callbench import expects ${what}`);
  });
  if (info.isDirectory()) throw new InputError(file, '', `is a folder; callbench import expects ${what}`);
  if (info.size === 0) throw new InputError(file, '', `is empty (0 bytes); callbench import expects ${what}`);
  return readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new InputError(file, '', `cannot be read (${error.code ?? 'error'})`);
  });
}

async function outDir(dir: string, flag: string): Promise<void> {
  const existing = await stat(dir).catch(() => undefined);
  if (existing !== undefined && !existing.isDirectory()) throw new UsageError(`${flag}: is a file; expects a folder for the scenario`);
  await mkdir(path.join(dir, 'fixtures'), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`${flag}: cannot be created (${error.code ?? 'error'})`);
  });
}

const shown = (file: string, cwd: string): string => {
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : `./${relative}`;
};

export async function importCommand(argv: string[], io: CommandIo, cwd: string): Promise<number> {
  const { values, args } = parseFlagsAndArgs(argv, IMPORT_OPTIONS, { names: ['RECORDING (the dual-channel WAV to import)'], usage: 'import' });
  if (values.help) {
    io.out(IMPORT_HELP);
    return EXIT.ok;
  }
  const callerChannel = choiceFlag('caller-channel', values['caller-channel'], 'left', CHANNELS);
  const input = path.resolve(cwd, args[0] ?? '');
  if (values.name !== undefined && !NAME.test(values.name)) throw new UsageError(`--name expects lowercase letters, digits and dashes (starting with a letter or digit), got '${values.name}'`);
  const name = values.name ?? fixtureNameOf(path.basename(input));
  if (name === '') throw new UsageError(`import cannot make a name from '${path.basename(input)}'; give one with --name`);
  const out = path.resolve(cwd, values.out ?? 'scenarios');

  let transcript: Transcript | undefined;
  if (values.transcript !== undefined) {
    const file = path.resolve(cwd, values.transcript);
    transcript = parseTranscript((await readInput(file, 'a transcript (one line per caller utterance)')).toString('utf8'));
    if (transcript.caller.length === 0) throw new InputError(file, '', 'has no caller line; callbench import expects one line per caller utterance');
  }
  const bytes = await readInput(input, 'a dual-channel WAV recording');
  let imported;
  try {
    imported = importRecording(bytes, { name, callerChannel, sourceName: path.basename(input), ...(transcript === undefined ? {} : { transcript }) });
  } catch (error) {
    if (error instanceof WavError || error instanceof RecordingError) throw new InputError(input, '', error.message);
    throw error;
  }
  const scenario = {
    $schema: '../node_modules/callbench/scenarios/scenario.schema.json',
    name,
    description: `Imported from ${path.basename(input)} (${imported.format}, ${(imported.durationMs / 1000).toFixed(1)} s, caller on the ${callerChannel} channel) by callbench import: ${imported.utterances.length} caller utterance(s) at their recorded moments relative to the agent's audio.`,
    steps: imported.steps,
  };
  // What the importer made must load: a problem here is callbench's, said before anything is written.
  const checked = Scenario.safeParse(scenario);
  if (!checked.success) throw new Error(`callbench import made a scenario that does not load: ${checked.error.issues[0]?.message ?? 'invalid'}`);

  await outDir(out, values.out === undefined ? 'the default --out scenarios' : `--out ${values.out}`);
  const scenarioFile = path.join(out, `${name}.json`);
  if (path.resolve(scenarioFile) === input) throw new UsageError(`import would write ${shown(scenarioFile, cwd)} over the recording it reads; give another --name or --out`);
  for (const u of imported.utterances) {
    await writeFile(path.join(out, 'fixtures', `${u.fixture}.wav`), u.wav);
    await writeFile(path.join(out, 'fixtures', `${u.fixture}.json`), `${JSON.stringify(u.sidecar, null, 2)}\n`);
  }
  await writeFile(scenarioFile, `${JSON.stringify(scenario, null, 2)}\n`);

  for (const u of imported.utterances) {
    const where = u.bargeInMs === undefined ? '' : `, a barge-in ${(u.bargeInMs / 1000).toFixed(2)} s into the agent's reply`;
    io.out(`${shown(path.join(out, 'fixtures', `${u.fixture}.wav`), cwd)}: voice at ${(u.voiceMs / 1000).toFixed(2)} s of the recording${where}: ${JSON.stringify(u.sidecar.text)}`);
  }
  io.out(`${shown(scenarioFile, cwd)}: ${imported.steps.length} steps; run it with: callbench run --scenario ${shown(scenarioFile, cwd)}`);
  return EXIT.ok;
}
