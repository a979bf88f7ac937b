/**
 * The CLI's CommandIo on real streams: results to stdout, progress to stderr, and, only when
 * stderr is a terminal, a status line rewritten in place (carriage return, erase line). While a
 * status line is shown, a progress line is printed above it and the status drawn again, and
 * anything written to stdout on the same terminal first clears it, so no line is written over.
 */
import type { CommandIo } from './io.ts';

/** The little of a Node stream this needs (process.stdout / process.stderr). */
export interface OutStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const ERASE_LINE = '\r\x1b[2K';

export function createTerminalIo(stdout: OutStream, stderr: OutStream): CommandIo {
  if (stderr.isTTY !== true) {
    return { out: (text) => void stdout.write(`${text}\n`), progress: (text) => void stderr.write(`${text}\n`) };
  }
  let shown = '';
  return {
    out(text) {
      // Both on the terminal: the result goes on a line of its own, and the status is not redrawn under it.
      if (shown !== '' && stdout.isTTY === true) {
        stderr.write(ERASE_LINE);
        shown = '';
      }
      stdout.write(`${text}\n`);
    },
    progress: (text) => void stderr.write(shown === '' ? `${text}\n` : `${ERASE_LINE}${text}\n${shown}`),
    status(text) {
      shown = text;
      stderr.write(`${ERASE_LINE}${text}`);
    },
  };
}
