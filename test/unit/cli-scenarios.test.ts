/**
 * What `callbench run` refuses about the scenarios it is given, in-process and before any call:
 * two scenarios with one name, and faults the run cannot reach (no mocks with --upstream real;
 * a service the reference agent's mode or design never uses). Each refusal is an InputError of
 * one line naming the scenario file and the field.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../harness/cli/commands/run.ts';
import type { CommandIo } from '../../harness/cli/io.ts';
import { checkFaultsReachable } from '../../harness/cli/fault-reach.ts';
import { InputError } from '../../harness/scenario/errors.ts';
import type { Scenario } from '../../harness/scenario/schema.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const io: CommandIo = { out: () => undefined, progress: () => undefined };
const REAL_KEYS = { DEEPGRAM_API_KEY: 'k', OPENAI_API_KEY: 'k' };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'callbench-cli-scenarios-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function inputError(promise: Promise<unknown>, ...needles: string[]): Promise<InputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected an InputError').toBeInstanceOf(InputError);
  const { message } = error as InputError;
  expect(message).not.toContain('\n');
  for (const needle of needles) expect(message).toContain(needle);
  return error as InputError;
}

describe('scenario names', () => {
  it('refuses two scenario files with one name, naming both files', async () => {
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    const scenario = { name: 'twin', description: 'x', steps: [{ type: 'hangup' }] };
    await writeFile(a, JSON.stringify(scenario));
    await writeFile(b, JSON.stringify(scenario));
    const error = await inputError(runCommand(['--scenario', a, '--scenario', b], io), b, a, "'twin'");
    expect(error.field).toBe('name');
  });
});

describe('faults the run cannot reach', () => {
  const upstreamDrop = path.join(ROOT, 'scenarios', 'upstream-drop.json');
  const rateLimited = path.join(ROOT, 'scenarios', 'llm-rate-limited.json');

  it('any fault with --upstream real, where no mocks run', async () => {
    const error = await inputError(runCommand(['--upstream', 'real', '--scenario', 'upstream-drop'], io, REAL_KEYS), upstreamDrop, '--upstream real');
    expect(error.field).toBe('faults');
    await inputError(runCommand(['--upstream', 'real', '--scenario', 'greeting', '--scenario', 'llm-rate-limited', '--agent-cmd', 'true'], io, REAL_KEYS), rateLimited);
  });

  it('a service the reference agent never uses in its mode, or with REST TTS', async () => {
    const realtime = await inputError(runCommand(['--agent-mode', 'realtime', '--scenario', 'upstream-drop'], io), upstreamDrop, 'deepgram.speak', 'realtime mode');
    expect(realtime.field).toBe('faults.0.service');
    await inputError(runCommand(['--agent-mode', 'realtime', '--scenario', 'llm-rate-limited'], io), 'openai.chat');
    await inputError(runCommand(['--tts', 'rest', '--scenario', 'upstream-drop'], io), 'deepgram.speak', '--tts rest');
  });

  it('lets every fault through for an agent that is not ours, on the mocks', () => {
    const scenario: Scenario = {
      name: 'x',
      description: 'x',
      steps: [{ type: 'hangup' }],
      faults: [{ type: 'close', service: 'openai.realtime', code: 1011, reason: 'r', afterResponses: 1 }],
    };
    expect(() => checkFaultsReachable([{ file: 'x.json', scenario }], { kind: 'any' })).not.toThrow();
    expect(() => checkFaultsReachable([{ file: 'x.json', scenario }], { kind: 'reference', mode: 'realtime', tts: 'ws' })).not.toThrow();
    expect(() => checkFaultsReachable([{ file: 'x.json', scenario }], { kind: 'reference', mode: 'cascaded', tts: 'ws' })).toThrow('faults.0.service');
  });
});
