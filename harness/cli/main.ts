/** The callbench command line: the only layer that reads argv, prints, and sets the exit code. */
import { constants } from 'node:os';
import { EXIT } from './exit-codes.ts';
import { COMMANDS, findCommand, type CommandContext } from './commands/index.ts';
import type { CommandIo } from './io.ts';
import { MissingPackageError } from './optional-packages.ts';
import { packageVersion } from './paths.ts';
import { didYouMean } from '../scenario/suggest.ts';
import { createTerminalIo } from './terminal-io.ts';
import { UsageError } from './usage-error.ts';
import { watchOutputClosed } from '../../agent/output-closed.ts';
import { InputError } from '../scenario/errors.ts';

const NAMES = [...COMMANDS.map((c) => c.name), 'help'];
const WIDTH = Math.max(...NAMES.map((name) => name.length)) + 2;

const HELP = `Usage: callbench <command> [options]

Commands:
${[...COMMANDS.map((c) => [c.name, c.summary]), ['help', 'show this help, or `callbench help <command>`']].map(([name, summary]) => `  ${(name ?? '').padEnd(WIDTH)}${summary}`).join('\n')}

Options:
  -h, --help     show this help
  -v, --version  print callbench's version

Run \`callbench <command> --help\` (or \`callbench help <command>\`) for the options of a command.`;

// A terminal gets a live status line; a pipe or a file keeps plain lines (terminal-io.ts).
const io: CommandIo = createTerminalIo(process.stdout, process.stderr);

/**
 * For `run`: the first SIGINT or SIGTERM aborts the returned signal with the signal's name (the
 * run hangs up its calls, stops the agent and the mocks, writes its partial report and exits
 * 128 + the signal's number); a second one exits at once with that code, and the 'exit' hook of
 * harness/runner/process-group.ts still kills the agent's process group on the way out.
 */
function stopOnSignals(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    const code = 128 + (constants.signals[signal] ?? 0);
    if (controller.signal.aborted) {
      process.stderr.write(`callbench: ${signal} again: exiting now\n`);
      process.exit(code);
    }
    process.stderr.write(`callbench: ${signal}: stopping: hanging up the calls in flight and writing the partial report (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to exit at once)\n`);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

/**
 * Resolves on the first SIGINT or SIGTERM, or once a write to stdout or stderr finds nobody reading
 * (the process that started this one is gone: agent/output-closed.ts), so that `callbench agent` or
 * `callbench mocks` left behind by a killed harness stops instead of serving nobody.
 */
function untilInterrupted(): Promise<void> {
  const output = watchOutputClosed({ stdout: process.stdout, stderr: process.stderr });
  return new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    void output.closed.then(() => resolve());
  });
}

function isParseArgsError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS');
}

function unknownCommand(name: string): UsageError {
  return new UsageError(`unknown command '${name}'${didYouMean(name, NAMES)}; commands: ${NAMES.join(', ')}`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const context: CommandContext = { io, env: process.env, stopOnSignals, untilInterrupted };
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
      io.out(HELP);
      return EXIT.ok;
    case '-v':
    case '--version':
      io.out(packageVersion());
      return EXIT.ok;
    case 'help': {
      const [topic] = rest;
      if (topic === undefined || topic === 'help') {
        io.out(HELP);
        return EXIT.ok;
      }
      const found = findCommand(topic);
      if (found === undefined) throw unknownCommand(topic);
      io.out(await found.help());
      return EXIT.ok;
    }
    default: {
      const found = findCommand(command);
      if (found !== undefined) return found.run(rest, context);
      // Flags alone are a run's (`callbench --scenario greeting`).
      const run = findCommand('run');
      if (command.startsWith('-') && run !== undefined) return run.run(argv, context);
      throw unknownCommand(command);
    }
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || isParseArgsError(error)) {
    process.stderr.write(`callbench: ${error.message}. See 'callbench --help'.\n`);
    process.exitCode = EXIT.usage;
  } else if (error instanceof InputError || error instanceof MissingPackageError) {
    process.stderr.write(`callbench: ${error.message}\n`);
    process.exitCode = EXIT.usage;
  } else {
    process.stderr.write(`callbench: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    // Whatever the failed command left running must not keep the process (or an agent) alive: exit
    // now; the 'exit' hook kills any agent process group still there.
    process.exit(EXIT.internal);
  }
}
