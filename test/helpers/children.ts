/**
 * Child processes a test file started, killed when the file ends. A test that times out never runs
 * its own `finally` (vitest abandons the awaited promise), so a `callbench agent` it started, which
 * serves until told to stop, would outlive the suite; afterAll hooks still run.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll } from 'vitest';

const children = new Set<ChildProcess>();

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});

/** Kills `child` when the test file ends unless it has exited by then; returns it. */
export function killAtEnd<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
