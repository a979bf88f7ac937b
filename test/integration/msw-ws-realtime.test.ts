/**
 * callbench/msw, OpenAI Realtime over the global WebSocket (a browser's key in the sub-protocols):
 * session.created first, then a scripted response to response.create, as the localhost mock answers.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { createMswMocks, createSystemClock } from '../../harness/api/msw.ts';

const mocks = createMswMocks({ clock: createSystemClock(), profile: 'instant', seed: 5 });
const server = setupServer(...mocks.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => mocks.close());
afterAll(() => server.close());

describe('callbench/msw Realtime over the global WebSocket', () => {
  it('sends session.created, then says the verbatim line of response.create and ends with response.done', async () => {
    const socket = new WebSocket(`${mocks.env.OPENAI_REALTIME_URL}?model=gpt-realtime`, ['realtime', `openai-insecure-api-key.${mocks.env.OPENAI_API_KEY}`]);
    const types: string[] = [];
    let transcript = '';
    const done = new Promise<void>((resolve) => {
      socket.addEventListener('message', (event: MessageEvent) => {
        const message = JSON.parse(String(event.data)) as { type: string; delta?: string };
        types.push(message.type);
        if (message.type === 'response.output_audio_transcript.delta') transcript += message.delta ?? '';
        if (message.type === 'session.created') socket.send(JSON.stringify({ type: 'response.create', response: { instructions: 'Say exactly: "Thanks for calling."' } }));
        if (message.type === 'response.done') resolve();
      });
    });
    await done;
    socket.close();
    expect(types[0]).toBe('session.created');
    expect(transcript).toBe('Thanks for calling.');
  });
});
