/**
 * Files and folders the harness made for a run and removes when done with them (a process agent's
 * certificate folder, a port's lock file), removed synchronously when the harness process exits
 * before that for any reason: an uncaught exception, the CLI's immediate exit on a second Ctrl-C.
 * Nothing of a run is left behind.
 */
import { rmSync } from 'node:fs';

const paths = new Set<string>();
let hooked = false;

function removeAll(): void {
  for (const target of paths) {
    try {
      rmSync(target, { recursive: true, force: true });
    } catch {
      // Exiting anyway: what cannot be removed stays.
    }
  }
  paths.clear();
}

/** Removes `target` (a file or a folder) at exit unless the returned function is called first (once the caller removed it). */
export function removeAtExit(target: string): () => void {
  paths.add(target);
  if (!hooked) {
    hooked = true;
    process.on('exit', removeAll);
  }
  return () => void paths.delete(target);
}
