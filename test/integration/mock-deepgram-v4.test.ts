/**
 * The Deepgram mocks through the v4 SDK API (createClient, listen.live, speak.live), which many
 * agents still use: event-emitter callbacks, its own URL building, `Cleared` arriving as Unhandled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, LiveTranscriptionEvents, LiveTTSEvents } from '@deepgram/sdk-v4';
import { MULAW_SILENCE, synthesizeMulaw } from '../../harness/audio/index.ts';
import { startDeepgramMock } from '../../harness/mocks/deepgram/server.ts';
import type { MockContext, MockServer } from '../../harness/mocks/context.ts';
import { createTestContext, TEST_API_KEY } from './helpers/mock-context.ts';

const TEXT = 'What is the weather like tomorrow?';

describe('mock Deepgram through the v4 SDK', () => {
  let ctx: MockContext;
  let server: MockServer;
  const client = () =>
    createClient(TEST_API_KEY, {
      global: { websocket: { options: { url: server.url.replace('http', 'ws') } }, fetch: { options: { url: server.url } } },
    });

  beforeAll(async () => {
    ctx = createTestContext();
    server = await startDeepgramMock(ctx);
  });
  afterAll(async () => {
    await server.close();
  });

  it('listen.live: transcripts, SpeechStarted, UtteranceEnd, and Metadata on requestClose', async () => {
    const speech = synthesizeMulaw(TEXT);
    ctx.script.register({ id: 'weather', transcript: TEXT, audio: speech });
    const live = client().listen.live({
      model: 'nova-3',
      encoding: 'mulaw',
      sample_rate: 8000,
      interim_results: true,
      endpointing: 300,
      utterance_end_ms: 1000,
      vad_events: true,
      smart_format: true,
    });
    const seen: string[] = [];
    const finals: string[] = [];
    const closed = new Promise<void>((resolve) => live.on(LiveTranscriptionEvents.Close, () => resolve()));
    live.on(LiveTranscriptionEvents.Transcript, (data: { is_final?: boolean; speech_final?: boolean; channel: { alternatives: Array<{ transcript: string }> } }) => {
      seen.push(data.is_final === true ? 'final' : 'interim');
      if (data.speech_final === true) finals.push(data.channel.alternatives[0]?.transcript ?? '');
    });
    live.on(LiveTranscriptionEvents.SpeechStarted, () => seen.push('SpeechStarted'));
    live.on(LiveTranscriptionEvents.UtteranceEnd, () => seen.push('UtteranceEnd'));
    live.on(LiveTranscriptionEvents.Metadata, () => seen.push('Metadata'));
    await new Promise<void>((resolve) => live.on(LiveTranscriptionEvents.Open, () => resolve()));
    const audio = new Uint8Array(300 * 8 + speech.length + 1600 * 8).fill(MULAW_SILENCE);
    audio.set(speech, 300 * 8);
    for (let offset = 0; offset < audio.length; offset += 800) live.send(audio.slice(offset, offset + 800).buffer);
    await new Promise((resolve) => setTimeout(resolve, 300));
    live.requestClose();
    await closed;
    expect(finals).toEqual([TEXT]);
    expect(seen[0]).toBe('SpeechStarted');
    expect(seen).toContain('interim');
    expect(seen).toContain('UtteranceEnd');
    expect(seen.at(-1)).toBe('Metadata');
  });

  it('speak.live: Metadata, audio after Flush, Flushed; Cleared comes as Unhandled', async () => {
    const live = client().speak.live({ model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: 8000 });
    const events: string[] = [];
    let audioBytes = 0;
    live.on(LiveTTSEvents.Metadata, () => events.push('Metadata'));
    live.on(LiveTTSEvents.Audio, (data: Buffer) => {
      audioBytes += data.length;
      if (!events.includes('Audio')) events.push('Audio');
    });
    const flushed = new Promise<void>((resolve) => live.on(LiveTTSEvents.Flushed, () => resolve()));
    const unhandled = new Promise<unknown>((resolve) => live.on(LiveTTSEvents.Unhandled, (data: unknown) => resolve(data)));
    await new Promise<void>((resolve) => live.on(LiveTTSEvents.Open, () => resolve()));
    live.sendText('Hello from the old SDK.');
    live.flush();
    await flushed;
    events.push('Flushed');
    // 66 ms per character of 8 kHz mu-law, in 100 ms chunks.
    expect(Math.abs(audioBytes - 'Hello from the old SDK.'.length * 66 * 8)).toBeLessThanOrEqual(800);
    live.clear();
    expect(await unhandled).toMatchObject({ type: 'Cleared' });
    expect(events).toEqual(['Metadata', 'Audio', 'Flushed']);
    live.requestClose();
  });
});
