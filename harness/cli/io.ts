/** Where a command writes: results to stdout, progress and errors to stderr. */
export interface CommandIo {
  out(text: string): void;
  progress(text: string): void;
  /** Only when stderr is a terminal: rewrites one status line in place ('' clears it); the run's live progress uses it. */
  status?: (text: string) => void;
}
