/**
 * What a user types first: `--version`, `--help`, `help <command>` and `<command> --help` for
 * every command (the same text, exit 0, nothing on stderr), and a mistyped command or flag: one
 * line with the nearest one, exit 2. Nothing here starts a run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers/callbench.ts';

const COMMANDS = ['run', 'compare', 'replay', 'merge', 'capacity', 'fixture', 'record', 'import', 'mocks', 'calibrate', 'agent'];
const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('callbench --version and help', { timeout: 120_000 }, () => {
  it('--version and -v print the package version', async () => {
    for (const flag of ['--version', '-v']) {
      const result = await runCli([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${version}\n`);
      expect(result.stderr).toBe('');
    }
  });

  it('--help lists every command and the --version flag', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of [...COMMANDS, 'help']) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(result.stdout).toContain('-v, --version');
  });

  it.each(COMMANDS)('help %s prints what the command prints for --help, exit 0', async (command) => {
    const [viaHelp, viaFlag] = await Promise.all([runCli(['help', command]), runCli([command, '--help'])]);
    expect(viaHelp.code, viaHelp.stderr).toBe(0);
    expect(viaFlag.code, viaFlag.stderr).toBe(0);
    expect(viaHelp.stderr).toBe('');
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaHelp.stdout.startsWith(`Usage: callbench ${command} `)).toBe(true);
  });

  it('a mistyped command or flag is one line with the nearest one, exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['rnu'], "callbench: unknown command 'rnu' (did you mean 'run'?); commands: run, compare, replay, merge, capacity, fixture, record, import, mocks, calibrate, agent, help. See 'callbench --help'.\n"],
      [['help', 'mock'], "callbench: unknown command 'mock' (did you mean 'mocks'?); commands: run, compare, replay, merge, capacity, fixture, record, import, mocks, calibrate, agent, help. See 'callbench --help'.\n"],
      [['run', '--scenairo', 'greeting'], "callbench: unknown flag '--scenairo' (did you mean --scenario?). See 'callbench --help'.\n"],
      [['mocks', '--prot', '0'], "callbench: unknown flag '--prot' (did you mean --port?). See 'callbench --help'.\n"],
      [['fixture', 'ad'], "callbench: unknown fixture subcommand 'ad' (did you mean 'add'?); fixture subcommands: add. See 'callbench --help'.\n"],
    ];
    for (const [args, line] of cases) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(line);
    }
  });
});
