/**
 * callbench/msw in a user's suite, the global WebSocket path: Node's built-in WebSocket (a
 * browser's would do the same) opens Deepgram listen and speak, and msw's ws handlers serve them
 * with the mocks' recogniser and synthesis: Results for a fixture's audio, speech for a Flush.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { createMswMocks, createSystemClock, REFUSED_UPGRADE_CLOSE_CODE } from '../../harness/api/msw.ts';
import { FIXTURES_DIR, loadFixture } from '../../harness/api/scenario.ts';
import { synthesizeMulaw } from '../../harness/audio/index.ts';

const mocks = createMswMocks({ clock: createSystemClock(), profile: 'instant', seed: 3 });
const server = setupServer(...mocks.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => mocks.close());
afterAll(() => server.close());

interface Received {
  texts: Array<Record<string, unknown>>;
  binary: number;
  close: { code: number; reason: string };
  errored: boolean;
}

/** Opens `url` with Deepgram's browser authentication (the `token` sub-protocol), runs `talk` on open, and collects until the close. */
function converse(url: string, key: string, talk: (socket: WebSocket) => void): Promise<Received> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, ['token', key]);
    socket.binaryType = 'arraybuffer';
    const received: Omit<Received, 'close'> = { texts: [], binary: 0, errored: false };
    socket.addEventListener('open', () => talk(socket));
    socket.addEventListener('error', () => {
      received.errored = true;
    });
    socket.addEventListener('message', (event: MessageEvent) => {
      if (typeof event.data === 'string') received.texts.push(JSON.parse(event.data) as Record<string, unknown>);
      else received.binary += (event.data as ArrayBuffer).byteLength;
    });
    socket.addEventListener('close', (event) => resolve({ ...received, close: { code: event.code, reason: event.reason } }));
  });
}

const listenUrl = `${mocks.env.DEEPGRAM_API_URL.replace(/^http/, 'ws')}/v1/listen?encoding=mulaw&sample_rate=8000&punctuate=true&endpointing=300`;

describe('callbench/msw over the global WebSocket', () => {
  it("Deepgram listen: a final Results with the fixture's transcript (at CloseStream, endpointing 300 ms), then Metadata and a 1000 close", async () => {
    const hours = await loadFixture(FIXTURES_DIR, 'hours');
    mocks.script.register({ id: hours.id, transcript: hours.text, audio: hours.audio, reply: 'We open at nine on Saturdays.' });
    const got = await converse(listenUrl, mocks.env.DEEPGRAM_API_KEY, (socket) => {
      // 20 ms frames, as a phone agent forwards them.
      for (let at = 0; at < hours.audio.length; at += 160) socket.send(hours.audio.slice(at, at + 160));
      socket.send(JSON.stringify({ type: 'CloseStream' }));
    });
    const finals = got.texts.filter((m) => m['type'] === 'Results' && m['is_final'] === true);
    const first = finals[0] as { channel: { alternatives: Array<{ transcript: string }> }; speech_final: boolean } | undefined;
    expect(first?.channel.alternatives[0]?.transcript.trim()).toBe(hours.text);
    expect(got.texts.at(-1)?.['type']).toBe('Metadata');
    expect(got.close.code).toBe(1000);
    const received = mocks.journal.entries().filter((e) => e.service === 'deepgram.listen' && e.kind === 'CloseStream');
    expect(received).toHaveLength(1);
  });

  it('Deepgram speak: Metadata, the audio of a Flush as binary frames, Flushed, and a 1000 close after Close', async () => {
    const text = 'Your order ships today.';
    const url = `${mocks.env.DEEPGRAM_API_URL.replace(/^http/, 'ws')}/v1/speak?encoding=mulaw&sample_rate=8000`;
    const got = await converse(url, mocks.env.DEEPGRAM_API_KEY, (socket) => {
      socket.send(JSON.stringify({ type: 'Speak', text }));
      socket.send(JSON.stringify({ type: 'Flush' }));
      socket.send(JSON.stringify({ type: 'Close' }));
    });
    expect(got.texts.map((m) => m['type'])).toEqual(['Metadata', 'Flushed']);
    expect(got.binary).toBe(synthesizeMulaw(text).length);
    expect(got.close.code).toBe(1000);
  });

  it('refuses a wrong key as a WebSocket client sees a refused upgrade: an error, then a close without an open', async () => {
    let opened = false;
    const got = await converse(listenUrl, 'wrong-key', () => {
      opened = true;
    });
    expect(opened).toBe(false);
    expect(got.errored).toBe(true);
    expect(got.close.code).toBe(REFUSED_UPGRADE_CLOSE_CODE);
    const refusals = mocks.journal.entries().filter((e) => e.service === 'deepgram.listen' && e.kind === 'refused');
    expect(refusals.length).toBeGreaterThan(0);
  });
});
