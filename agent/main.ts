/**
 * The reference agent as a process: configuration from the environment, one JSON event per line on
 * stdout, errors on stderr. Exit codes: 0 after SIGINT/SIGTERM, 1 when it cannot start, 2 for bad
 * configuration. The only agent file that touches the console or the process.
 */
import process from 'node:process';
import { createSystemClock } from '../harness/clock.ts';
import { createAgent } from './create-agent.ts';
import { agentOptionsFromEnv } from './env-options.ts';
import type { AgentLogEvent } from './log-events.ts';
import { reportUnhandledErrors } from './process-errors.ts';
import { watchOutputClosed } from './output-closed.ts';

function printEvent(event: AgentLogEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

async function main(): Promise<void> {
  const config = agentOptionsFromEnv(process.env);
  if (!config.ok) {
    console.error(`callbench agent: ${config.error}`);
    process.exit(2);
  }
  const clock = createSystemClock();
  const agent = createAgent({ ...config.value.options, clock, log: printEvent });
  // The agent catches its own failures; anything that still escapes is reported, not fatal to other calls.
  reportUnhandledErrors(process, printEvent, clock);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    agent.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`callbench agent: close failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Nobody reads our output any more (the process that started us is gone): stop as on SIGTERM.
  void watchOutputClosed({ stdout: process.stdout, stderr: process.stderr }).closed.then(stop);
  try {
    await agent.listen(config.value.port, config.value.host);
  } catch (error) {
    console.error(`callbench agent: cannot listen on ${config.value.host}:${config.value.port}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

await main();
