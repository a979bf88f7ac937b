/**
 * The agent's upstream clients, in a module of their own so its tests can drive them against
 * callbench's mocks (test/): OpenAI chat completions and Deepgram REST speak over `fetch`,
 * Deepgram live listen over the `ws` package.
 */
import WebSocket from 'ws';

/** Where the upstreams are and the keys they take, from the variables the agent reads (see agent.mjs). */
export function upstreamsFrom(env) {
  const deepgram = env.DEEPGRAM_API_URL.replace(/\/+$/, '');
  return {
    deepgram,
    deepgramWs: deepgram.replace(/^http/, 'ws'),
    deepgramKey: env.DEEPGRAM_API_KEY,
    openai: env.OPENAI_BASE_URL.replace(/\/+$/, ''),
    openaiKey: env.OPENAI_API_KEY,
  };
}

/** Yields the text deltas of a streamed chat completion (server-sent events). */
export async function* chat(cfg, messages, signal) {
  const response = await fetch(`${cfg.openai}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cfg.openaiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true }),
    signal,
  });
  if (!response.ok || response.body === null) throw new Error(`chat completions: HTTP ${response.status}`);
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const bytes of response.body) {
    buffered += decoder.decode(bytes, { stream: true });
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') return;
      const text = JSON.parse(data).choices?.[0]?.delta?.content;
      if (text) yield text;
    }
  }
}

/** Yields 8 kHz mu-law audio of `text` as Deepgram streams it. */
export async function* speak(cfg, text, signal) {
  const response = await fetch(`${cfg.deepgram}/v1/speak?model=aura-2-thalia-en&encoding=mulaw&sample_rate=8000&container=none`, {
    method: 'POST',
    headers: { authorization: `Token ${cfg.deepgramKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
    signal,
  });
  if (!response.ok || response.body === null) throw new Error(`speak: HTTP ${response.status}`);
  yield* response.body;
}

/** Opens Deepgram live listen for a call's 8 kHz mu-law audio, with the events the agent acts on. */
export function openListen(cfg) {
  return new WebSocket(`${cfg.deepgramWs}/v1/listen?model=nova-3&encoding=mulaw&sample_rate=8000&interim_results=true&endpointing=300&vad_events=true`, {
    headers: { authorization: `Token ${cfg.deepgramKey}` },
  });
}
