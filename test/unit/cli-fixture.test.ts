/**
 * `callbench fixture add`, in-process in a scratch project: it writes NAME.wav and NAME.json
 * where a scenario in ./scenarios finds NAME, says what it wrote and how to use it, and refuses
 * every bad input in one line naming the file or the flag (a UsageError or an InputError: exit 2).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import wavefile from 'wavefile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusalOf } from './helpers/refusal.ts';
import { readWav, resample } from '../../harness/audio/index.ts';
import { fixtureCommand } from '../../harness/cli/commands/fixture.ts';
import type { CommandIo } from '../../harness/cli/io.ts';
import { FIXTURES_DIR } from '../../harness/cli/paths.ts';
import { loadPlannedScenario } from '../../harness/scenario/plan.ts';

let project: string;

function capture(): CommandIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (text) => lines.push(text), progress: (text) => lines.push(`stderr: ${text}`) };
}

const refusal = (argv: string[]): Promise<string> => refusalOf(() => fixtureCommand(argv, capture(), project));

beforeAll(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'callbench-fixture-cli-'));
  // The hours utterance as a 44.1 kHz stereo recording, the caller on the right.
  const voice = resample(readWav(await readFile(path.join(FIXTURES_DIR, 'hours.wav'))), 44100).samples;
  const wav = new wavefile.WaveFile();
  wav.fromScratch(2, 44100, '16', [new Int16Array(voice.length), voice]);
  await writeFile(path.join(project, 'Call Recording.wav'), wav.toBuffer());
  await writeFile(path.join(project, 'notes.txt'), 'not audio');
  await writeFile(path.join(project, 'empty.wav'), '');
  await mkdir(path.join(project, 'scenarios'));
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('callbench fixture add', () => {
  it('writes ./scenarios/fixtures/NAME.{wav,json}, which a scenario in ./scenarios says by name', async () => {
    const io = capture();
    const code = await fixtureCommand(['add', 'Call Recording.wav', '--channel', 'right', '--text', ' What are your opening hours on Saturday? '], io, project);
    expect(code).toBe(0);
    expect(io.lines[0]).toMatch(/^\.\/scenarios\/fixtures\/call-recording\.wav: 2\.\d\d s of 8 kHz mu-law \(from 44\.1 kHz stereo 16-bit PCM, right channel\); voice at 0\.2\d–2\.4\d s$/);
    expect(io.lines[1]).toBe('./scenarios/fixtures/call-recording.json: "What are your opening hours on Saturday?"');
    expect(io.lines[2]).toBe('In a scenario in ./scenarios: { "type": "say", "fixture": "call-recording", "reply": "…" }');
    const scenario = path.join(project, 'scenarios', 'mine.json');
    await writeFile(scenario, JSON.stringify({ name: 'mine', description: 'x', steps: [{ type: 'say', fixture: 'call-recording' }, { type: 'hangup' }] }));
    const planned = await loadPlannedScenario(scenario, FIXTURES_DIR);
    expect(planned.fixtures.get('call-recording')?.text).toBe('What are your opening hours on Saturday?');
  });

  it('--name and --out put it elsewhere; the hint gives the path a scenario in ./scenarios uses', async () => {
    const io = capture();
    expect(await fixtureCommand(['add', 'Call Recording.wav', '--channel=right', '--text', 'Hours?', '--name', 'hours-2', '--out', 'audio'], io, project)).toBe(0);
    expect(JSON.parse(await readFile(path.join(project, 'audio', 'hours-2.json'), 'utf8'))).toMatchObject({ name: 'hours-2', text: 'Hours?', sampleRate: 8000, encoding: 'mulaw' });
    expect(io.lines[2]).toBe('In a scenario in ./scenarios: { "type": "say", "fixture": "../audio/hours-2.wav", "reply": "…" }');
  });

  it.each([
    [['add', 'Call Recording.wav', '--channel', 'right'], 'fixture add expects --text'],
    [['add', '--text', 'x'], 'fixture add expects FILE'],
    [['add', 'a.wav', 'b.wav', '--text', 'x'], "unexpected argument 'b.wav'"],
    [['add', 'Call Recording.wav', '--text', 'x'], 'is stereo: say which channel the caller is on with --channel left or --channel right'],
    [['add', 'Call Recording.wav', '--text', 'x', '--channel', 'middle'], "--channel expects one of left, right, got 'middle'"],
    [['add', 'Call Recording.wav', '--text', 'x', '--channel', 'left'], 'has no voice callbench can find'],
    [['add', 'Call Recording.wav', '--text', 'x', '--channel', 'right', '--name', 'Bad Name'], "--name expects lowercase letters, digits and dashes"],
    [['add', 'Call Recording.wav', '--text', 'x', '--channel', 'right', '--out', 'notes.txt'], '--out notes.txt: is a file'],
    [['add', 'notes.txt', '--text', 'x'], 'notes.txt: is not a WAV file'],
    [['add', 'empty.wav', '--text', 'x'], 'empty.wav: is empty (0 bytes)'],
    [['add', 'missing.wav', '--text', 'x'], 'missing.wav: cannot be read (ENOENT)'],
    [['add', '.', '--text', 'x'], 'is a folder'],
    [['add', 'Call Recording.wav', '--text', 'x', '--chanel', 'right'], "unknown flag '--chanel' (did you mean --channel?)"],
    [['ad', 'x.wav'], "unknown fixture subcommand 'ad' (did you mean 'add'?)"],
    [[], 'fixture expects a subcommand: add'],
  ])('refuses %j in one line', async (argv, message) => {
    expect(await refusal(argv)).toContain(message);
  });

  it('prints its help for --help, with or without add', async () => {
    for (const argv of [['--help'], ['add', '--help'], ['add', '-h']]) {
      const io = capture();
      expect(await fixtureCommand(argv, io, project)).toBe(0);
      expect(io.lines[0]?.startsWith('Usage: callbench fixture add FILE.wav --text "what is said" [options]')).toBe(true);
    }
  });
});
