/**
 * A long-running process that nobody reads any more should stop. The process that started the
 * agent (a harness, a shell pipeline) holds the read end of its stdout and stderr; when that process
 * is gone (killed, crashed, a test worker torn down), the next write fails with EPIPE. Without a
 * listener that failure is an uncaught exception, which the agent's own net (process-errors.ts)
 * reports, by writing to the same closed stream, which fails again: an orphan spinning at a third
 * of a core, serving nobody. With this the agent closes its calls and exits instead.
 */

/** The parts of a stdio stream this needs (a fake in tests). */
export interface OutputStream {
  on(event: 'error', listener: (error: unknown) => void): unknown;
  off(event: 'error', listener: (error: unknown) => void): unknown;
}

/** Errors that mean the reader is gone, not that one write went wrong. */
const READER_GONE = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED']);

export interface OutputWatch {
  /** Resolves with the stream's name and the error's code once a write finds no reader. */
  closed: Promise<{ stream: string; code: string }>;
  stop(): void;
}

export function watchOutputClosed(streams: Record<string, OutputStream>): OutputWatch {
  const listeners: Array<() => void> = [];
  const closed = new Promise<{ stream: string; code: string }>((resolve) => {
    for (const [name, stream] of Object.entries(streams)) {
      const onError = (error: unknown): void => {
        const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
        // Any other write error is left to the process's error net: it is a fault, not an orphaning.
        if (READER_GONE.has(code)) resolve({ stream: name, code });
      };
      stream.on('error', onError);
      listeners.push(() => stream.off('error', onError));
    }
  });
  return { closed, stop: () => listeners.forEach((off) => off()) };
}
