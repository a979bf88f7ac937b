/**
 * A client of the global WebSocket (a browser's, Node's own): msw's ws handlers from the same
 * createMswMocks() serve Deepgram's sockets at wss://api.deepgram.com, no port. The agent itself
 * uses the `ws` package (test/listen.test.mjs); this is the path for code that runs in a browser.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { createMswMocks, createSystemClock } from 'callbench/msw';

const mocks = createMswMocks({ clock: createSystemClock(), profile: 'instant', seed: 1 });
const server = setupServer(...mocks.ws);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => mocks.close());
afterAll(() => server.close());

it('Deepgram speak over a WebSocket: the audio of a Flush, then Flushed', async () => {
  // A WebSocket client sets no headers: the key goes in the sub-protocols, as a browser sends it.
  const socket = new WebSocket(`${mocks.env.DEEPGRAM_API_URL.replace(/^http/, 'ws')}/v1/speak?encoding=mulaw&sample_rate=8000`, ['token', mocks.env.DEEPGRAM_API_KEY]);
  socket.binaryType = 'arraybuffer';
  const types = [];
  let bytes = 0;
  socket.addEventListener('message', ({ data }) => (typeof data === 'string' ? types.push(JSON.parse(data).type) : (bytes += data.byteLength)));
  socket.addEventListener('open', () => {
    socket.send(JSON.stringify({ type: 'Speak', text: 'Your order arrives tomorrow.' }));
    socket.send(JSON.stringify({ type: 'Flush' }));
    socket.send(JSON.stringify({ type: 'Close' }));
  });
  const { code } = await new Promise((resolve) => socket.addEventListener('close', resolve));
  expect(code).toBe(1000);
  expect(types).toEqual(['Metadata', 'Flushed']);
  expect(bytes).toBeGreaterThan(0);
});
