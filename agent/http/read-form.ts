/** Reads a form-encoded request body (Twilio's webhook), with a size cap and a deadline. */
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../../harness/clock.ts';

export const MAX_FORM_BYTES = 64 * 1024;

export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`request body over ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The body did not arrive in full within the deadline (a stalled or slowloris client). */
export class BodyTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`request body not received within ${timeoutMs} ms`);
    this.name = 'BodyTimeoutError';
  }
}

export interface ReadFormOptions {
  clock: Clock;
  /** The whole body must have arrived this long after reading began; 0 for no deadline. */
  timeoutMs: number;
  limit?: number;
}

/**
 * The body's fields. Rejects with BodyTooLargeError past `limit` bytes, BodyTimeoutError when the
 * deadline passes first (a deadline on the whole body, not on idleness, so a client that trickles
 * a byte now and then is dropped too), or the stream's error if it fails or closes early.
 */
export function readFormBody(request: IncomingMessage, options: ReadFormOptions): Promise<Record<string, string>> {
  const limit = options.limit ?? MAX_FORM_BYTES;
  const { clock, timeoutMs } = options;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const cancelDeadline = timeoutMs > 0 ? clock.at(clock.now() + timeoutMs, () => settle(new BodyTimeoutError(timeoutMs))) : () => {};

    function settle(error?: Error): void {
      if (settled) return;
      settled = true;
      cancelDeadline();
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
      if (error !== undefined) {
        // Stop reading: whatever else the client sends is not wanted.
        request.pause();
        reject(error);
        return;
      }
      const params: Record<string, string> = {};
      for (const [key, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params[key] = value;
      resolve(params);
    }
    function onData(chunk: Buffer | string): void {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      size += buffer.length;
      if (size > limit) {
        settle(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(buffer);
    }
    function onEnd(): void {
      settle();
    }
    function onError(error: Error): void {
      settle(error);
    }
    function onClose(): void {
      settle(new Error('the request closed before its body ended'));
    }
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}
