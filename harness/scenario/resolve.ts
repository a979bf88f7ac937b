/**
 * Where a scenario and the fixtures it names are, for a user who keeps them in their own
 * repository. A scenario NAME is ./scenarios/NAME.json of the working directory, else
 * callbench's own scenarios/NAME.json; anything else is a path, `.json` optional. A fixture
 * NAME is fixtures/NAME.wav (with its NAME.json sidecar) beside the scenario file, else
 * callbench's fixtures/utterances/NAME.wav; anything else is a path to a .wav relative to the
 * scenario file, `.wav` optional. A name or path that is not there is one InputError naming what
 * was looked for and what there is.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { closest } from './suggest.ts';
import { InputError } from './errors.ts';

/** What a name looks like (the schema's own names): lowercase letters, digits and dashes. */
export const NAME = /^[a-z0-9][a-z0-9-]*$/;

/** How many known names an error lists before "…". */
const LISTED = 20;

export interface ScenarioDirs {
  /** The user's scenarios: ./scenarios of the working directory. */
  user: string;
  /** callbench's own scenarios/. */
  package: string;
}

export interface FixtureFiles {
  /** The fixture as the scenario names it: the utterance's id. */
  id: string;
  wav: string;
  sidecar: string;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isDir(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** Files in `dir` ending in `ext`, without it, sorted; [] when `dir` cannot be read. */
function namesIn(dir: string, ext: string): string[] {
  try {
    return readdirSync(dir)
      .filter((file) => file.endsWith(ext))
      .map((file) => file.slice(0, -ext.length))
      .sort();
  } catch {
    return [];
  }
}

/** Whether `file` holds a scenario rather than some other JSON (the schema, a targets file). */
function looksLikeScenario(file: string): boolean {
  try {
    const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof data === 'object' && data !== null && 'steps' in data && Array.isArray(data.steps);
  } catch {
    return false;
  }
}

/** The scenario names in `dir` (files that hold a scenario). */
export function scenarioNamesIn(dir: string): string[] {
  return namesIn(dir, '.json').filter((name) => NAME.test(name) && looksLikeScenario(path.join(dir, `${name}.json`)));
}

function listed(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  return names.length > LISTED ? `${names.slice(0, LISTED).join(', ')}, …` : names.join(', ');
}

function suggestion(word: string, names: readonly string[]): string {
  const match = closest(word, names);
  return match === undefined ? '' : `did you mean '${match}'? `;
}

/** How a folder is shown in a message: relative to the working directory when inside it. */
function shown(dir: string, cwd: string): string {
  const relative = path.relative(cwd, dir);
  return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? dir : `./${relative}`;
}

export class ScenarioNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioNotFoundError';
  }
}

/**
 * The file `--scenario ARG` names, relative to `cwd`. Throws ScenarioNotFoundError, whose
 * message lists the scenarios there are, for a name or a path that is not there.
 */
export function resolveScenario(arg: string, cwd: string, dirs: ScenarioDirs): string {
  if (NAME.test(arg)) {
    const places = dirs.user === dirs.package ? [dirs.package] : [dirs.user, dirs.package];
    for (const dir of places) {
      const file = path.join(dir, `${arg}.json`);
      if (isFile(file)) return file;
    }
    const user = dirs.user === dirs.package ? [] : scenarioNamesIn(dirs.user);
    const own = scenarioNamesIn(dirs.package);
    const looked = places.map((dir) => `${dir === dirs.user ? shown(dir, cwd) : "callbench's scenarios"}/${arg}.json`).join(', nor ');
    const there = dirs.user === dirs.package ? `scenarios: ${listed(own)}` : `${shown(dirs.user, cwd)}: ${listed(user)}; callbench's: ${listed(own)}`;
    throw new ScenarioNotFoundError(`no such scenario (no ${looked}); ${suggestion(arg, [...user, ...own])}${there}`);
  }
  const given = path.resolve(cwd, arg);
  if (isDir(given)) throw new ScenarioNotFoundError(`is a folder (a scenario is a .json file); scenarios in it: ${listed(scenarioNamesIn(given))}`);
  const candidates = arg.endsWith('.json') ? [given] : [`${given}.json`, given];
  const found = candidates.find(isFile);
  if (found !== undefined) return found;
  const dir = path.dirname(given);
  const names = scenarioNamesIn(dir);
  const base = path.basename(given, '.json');
  throw new ScenarioNotFoundError(`no such file (no ${candidates.map((c) => shown(c, cwd)).join(', nor ')}); ${suggestion(base, names)}scenarios in ${shown(dir, cwd)}: ${listed(names)}`);
}

/**
 * The files of the fixture `ref` a say step of `scenarioFile` names. `field` (steps.K.fixture)
 * is where an error points.
 */
export function resolveFixture(ref: string, scenarioFile: string, packageFixtures: string, field: string): FixtureFiles {
  const scenarioDir = path.dirname(scenarioFile);
  if (NAME.test(ref)) {
    const userDir = path.join(scenarioDir, 'fixtures');
    const places = path.resolve(userDir) === path.resolve(packageFixtures) ? [packageFixtures] : [userDir, packageFixtures];
    for (const dir of places) {
      const wav = path.join(dir, `${ref}.wav`);
      // The sidecar decides: a folder with the sidecar but not the WAV gets the loader's error naming the WAV.
      const sidecar = path.join(dir, `${ref}.json`);
      if (isFile(sidecar) || isFile(wav)) return { id: ref, wav, sidecar };
    }
    const user = places.length > 1 ? namesIn(userDir, '.wav') : [];
    const own = namesIn(packageFixtures, '.wav');
    const looked = places.map((dir) => path.join(dir, `${ref}.json`)).join(' nor ');
    throw new InputError(
      scenarioFile,
      field,
      `no fixture '${ref}': no ${looked}; ${suggestion(ref, [...user, ...own])}${places.length > 1 ? `fixtures beside the scenario: ${listed(user)}; ` : ''}callbench's: ${listed(own)} (a path to a .wav, relative to the scenario file, works too; make one with callbench fixture add)`,
    );
  }
  const given = path.resolve(scenarioDir, ref);
  const wav = given.toLowerCase().endsWith('.wav') ? given : `${given}.wav`;
  const sidecar = `${wav.slice(0, -'.wav'.length)}.json`;
  if (isFile(wav) || isFile(sidecar)) return { id: ref, wav, sidecar };
  const dir = path.dirname(wav);
  const names = namesIn(dir, '.wav');
  throw new InputError(
    scenarioFile,
    field,
    `no fixture file ${wav} (a path is relative to the scenario file); ${suggestion(path.basename(wav, '.wav'), names)}WAV files in ${dir}: ${listed(names)}`,
  );
}
