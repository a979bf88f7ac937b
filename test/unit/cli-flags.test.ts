/**
 * The flag contract of every command, in-process: a negative value reaches the flag's own
 * validator (node's parseArgs would call it ambiguous, in three lines), a flag given twice is
 * refused by name, and a reference-agent knob that has no effect given the others is refused.
 * Every refusal is a UsageError of one line naming the flag. Nothing here starts a server: each
 * case is refused while the flags are read.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSystemClock } from '../../harness/clock.ts';
import { agentCommand } from '../../harness/cli/commands/agent.ts';
import { calibrateCommand } from '../../harness/cli/commands/calibrate.ts';
import { mocksCommand } from '../../harness/cli/commands/mocks.ts';
import { RUN_OPTIONS, runCommand } from '../../harness/cli/commands/run.ts';
import type { CommandIo } from '../../harness/cli/io.ts';
import { checkedArgs } from '../../harness/cli/parse-flags.ts';
import { parseTargetFlags, type TargetFlagValues } from '../../harness/cli/target-flags.ts';
import { UsageError } from '../../harness/cli/usage-error.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const io: CommandIo = { out: () => undefined, progress: () => undefined };
const never = (): Promise<void> => new Promise(() => undefined);
/** For an agent that does start: stopped as soon as it listens. */
const atOnce = (): Promise<void> => Promise.resolve();
const KEYS = { DEEPGRAM_API_KEY: 'k', OPENAI_API_KEY: 'k' };
const ANY_PORT = ['--port', '0', '--host', '127.0.0.1'];

/** The UsageError `promise` rejects with; checks it is one line holding every needle. */
async function usageError(promise: Promise<unknown>, ...needles: string[]): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a UsageError').toBeInstanceOf(UsageError);
  const message = (error as UsageError).message;
  expect(message).not.toContain('\n');
  for (const needle of needles) expect(message).toContain(needle);
  return message;
}

describe('a negative value', () => {
  it('reaches the validator of every valued flag of run as a value (--name=value), whatever the flag', () => {
    const valued = Object.entries(RUN_OPTIONS).filter(([, spec]) => spec.type === 'string').map(([name]) => name);
    expect(valued.length).toBeGreaterThan(20);
    for (const name of valued) {
      for (const value of ['-1', '-0.5', '-5s']) expect(checkedArgs([`--${name}`, value], RUN_OPTIONS)).toEqual([`--${name}=${value}`]);
    }
  });

  it.each([
    [['--calls', '-1'], '--calls'],
    [['--concurrency', '-2'], '--concurrency'],
    [['--duration', '-5s'], '--duration'],
    [['--arrival-rate', '-1', '--duration', '2s'], '--arrival-rate'],
    [['--arrival-rate', '1', '--duration', '2s', '--max-calls-in-flight', '-1'], '--max-calls-in-flight'],
    [['--warmup', '-1'], '--warmup'],
    [['--seed', '-1'], '--seed'],
    [['--mock-port', '-1'], '--mock-port'],
    [['--agent-mode', 'realtime', '--vad-silence-ms', '-1'], '--vad-silence-ms'],
  ])('run %j is one line naming the flag and the value', async (args, flag) => {
    const value = args[args.indexOf(flag) + 1] ?? '';
    await usageError(runCommand(args, io), flag, `'${value}'`, 'expects');
  });

  it('is one line naming the flag for mocks, calibrate and agent too', async () => {
    await usageError(mocksCommand(['--seed', '-1'], io, never), '--seed', "'-1'");
    await usageError(mocksCommand(['--port', '-1'], io, never), '--port', "'-1'");
    await usageError(calibrateCommand(['--calls', '-1'], io), '--calls', "'-1'");
    await usageError(calibrateCommand(['--concurrency', '-1'], io), '--concurrency', "'-1'");
    await usageError(agentCommand(['--port', '-1'], io, {}, never), '--port', "'-1'");
    await usageError(agentCommand(['--agent-mode', 'realtime', '--vad-silence-ms', '-20'], io, {}, never), '--vad-silence-ms', "'-20'");
  });
});

describe('the other ways argv goes wrong, each one line naming the flag', () => {
  it('a valued flag with its value missing, or followed by another flag', async () => {
    await usageError(runCommand(['--calls'], io), '--calls expects a value');
    await usageError(runCommand(['--calls', '--json'], io), '--calls', "'--json'", '--calls=VALUE');
  });

  it('a boolean flag with a value, an unknown flag, a stray argument', async () => {
    await usageError(runCommand(['--json=yes'], io), '--json takes no value');
    await usageError(runCommand(['--bogus'], io), "unknown flag '--bogus'");
    await usageError(runCommand(['greeting'], io), "unexpected argument 'greeting'");
  });

  it('a value holding a line break stays on one line', async () => {
    await usageError(runCommand(['--calls', '1\n2'], io), '--calls', '1\\n2');
  });
});

describe('a flag given twice', () => {
  it('is refused, naming it, for every flag that is not repeatable', async () => {
    await usageError(runCommand(['--tts', 'ws', '--tts', 'rest'], io), '--tts is given twice', "'ws', then 'rest'");
    await usageError(runCommand(['--calls', '2', '--calls=3'], io), '--calls is given twice');
    await usageError(runCommand(['--json', '--json'], io), '--json is given twice');
    await usageError(mocksCommand(['--profile', 'instant', '--profile', 'reference'], io, never), '--profile is given twice');
    await usageError(calibrateCommand(['--calls', '1', '--calls', '2'], io), '--calls is given twice');
    await usageError(agentCommand(['--port', '1', '--port', '2'], io, {}, never), '--port is given twice');
    const valued = Object.entries(RUN_OPTIONS).filter(([, spec]) => !('multiple' in spec && spec.multiple));
    for (const [name, spec] of valued) {
      const once = spec.type === 'string' ? [`--${name}`, 'x'] : [`--${name}`];
      expect(() => checkedArgs([...once, ...once], RUN_OPTIONS), name).toThrow(`--${name} is given twice`);
    }
  });

  it('is allowed for the repeatable ones', () => {
    expect(checkedArgs(['--threshold', 'a: max<1', '--threshold', 'b: max<2'], RUN_OPTIONS)).toHaveLength(2);
  });

  it('--scenario: the same scenario twice, by name or by path, names the duplicate', async () => {
    await usageError(runCommand(['--scenario', 'greeting', '--scenario', 'greeting'], io), "--scenario 'greeting' is given twice");
    await usageError(runCommand(['--scenario', 'greeting', '--scenario', 'scenarios/greeting.json'], io), "'scenarios/greeting.json' is the same file as 'greeting'");
  });
});

describe('--scenario NAME|PATH that is not there', () => {
  it.each(['../package', 'Greeting', 'greet ing', '.', 'a/b', 'no-such'])('refuses %j in one line naming it', async (arg) => {
    await usageError(runCommand(['--scenario', arg], io), `--scenario '${arg}': `, 'scenarios');
  });

  it('a name lists the scenarios there are, and the one meant', async () => {
    await usageError(runCommand(['--scenario', 'greting'], io), "--scenario 'greting': no such scenario", "did you mean 'greeting'?", 'long-answer');
  });
});

describe('reference-agent knobs that have no effect given the others', () => {
  it('--rest-body without REST TTS (no --tts rest, or a preset on the WebSocket)', async () => {
    await usageError(runCommand(['--rest-body', 'buffer'], io), '--rest-body applies to --tts rest only');
    await usageError(runCommand(['--tts', 'ws', '--rest-body', 'stream'], io), '--rest-body');
    await usageError(runCommand(['--preset', 'seed-fixed', '--rest-body', 'buffer'], io), '--rest-body');
    await usageError(agentCommand([...ANY_PORT, '--rest-body', 'buffer'], io, KEYS, atOnce), '--rest-body');
  });

  it('--text token with REST TTS, which runs it as sentence', async () => {
    await usageError(runCommand(['--tts', 'rest', '--text', 'token'], io), '--text token has no effect with --tts rest');
    await usageError(runCommand(['--preset', 'seed-current', '--text', 'token'], io), '--text token');
  });

  it('--preset when the knobs given set everything it sets', async () => {
    await usageError(runCommand(['--preset', 'seed-current', '--text', 'full', '--tts', 'ws', '--playout', 'poll'], io), '--preset seed-current has no effect');
    await usageError(runCommand(['--preset', 'seed-fixed', '--text', 'full', '--tts', 'rest', '--rest-body', 'buffer', '--playout', 'poll'], io), '--preset seed-fixed has no effect');
    // With REST TTS and no --rest-body, the preset still sets the body mode: not idle.
    await expect(runCommand(['--preset', 'seed-current', '--text', 'full', '--tts', 'rest', '--playout', 'poll', '--scenario', 'no-such-scenario'], io)).rejects.toThrow('no-such-scenario.json');
  });

  it('takes REST TTS from the AGENT_* variables for callbench agent', async () => {
    // Not refused: the agent starts (on any free port) and stops at once.
    expect(await agentCommand([...ANY_PORT, '--rest-body', 'buffer'], io, { ...KEYS, AGENT_TTS: 'rest' }, atOnce)).toBe(0);
  });

  it('--seed with --upstream real, where no mock profile runs', async () => {
    await usageError(runCommand(['--upstream', 'real', '--seed', '3'], io, { DEEPGRAM_API_KEY: 'k', OPENAI_API_KEY: 'k' }), '--seed applies to --upstream mocks only');
  });
});

describe('--webhook-path and --agent-cwd (for agents that are not ours)', () => {
  const clock = createSystemClock();
  const parse = (values: TargetFlagValues) => parseTargetFlags(values, {}, clock, undefined);

  it('take a path starting with / and an existing directory, with --agent-cmd', () => {
    const target = parse({ 'agent-cmd': 'python agent.py', 'webhook-path': '/voice', 'agent-cwd': ROOT });
    expect(target.agent?.describe()).toBe('process agent (python agent.py)');
  });

  it('refuse a path that does not start with /, in one line', async () => {
    for (const value of ['voice', 'http://127.0.0.1/voice', '', '/with space']) {
      await usageError(runCommand(['--agent-cmd', 'true', '--webhook-path', value], io), '--webhook-path', "starting with '/'", `'${value}'`);
    }
  });

  it('refuse a directory that does not exist or is a file, in one line', async () => {
    await usageError(runCommand(['--agent-cmd', 'true', '--agent-cwd', path.join(ROOT, 'no-such-dir')], io), '--agent-cwd', 'no-such-dir', 'ENOENT');
    await usageError(runCommand(['--agent-cmd', 'true', '--agent-cwd', path.join(ROOT, 'package.json')], io), '--agent-cwd', 'package.json', 'not one');
  });

  it('apply to --agent-cmd only', async () => {
    await usageError(runCommand(['--webhook-path', '/voice'], io), '--webhook-path applies to --agent-cmd only');
    await usageError(runCommand(['--agent-cwd', ROOT], io), '--agent-cwd applies to --agent-cmd only');
    await usageError(runCommand(['--agent-url', 'http://127.0.0.1:3000/voice', '--webhook-path', '/voice'], io), '--webhook-path applies to --agent-cmd only');
  });
});
