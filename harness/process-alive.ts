/** Whether a process with this pid exists: signal 0 reaches it, or it is another user's (EPERM). A zombie counts. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
