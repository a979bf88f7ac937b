/** The callbench command line: the only layer that reads argv, prints, and sets the exit code. */
import { EXIT } from './exit-codes.ts';
import { RUN_HELP, runCommand } from './commands/run.ts';
import type { CommandIo } from './io.ts';
import { UsageError } from './usage-error.ts';
import { InputError } from '../scenario/errors.ts';

const HELP = `Usage: callbench <command> [options]

Commands:
  run      play scenarios against the reference agent and report latency (default)
  help     show this help, or \`callbench help run\`

Run \`callbench run --help\` for the options of a run.`;

const io: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  progress: (text) => process.stderr.write(`${text}\n`),
};

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
      io.out(rest[0] === 'run' ? RUN_HELP : HELP);
      return EXIT.ok;
    case 'run':
      return runCommand(rest, io);
    default:
      if (command.startsWith('-')) return runCommand(argv, io);
      throw new UsageError(`unknown command '${command}'. Commands: run, help`);
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
    process.exitCode = EXIT.internal;
  }
}
