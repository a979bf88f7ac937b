/**
 * mock-socket where a unit test of WebSocket code needs no port: the mock's own Deepgram speak
 * handler (admitDeepgramSocket, as the servers and msw serve it) behind a mock-socket Server, and a
 * mock-socket WebSocket client talking to it in the same process, on the manual clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Server, WebSocket as MockWebSocket } from 'mock-socket';
import { createManualClock } from '../../harness/clock.ts';
import { createMockContext } from '../../harness/mocks/start-mocks.ts';
import { PROFILES } from '../../harness/mocks/profiles.ts';
import { admitDeepgramSocket } from '../../harness/mocks/deepgram/sockets.ts';
import type { MockSocket } from '../../harness/mocks/transport/socket.ts';
import { synthesizeMulaw } from '../../harness/audio/index.ts';

const URL_ = 'wss://deepgram.mock-socket.test/v1/speak?encoding=mulaw&sample_rate=8000';
type ServerSide = Parameters<Parameters<Server['on']>[1]>[0];

/** A mock-socket server-side socket as the MockSocket the handlers serve. */
function fromMockSocket(socket: ServerSide): MockSocket {
  let open = true;
  return {
    isOpen: () => open,
    send: (data) => socket.send(typeof data === 'string' ? data : new Uint8Array(data).buffer),
    close: (code, reason) => {
      open = false;
      socket.close({ code: code ?? 1000, reason: reason ?? '', wasClean: true });
    },
    onMessage: (listener) => socket.on('message', (data) => listener(typeof data === 'string' ? Buffer.from(data) : Buffer.from(data as ArrayBuffer), typeof data !== 'string')),
    onClose: (listener) => socket.on('close', () => listener(1000, '')),
    onError: () => {},
  };
}

let server: Server | undefined;
afterEach(() => server?.stop());

describe('a mock-socket WebSocket against the speak mock, no port', () => {
  it('gets Metadata, the speech of a Flush as binary frames, then Flushed', async () => {
    const clock = createManualClock();
    const ctx = createMockContext({ clock, profile: PROFILES['instant'] ?? (undefined as never), seed: 1 });
    server = new Server(URL_);
    server.on('connection', (socket) => {
      const admission = admitDeepgramSocket(ctx, new URL(URL_), { authorization: `Token ${ctx.apiKey}` }, 'req-1');
      if (admission.ok) admission.serve(fromMockSocket(socket));
    });
    const text = 'See you on Monday.';
    const client = new MockWebSocket(URL_);
    const types: string[] = [];
    let bytes = 0;
    const flushed = new Promise<void>((resolve) => {
      client.onmessage = (event: MessageEvent) => {
        if (typeof event.data === 'string') {
          const type = (JSON.parse(event.data) as { type: string }).type;
          types.push(type);
          if (type === 'Flushed') resolve();
        } else bytes += (event.data as ArrayBuffer).byteLength;
      };
    });
    await new Promise<void>((resolve) => (client.onopen = () => resolve()));
    client.send(JSON.stringify({ type: 'Speak', text }));
    client.send(JSON.stringify({ type: 'Flush' }));
    // The speech is paced on the run's clock: advance it until the Flush has played out. mock-socket
    // delivers each frame on a 4 ms timer of its own; a 5 ms timer set after it is due after it, so
    // each step has delivered what the last one sent, whatever the machine's load (timers fire in
    // the order they fall due). A step cap would turn a slow machine into a hang on `flushed`.
    while (!types.includes('Flushed')) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      clock.advance(100);
    }
    await flushed;
    expect(types).toEqual(['Metadata', 'Flushed']);
    expect(bytes).toBe(synthesizeMulaw(text).length);
    client.close();
  });
});
