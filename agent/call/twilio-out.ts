/**
 * Messages from the agent to Twilio on one media stream. Created only once `start` has arrived, so
 * nothing can be sent before it, and bound to that start's streamSid, so every message carries it.
 */
import type { AgentToTwilio } from '../../harness/protocol/index.ts';

/** The agent's end of the Twilio media-stream socket. */
export interface TwilioSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
  readonly isOpen: boolean;
}

export interface TwilioOut {
  readonly streamSid: string;
  /** Raw mu-law 8 kHz bytes, no header. */
  media(audio: Uint8Array): void;
  mark(name: string): void;
  clear(): void;
  /** Stops all further sends (the call is ending). */
  seal(): void;
}

export function createTwilioOut(socket: TwilioSocket, streamSid: string): TwilioOut {
  let sealed = false;
  const send = (message: AgentToTwilio): void => {
    if (sealed || !socket.isOpen) return;
    socket.send(JSON.stringify(message));
  };
  return {
    streamSid,
    media(audio) {
      if (audio.byteLength === 0) return;
      send({ event: 'media', streamSid, media: { payload: Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength).toString('base64') } });
    },
    mark(name) {
      send({ event: 'mark', streamSid, mark: { name } });
    },
    clear() {
      send({ event: 'clear', streamSid });
    },
    seal() {
      sealed = true;
    },
  };
}
