/** The webhook's form body reader: a size cap, and a deadline on the whole body (manual clock). */
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyTimeoutError, BodyTooLargeError, readFormBody } from '../../agent/http/read-form.ts';
import { createManualClock } from '../../harness/clock.ts';

/** A request body stream the test writes into. */
function body(): { request: IncomingMessage; stream: PassThrough } {
  const stream = new PassThrough();
  return { request: stream as unknown as IncomingMessage, stream };
}

describe('readFormBody', () => {
  it('reads the fields of a complete body', async () => {
    const clock = createManualClock();
    const { request, stream } = body();
    const read = readFormBody(request, { clock, timeoutMs: 1000 });
    stream.end('CallSid=CA1&From=%2B15550001111');
    await expect(read).resolves.toEqual({ CallSid: 'CA1', From: '+15550001111' });
  });

  it('gives up on a body that has not ended by the deadline, even one that trickles', async () => {
    const clock = createManualClock();
    const { request, stream } = body();
    const read = readFormBody(request, { clock, timeoutMs: 1000 });
    stream.write('CallSid=CA');
    // A byte now and then does not buy more time: the deadline is on the whole body.
    for (let i = 0; i < 9; i += 1) {
      clock.advance(100);
      stream.write('0');
    }
    clock.advance(99);
    let settled = false;
    read.then(
      () => (settled = true),
      () => (settled = true),
    );
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(read).rejects.toBeInstanceOf(BodyTimeoutError);
  });

  it('has no deadline with timeoutMs 0, and refuses a body over the limit', async () => {
    const clock = createManualClock();
    const slow = body();
    const read = readFormBody(slow.request, { clock, timeoutMs: 0 });
    clock.advance(3_600_000);
    slow.stream.end('a=1');
    await expect(read).resolves.toEqual({ a: '1' });

    const big = body();
    const tooLarge = readFormBody(big.request, { clock, timeoutMs: 1000, limit: 10 });
    big.stream.write('a'.repeat(11));
    await expect(tooLarge).rejects.toBeInstanceOf(BodyTooLargeError);
  });
});
