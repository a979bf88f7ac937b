/**
 * Folders the harness made for a run (a process agent's certificate folder) and removes when done
 * with them, removed synchronously when the harness process exits before that for any reason: an
 * uncaught exception, the CLI's immediate exit on a second Ctrl-C. Nothing of a run is left behind.
 */
import { rmSync } from 'node:fs';

const dirs = new Set<string>();
let hooked = false;

function removeAll(): void {
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Exiting anyway: what cannot be removed stays.
    }
  }
  dirs.clear();
}

/** Removes `dir` at exit unless the returned function is called first (once the caller removed it). */
export function removeAtExit(dir: string): () => void {
  dirs.add(dir);
  if (!hooked) {
    hooked = true;
    process.on('exit', removeAll);
  }
  return () => void dirs.delete(dir);
}
