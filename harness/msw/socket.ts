/**
 * An msw `ws` client connection as the MockSocket the mock handlers serve
 * (harness/mocks/transport/socket.ts). msw hands over what the client sent as it was sent
 * (a string, bytes, or a Blob) and delivers what the mock sends as given; this adapter reads every
 * frame as bytes, in order, and sends binary frames as the client's `binaryType` asks (a Blob by
 * default, an ArrayBuffer for `binaryType = 'arraybuffer'`), as a real WebSocket would.
 */
import type { WebSocketHandlerConnection } from 'msw';
import type { MockSocket } from '../mocks/transport/socket.ts';

type MswClient = WebSocketHandlerConnection['client'];

/** The page-side WebSocket behind an msw client connection (msw's interceptor exposes it as `socket`). */
function pageSocket(client: MswClient): WebSocket | undefined {
  const socket: unknown = (client as { socket?: unknown }).socket;
  return typeof socket === 'object' && socket !== null && 'readyState' in socket ? (socket as WebSocket) : undefined;
}

const OPEN = 1;
const CONNECTING = 0;

async function bytesOf(data: unknown): Promise<Buffer> {
  if (data instanceof Blob) return Buffer.from(await data.arrayBuffer());
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(String(data), 'utf8');
}

export function fromMswClient(client: MswClient): MockSocket {
  const page = pageSocket(client);
  let closed = false;
  client.addEventListener('close', () => {
    closed = true;
  });
  // Frames are handed on one after another: a Blob is read asynchronously, and must not overtake.
  let queue: Promise<void> = Promise.resolve();
  return {
    // msw opens the page's socket in a microtask after the connection listener runs; frames sent
    // before then are delivered on open, so a connecting socket counts as open here.
    isOpen: () => !closed && (page === undefined || page.readyState === OPEN || page.readyState === CONNECTING),
    send(data) {
      if (typeof data === 'string') {
        client.send(data);
        return;
      }
      const copy = new Uint8Array(data);
      client.send(page?.binaryType === 'arraybuffer' ? copy.buffer : new Blob([copy]));
    },
    close(code, reason) {
      // msw drops a frame whose delivery (a microtask) finds the socket closing: the close waits
      // behind the frames sent before it, as a server's close frame follows its data on the wire.
      closed = true;
      queueMicrotask(() => client.close(code, reason));
    },
    onMessage(listener) {
      client.addEventListener('message', (event) => {
        const data: unknown = event.data;
        const isBinary = typeof data !== 'string';
        queue = queue.then(async () => listener(await bytesOf(data), isBinary)).catch(() => {});
      });
    },
    onClose(listener) {
      client.addEventListener('close', (event) => listener(event.code, event.reason));
    },
    // msw raises no errors on a mocked connection; a handler's listener is never called.
    onError() {},
  };
}
