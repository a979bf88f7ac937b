/**
 * The one side of a WebSocket a mock handler sees: frames in, frames out, a close. The handlers
 * (Deepgram listen and speak, OpenAI Realtime) are written against this, so the same behaviour
 * serves a `ws` connection on the localhost servers (fromWs) and an msw `ws` client connection in
 * the user's own tests (harness/msw/socket.ts).
 */
import type { RawData, WebSocket } from 'ws';
import { rawDataToBuffer } from '../../net/raw-data.ts';

export interface MockSocket {
  /** Whether frames can still be sent. */
  isOpen(): boolean;
  /** A string goes out as a text frame, bytes as a binary frame. */
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** Each frame the client sends, in order. */
  onMessage(listener: (data: Buffer, isBinary: boolean) => void): void;
  /** Once, when the connection has closed (from either side). */
  onClose(listener: (code: number, reason: string) => void): void;
  onError(listener: (error: Error) => void): void;
}

/** A `ws` server-side connection as a MockSocket. */
export function fromWs(ws: WebSocket): MockSocket {
  return {
    isOpen: () => ws.readyState === ws.OPEN,
    send(data) {
      if (typeof data === 'string') ws.send(data);
      else ws.send(data, { binary: true });
    },
    close: (code, reason) => ws.close(code, reason),
    onMessage: (listener) => ws.on('message', (data: RawData, isBinary: boolean) => listener(rawDataToBuffer(data), isBinary)),
    onClose: (listener) => ws.on('close', (code: number, reason: Buffer) => listener(code, reason.toString('utf8'))),
    onError: (listener) => ws.on('error', listener),
  };
}
