/**
 * `callbench fixture add FILE.wav --text "…"`: a caller utterance from the user's own recording,
 * written where the user's scenarios find it by name (./scenarios/fixtures, beside ./scenarios).
 * The conversion is harness/scenario/make-fixture.ts; this reads the flags and the file, and
 * writes NAME.wav and NAME.json.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../scenario/errors.ts';
import { CHANNELS, WavError, type Channel } from '../../scenario/fixture-wav.ts';
import { fixtureNameOf, makeFixture } from '../../scenario/make-fixture.ts';
import { NAME } from '../../scenario/resolve.ts';
import { didYouMean } from '../../scenario/suggest.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { choiceFlag } from '../options.ts';
import { parseFlags, parseFlagsAndArgs } from '../parse-flags.ts';
import { UsageError } from '../usage-error.ts';

const DEFAULT_OUT = path.join('scenarios', 'fixtures');
const SUBCOMMANDS = ['add'];

export const FIXTURE_HELP = `Usage: callbench fixture add FILE.wav --text "what is said" [options]

Makes a caller utterance (a fixture) from your own recording: its audio converted to 8 kHz mono
mu-law (what Twilio carries), the spans where the voice is found by callbench's energy VAD, and
the JSON sidecar (text, duration, voiced spans) written beside it. A scenario then says it with
{ "type": "say", "fixture": "NAME" }.

FILE is any WAV file: 8, 16, 44.1 or 48 kHz (or another rate), mono or stereo, PCM (8 to 32
bit), float, mu-law or A-law. The audio is kept as recorded: no gain, no trimming.

Options:
  --text TEXT           what is said (required): the transcript the mock speech-to-text returns
  --channel left|right  the caller's channel of a stereo file (required for stereo, refused for mono)
  --name NAME           the fixture's name, lowercase letters, digits and dashes (default: FILE's
                        name, lowercased, other characters as dashes)
  --out DIR             where NAME.wav and NAME.json go (default ./${DEFAULT_OUT}: there a scenario
                        in ./scenarios finds it by NAME); a scenario elsewhere names the .wav by its
                        path relative to the scenario file
  -h, --help            show this help

Exit codes: 0 written, 2 usage or input error (not a WAV, no audio or no voice in it, a
--channel it lacks, --out onto a file: one line naming the file or the flag).`;

const ADD_OPTIONS = {
  text: { type: 'string' },
  channel: { type: 'string' },
  name: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export async function fixtureCommand(argv: string[], io: CommandIo, cwd: string): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) throw new UsageError('fixture expects a subcommand: add (callbench fixture add FILE.wav --text "…")');
  if (sub.startsWith('-')) {
    const values = parseFlags(argv, { help: { type: 'boolean', short: 'h', default: false } });
    if (values.help) io.out(FIXTURE_HELP);
    return EXIT.ok;
  }
  if (sub !== 'add') throw new UsageError(`unknown fixture subcommand '${sub}'${didYouMean(sub, SUBCOMMANDS)}; fixture subcommands: ${SUBCOMMANDS.join(', ')}`);
  return fixtureAdd(rest, io, cwd);
}

/** The folder --out names (or the default), made; a file there is a usage error. */
async function outDir(out: string | undefined, cwd: string): Promise<string> {
  const dir = path.resolve(cwd, out ?? DEFAULT_OUT);
  const flag = out === undefined ? `the default --out ${DEFAULT_OUT}` : `--out ${out}`;
  const existing = await stat(dir).catch(() => undefined);
  if (existing !== undefined && !existing.isDirectory()) throw new UsageError(`${flag}: is a file; expects a folder for NAME.wav and NAME.json`);
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new UsageError(`${flag}: cannot be created (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return dir;
}

async function readInput(file: string): Promise<Buffer> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new InputError(file, '', `cannot be read (${error.code ?? 'error'}); fixture add expects a WAV file`);
  });
  if (info.isDirectory()) throw new InputError(file, '', 'is a folder; fixture add expects a WAV file');
  if (info.size === 0) throw new InputError(file, '', 'is empty (0 bytes); fixture add expects a WAV file');
  try {
    return await readFile(file);
  } catch (error) {
    throw new InputError(file, '', `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** "0.21–1.96 s, 2.10–3.30 s" */
function spans(voiced: ReadonlyArray<{ startMs: number; endMs: number }>): string {
  return voiced.map((s) => `${(s.startMs / 1000).toFixed(2)}–${(s.endMs / 1000).toFixed(2)} s`).join(', ');
}

/** `file` as the user would type it from `cwd`. */
function shown(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  if (relative === '') return '.';
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : `./${relative}`;
}

async function fixtureAdd(argv: string[], io: CommandIo, cwd: string): Promise<number> {
  const { values, args } = parseFlagsAndArgs(argv, ADD_OPTIONS, { names: ['FILE (the WAV to make the fixture from)'], usage: 'fixture add' });
  if (values.help) {
    io.out(FIXTURE_HELP);
    return EXIT.ok;
  }
  const text = values.text?.trim();
  if (text === undefined || text === '') throw new UsageError('fixture add expects --text "what is said" (the transcript the mock speech-to-text returns)');
  const channel: Channel | undefined = values.channel === undefined ? undefined : choiceFlag('channel', values.channel, 'left', CHANNELS);
  const input = path.resolve(cwd, args[0] ?? '');
  const name = values.name ?? fixtureNameOf(path.basename(input));
  if (values.name !== undefined && !NAME.test(values.name)) throw new UsageError(`--name expects lowercase letters, digits and dashes (starting with a letter or digit), got '${values.name}'`);
  if (name === '') throw new UsageError(`fixture add cannot make a name from '${path.basename(input)}'; give one with --name`);

  const bytes = await readInput(input);
  let made;
  try {
    made = makeFixture(bytes, { name, text, channel, sourceName: path.basename(input) });
  } catch (error) {
    if (error instanceof WavError) throw new InputError(input, '', error.message);
    throw error;
  }
  const dir = await outDir(values.out, cwd);
  const wavFile = path.join(dir, `${name}.wav`);
  const sidecarFile = path.join(dir, `${name}.json`);
  if (path.resolve(wavFile) === input) throw new UsageError(`fixture add would write ${shown(wavFile, cwd)} over the recording it reads; give another --name or --out`);
  await writeFile(wavFile, made.wav);
  await writeFile(sidecarFile, `${JSON.stringify(made.sidecar, null, 2)}\n`);

  const { sidecar } = made;
  const from = `${sidecar.source.format}${channel === undefined ? '' : `, ${channel} channel`}`;
  io.out(`${shown(wavFile, cwd)}: ${(sidecar.durationMs / 1000).toFixed(2)} s of 8 kHz mu-law (from ${from}); voice at ${spans(sidecar.voiced)}`);
  io.out(`${shown(sidecarFile, cwd)}: ${JSON.stringify(sidecar.text)}`);
  const scenarios = path.basename(dir) === 'fixtures' ? path.dirname(dir) : path.join(cwd, 'scenarios');
  const ref = path.basename(dir) === 'fixtures' ? name : `./${path.relative(scenarios, wavFile).split(path.sep).join('/')}`.replace(/^\.\/\.\.\//, '../');
  io.out(`In a scenario in ${shown(scenarios, cwd)}: { "type": "say", "fixture": ${JSON.stringify(ref)}, "reply": "…" }`);
  return EXIT.ok;
}
