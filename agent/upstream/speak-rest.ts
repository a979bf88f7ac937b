/**
 * Deepgram REST TTS (`POST /v1/speak`) through the official SDK v5: one request per text, raw
 * mu-law 8 kHz without a container, the body handed over as it streams in. The per-call client
 * carries `x-callbench-call` when the agent's `callHeader` is on, and nothing of the kind when it
 * is off (see upstream-clients.ts): this file adds no header of its own. No SDK retries: a retried request would
 * only add its delay to a reply the caller is already waiting for.
 */
import type { DeepgramClient } from '@deepgram/sdk';

/** Starts one request; resolves once the response has started, with its body as chunks. Aborting `signal` ends both. */
export type SpeakRequester = (text: string, signal: AbortSignal) => Promise<AsyncIterable<Uint8Array>>;

/** The query Twilio audio needs. */
export function restSpeakQuery(model: string) {
  return { model, encoding: 'mulaw', sample_rate: 8000, container: 'none' } as const;
}

async function* chunksOf(body: ReadableStream<Uint8Array> | null): AsyncIterable<Uint8Array> {
  if (body === null) return;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value.byteLength > 0) yield value;
    }
  } finally {
    // Stops the download when the reader leaves early (cancelled, or the consumer stopped).
    await reader.cancel().catch(() => {});
  }
}

export function createRestSpeaker(client: DeepgramClient, model: string): SpeakRequester {
  return async (text, signal) => {
    const response = await client.speak.v1.audio.generate({ text, ...restSpeakQuery(model) }, { abortSignal: signal, maxRetries: 0 });
    return chunksOf(response.stream() as ReadableStream<Uint8Array> | null);
  };
}
