/**
 * `callbench import`, in-process in a scratch project, on a dual-channel recording built here:
 * the agent (synthesized speech) on the right, the caller (two shipped fixtures) on the left: a
 * question 800 ms after the greeting ends, then a barge-in whose voice starts 2300 ms after the
 * first audible sample of the agent's reply. The scenario it writes loads with the scenario loader,
 * and its steps put the barge-in at the recorded offset (within 20 ms: a computed value, from the
 * step's playedMs and the fixture's voiced spans) and the question after the recorded silence.
 * Bad input is one line naming the file, exit 2 (an InputError or a UsageError).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import wavefile from 'wavefile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusalOf } from './helpers/refusal.ts';
import { SAMPLE_RATE } from '../../harness/audio/index.ts';
import { importCommand } from '../../harness/cli/commands/import.ts';
import type { CommandIo } from '../../harness/cli/io.ts';
import { FIXTURES_DIR } from '../../harness/cli/paths.ts';
import { parseTranscript } from '../../harness/record/import-recording.ts';
import { loadPlannedScenario } from '../../harness/scenario/plan.ts';
import { BARGE_IN_MS, dualChannelChannels, dualChannelRecording, QUIET_MS } from '../helpers/dual-channel-recording.ts';


let project: string;
let planned: Awaited<ReturnType<typeof loadPlannedScenario>>;
let lines: string[];

function capture(): CommandIo & { lines: string[] } {
  const out: string[] = [];
  return { lines: out, out: (text) => out.push(text), progress: (text) => out.push(`stderr: ${text}`) };
}

const refusal = (argv: string[]): Promise<string> => refusalOf(() => importCommand(argv, capture(), project));

beforeAll(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'callbench-import-'));
  await writeFile(path.join(project, 'Bad Barge-in.wav'), await dualChannelRecording());
  const { caller } = await dualChannelChannels();
  const mono = new wavefile.WaveFile();
  mono.fromScratch(1, SAMPLE_RATE, '16', caller);
  await writeFile(path.join(project, 'mono.wav'), mono.toBuffer());
  await writeFile(path.join(project, 'notes.txt'), 'not audio');
  await writeFile(path.join(project, 'empty.wav'), '');
  await writeFile(path.join(project, 'transcript.txt'), 'caller: I would like to book a table for two tonight.\nagent: Certainly.\ncaller: Wait, stop.\n');
  await writeFile(path.join(project, 'short.txt'), 'just one line\n');

  const io = capture();
  const code = await importCommand(['Bad Barge-in.wav', '--transcript', 'transcript.txt'], io, project);
  expect(code).toBe(0);
  lines = io.lines;
  planned = await loadPlannedScenario(path.join(project, 'scenarios', 'bad-barge-in.json'), FIXTURES_DIR);
});

afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('callbench import', () => {
  it('writes ./scenarios/NAME.json and a fixture per caller utterance, which the scenario loader loads', () => {
    expect(planned.scenario.name).toBe('bad-barge-in');
    expect([...planned.fixtures.keys()].sort()).toEqual(['bad-barge-in-1', 'bad-barge-in-2']);
    expect(planned.fixtures.get('bad-barge-in-1')?.text).toBe('I would like to book a table for two tonight.');
    expect(planned.scenario.steps.map((step: { type: string }) => step.type)).toEqual(['wait_for_agent', 'say', 'wait_for_agent_audio', 'say', 'wait_for_agent', 'hangup']);
    expect(lines[lines.length - 1]).toMatch(/^\.\/scenarios\/bad-barge-in\.json: 6 steps; run it with: callbench run --scenario \.\/scenarios\/bad-barge-in\.json$/);
    expect(lines[1]).toContain("a barge-in 2.30 s into the agent's reply");
  });

  it('the barge-in lands at the recorded offset into the reply, within 20 ms', () => {
    const steps = planned.scenario.steps;
    const wait = steps[2];
    const say = steps[3];
    expect(wait?.type === 'wait_for_agent_audio').toBe(true);
    expect(say?.type === 'say' && say.expect).toBe('interrupt');
    const voice0 = planned.fixtures.get('bad-barge-in-2')?.voiced[0]?.startMs ?? NaN;
    const offset = (wait?.type === 'wait_for_agent_audio' ? wait.playedMs : NaN) + voice0;
    expect(Math.abs(offset - BARGE_IN_MS)).toBeLessThanOrEqual(20);
  });

  it('the question waits for the greeting to end with the recorded silence, within 20 ms; its reply is the transcript\'s', () => {
    const [wait, say] = planned.scenario.steps;
    const voice0 = planned.fixtures.get('bad-barge-in-1')?.voiced[0]?.startMs ?? NaN;
    expect(Math.abs((wait?.type === 'wait_for_agent' ? wait.quietMs : NaN) + voice0 - QUIET_MS)).toBeLessThanOrEqual(20);
    expect(say?.type === 'say' && say.reply).toBe('Certainly.');
  });

  it('without a transcript: placeholder texts, and filler replies long enough to be barged into', async () => {
    const io = capture();
    expect(await importCommand(['Bad Barge-in.wav', '--name', 'plain', '--out', 'elsewhere'], io, project)).toBe(0);
    const loaded = await loadPlannedScenario(path.join(project, 'elsewhere', 'plain.json'), FIXTURES_DIR);
    const say = loaded.scenario.steps[1];
    expect(loaded.fixtures.get('plain-1')?.text).toBe('(caller utterance 1 of Bad Barge-in.wav)');
    expect(say?.type === 'say' && (say.reply?.length ?? 0) * 66).toBeGreaterThan(BARGE_IN_MS + 1000);
  });

  it('bad input: one line naming the file or the flag', async () => {
    expect(await refusal(['mono.wav'])).toMatch(/mono\.wav: has one channel .*expects a dual-channel recording/);
    expect(await refusal(['notes.txt'])).toMatch(/notes\.txt: /);
    expect(await refusal(['empty.wav'])).toMatch(/empty\.wav: is empty \(0 bytes\)/);
    expect(await refusal(['missing.wav'])).toMatch(/missing\.wav: cannot be read \(ENOENT\)/);
    expect(await refusal(['Bad Barge-in.wav', '--transcript', 'short.txt', '--name', 'x'])).toMatch(/Bad Barge-in\.wav: has 2 caller utterance\(s\) .* but the transcript has 1 caller line/);
    expect(await refusal(['Bad Barge-in.wav', '--caller-channel', 'middle'])).toBe("--caller-channel expects one of left, right, got 'middle'");
    expect(await refusal(['Bad Barge-in.wav', '--name', 'Bad Name'])).toMatch(/^--name expects lowercase/);
  });

  it('reads a transcript: caller lines in order, agent lines as the reply to the line before', () => {
    expect(parseTranscript('# call 1\nHello there\nagent: Hi.\nagent: How can I help?\n\ncaller: Bye\n')).toEqual({ caller: ['Hello there', 'Bye'], agent: ['Hi. How can I help?', undefined] });
  });
});
