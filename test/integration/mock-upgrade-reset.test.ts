/**
 * A client that resets its socket right after asking for an upgrade the mocks refuse (a bad key,
 * bad parameters, an unknown path, a Realtime upgrade with no key) must not bring the mocks down:
 * the refusal is written to a reset socket, and that write's error used to be an unhandled 'error'
 * event that killed the whole run. The mocks go on serving, and each refusal is journalled.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSystemClock } from '../../harness/clock.ts';
import { DEFAULT_MOCK_KEY, startMocks, type Mocks } from '../../harness/mocks/start-mocks.ts';
import { instantProfile } from './helpers/mock-context.ts';

let mocks: Mocks;
beforeAll(async () => {
  mocks = await startMocks({ clock: createSystemClock(), profile: instantProfile(), seed: 1 });
});
afterAll(async () => {
  await mocks?.close();
});

/** Sends an upgrade request and resets the connection at once; resolves once the socket is gone. */
function upgradeThenReset(port: number, path: string, authorization: string | undefined): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${authorization === undefined ? '' : `Authorization: ${authorization}\r\n`}\r\n`,
      );
      socket.resetAndDestroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve());
  });
}

describe('a refused upgrade whose client resets the socket', () => {
  it('never crashes the mocks, which keep serving and journal every refusal', async () => {
    const deepgram = Number(new URL(mocks.env.DEEPGRAM_API_URL).port);
    const openai = Number(new URL(mocks.env.OPENAI_BASE_URL).port);
    const attempts: Array<[number, string, string | undefined]> = [
      [deepgram, '/v1/listen?encoding=mulaw&sample_rate=8000', 'Token wrong-key'],
      [deepgram, '/v1/listen?encoding=bogus', `Token ${DEFAULT_MOCK_KEY}`],
      [deepgram, '/v1/nowhere', `Token ${DEFAULT_MOCK_KEY}`],
      [openai, '/v1/realtime?model=gpt-realtime', undefined],
    ];
    for (let round = 0; round < 10; round++) for (const [port, path, auth] of attempts) await upgradeThenReset(port, path, auth);
    // Still serving: a proper listen socket opens.
    const ws = new WebSocket(`ws://127.0.0.1:${deepgram}/v1/listen?encoding=mulaw&sample_rate=8000`, { headers: { Authorization: `Token ${DEFAULT_MOCK_KEY}` } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.close();
    const refusals = mocks.journal.entries().filter((e) => e.kind === 'refused');
    expect(refusals.length).toBe(40);
  });
});
