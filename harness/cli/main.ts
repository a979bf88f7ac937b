/** The callbench command line: the only layer that reads argv, prints, and sets the exit code. */
import { constants } from 'node:os';
import { EXIT } from './exit-codes.ts';
import { RUN_HELP, runCommand } from './commands/run.ts';
import { MOCKS_HELP, mocksCommand } from './commands/mocks.ts';
import { CALIBRATE_HELP, calibrateCommand } from './commands/calibrate.ts';
import { AGENT_HELP, agentCommand } from './commands/agent.ts';
import type { CommandIo } from './io.ts';
import { createTerminalIo } from './terminal-io.ts';
import { UsageError } from './usage-error.ts';
import { InputError } from '../scenario/errors.ts';

const HELP = `Usage: callbench <command> [options]

Commands:
  run      play scenarios against the reference agent and report latency (default)
  mocks    start the mock Deepgram and OpenAI servers alone and print their environment
  calibrate  measure the null agent (known reply times) and print the harness's measurement error
  agent    run the reference agent alone on a port, with the reply-design flags of run
  help     show this help, or \`callbench help <command>\`

Run \`callbench run --help\` for the options of a run.`;

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

/** Resolves on the first SIGINT or SIGTERM. */
function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

function isParseArgsError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS');
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
      io.out(HELP);
      return EXIT.ok;
    case 'help':
      io.out(rest[0] === 'run' ? RUN_HELP : rest[0] === 'mocks' ? MOCKS_HELP : rest[0] === 'calibrate' ? CALIBRATE_HELP : rest[0] === 'agent' ? AGENT_HELP : HELP);
      return EXIT.ok;
    case 'run':
      return runCommand(rest, io, process.env, stopOnSignals());
    case 'mocks':
      return mocksCommand(rest, io, untilInterrupted);
    case 'calibrate':
      return calibrateCommand(rest, io);
    case 'agent':
      return agentCommand(rest, io, process.env, untilInterrupted);
    default:
      if (command.startsWith('-')) return runCommand(argv, io, process.env, stopOnSignals());
      throw new UsageError(`unknown command '${command}'. Commands: run, mocks, calibrate, agent, help`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || isParseArgsError(error)) {
    process.stderr.write(`callbench: ${error.message}. See 'callbench --help'.\n`);
    process.exitCode = EXIT.usage;
  } else if (error instanceof InputError) {
    process.stderr.write(`callbench: ${error.message}\n`);
    process.exitCode = EXIT.usage;
  } else {
    process.stderr.write(`callbench: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    // Whatever the failed command left running must not keep the process (or an agent) alive: exit
    // now; the 'exit' hook kills any agent process group still there.
    process.exit(EXIT.internal);
  }
}
