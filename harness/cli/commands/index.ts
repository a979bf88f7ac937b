/**
 * callbench's commands, each loaded only when it is run or its help is asked for: `--help` and
 * `--version` load none, and `mocks` never loads the run machinery or the reference agent
 * (whose SDKs are optional: harness/cli/optional-packages.ts).
 */
import type { CommandIo } from '../io.ts';

/** What main.ts gives a command: where to print, the environment, and how the process stops. */
export interface CommandContext {
  io: CommandIo;
  env: Readonly<Record<string, string | undefined>>;
  /** For `run` (and the other commands that play calls): aborted on the first SIGINT or SIGTERM with the signal's name. */
  stopOnSignals(): AbortSignal;
  /** For the commands that serve until stopped: resolves on SIGINT or SIGTERM. */
  untilInterrupted(): Promise<void>;
}

export interface Command {
  name: string;
  /** One line for the command list of `callbench --help`. */
  summary: string;
  help(): Promise<string>;
  run(argv: string[], context: CommandContext): Promise<number>;
}

export const COMMANDS: readonly Command[] = [
  {
    name: 'run',
    summary: 'play scenarios against an agent (the reference agent by default) and report latency (default)',
    help: async () => (await import('./run.ts')).RUN_HELP,
    run: async (argv, { io, env, stopOnSignals }) => (await import('./run.ts')).runCommand(argv, io, env, stopOnSignals()),
  },
  {
    name: 'compare',
    summary: 'play the same scenarios against two or more variants (designs or agents), interleaved, and compare them in one table',
    help: async () => (await import('./compare.ts')).COMPARE_HELP,
    run: async (argv, { io, env, stopOnSignals }) => (await import('./compare.ts')).compareCommand(argv, io, env, stopOnSignals()),
  },
  {
    name: 'replay',
    summary: 'replay CAPTURE: play a recorded call again (its caller audio, its upstream answers) and judge it as a run',
    help: async () => (await import('./replay.ts')).REPLAY_HELP,
    run: async (argv, { io, env, stopOnSignals }) => (await import('./replay.ts')).replayCommand(argv, io, env, stopOnSignals()),
  },
  {
    name: 'merge',
    summary: 'merge DIR...: add the report folders of the shards of a run (run --shard i/n) into the whole run\'s',
    help: async () => (await import('./merge.ts')).MERGE_HELP,
    run: async (argv, { io, env }) => (await import('./merge.ts')).mergeCommand(argv, io, env),
  },
  {
    name: 'capacity',
    summary: 'ramp the calls in flight step by step until a criterion breaks, and report the highest load that held',
    help: async () => (await import('./capacity.ts')).CAPACITY_HELP,
    run: async (argv, { io, env, stopOnSignals }) => (await import('./capacity.ts')).capacityCommand(argv, io, env, stopOnSignals()),
  },
  {
    name: 'fixture',
    summary: 'fixture add FILE.wav --text "…": make a caller utterance from your own recording',
    help: async () => (await import('./fixture.ts')).FIXTURE_HELP,
    run: async (argv, { io }) => (await import('./fixture.ts')).fixtureCommand(argv, io, process.cwd()),
  },
  {
    name: 'record',
    summary: 'put capture proxies in front of an agent and record each call (Twilio and upstream) as a capture directory',
    help: async () => (await import('./record.ts')).RECORD_HELP,
    run: async (argv, { io, env, untilInterrupted }) => (await import('./record.ts')).recordCommand(argv, io, env, untilInterrupted, process.cwd()),
  },
  {
    name: 'import',
    summary: 'import RECORDING.wav: a dual-channel call recording made a scenario with its fixtures, barge-ins at their recorded offsets',
    help: async () => (await import('./import.ts')).IMPORT_HELP,
    run: async (argv, { io }) => (await import('./import.ts')).importCommand(argv, io, process.cwd()),
  },
  {
    name: 'mocks',
    summary: 'start the mock Deepgram and OpenAI servers alone and print their environment',
    help: async () => (await import('./mocks.ts')).MOCKS_HELP,
    run: async (argv, { io, untilInterrupted }) => (await import('./mocks.ts')).mocksCommand(argv, io, untilInterrupted),
  },
  {
    name: 'calibrate',
    summary: "measure the null agent (known reply times) and print the harness's measurement error",
    help: async () => (await import('./calibrate.ts')).CALIBRATE_HELP,
    run: async (argv, { io }) => (await import('./calibrate.ts')).calibrateCommand(argv, io),
  },
  {
    name: 'agent',
    summary: 'run the reference agent alone on a port, with the reply-design flags of run',
    help: async () => (await import('./agent.ts')).AGENT_HELP,
    run: async (argv, { io, env, untilInterrupted }) => (await import('./agent.ts')).agentCommand(argv, io, env, untilInterrupted),
  },
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name);
}
