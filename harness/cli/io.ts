/** Where a command writes: results to stdout, progress and errors to stderr. */
export interface CommandIo {
  out(text: string): void;
  progress(text: string): void;
}
