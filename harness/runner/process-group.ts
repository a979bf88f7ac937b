/**
 * The process groups of the agents the harness runs (harness/runner/process-agent.ts): signalled
 * as a whole, watched until nothing of them is left, and killed synchronously when the harness
 * process exits for any reason (a crash, an uncaught exception, the CLI's immediate exit on a second Ctrl-C),
 * so that no agent outlives the run that started it.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Sends `signal` to every process of group `pgid`; false when the group is already empty. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: nothing is left in the group.
    return false;
  }
}

/**
 * Whether any process of group `pgid` is still running. A process that has died but is not yet
 * reaped (a zombie: a grandchild whose parent died is reaped by PID 1, here sometimes seconds
 * later) still answers kill(0), so on Linux the group's members are read from /proc and zombies
 * do not count.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return true;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses, so read after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
  }
  return false;
}

const live = new Set<number>();
let hooked = false;

/** Kills every tracked group; runs from the 'exit' event, where nothing asynchronous happens any more. */
function killAll(): void {
  for (const pgid of live) signalGroup(pgid, 'SIGKILL');
  live.clear();
}

/** Tracks group `pgid` until untrackGroup: it is killed with SIGKILL if the harness exits before. */
export function trackGroup(pgid: number): void {
  live.add(pgid);
  if (!hooked) {
    hooked = true;
    process.on('exit', killAll);
  }
}

export function untrackGroup(pgid: number): void {
  live.delete(pgid);
}
