/**
 * Text helpers of the planted agent: what counts as a backchannel, sentence splitting of streamed
 * text, and OpenAI chat completions streamed over fetch (SSE parsed here).
 */

/** Words that acknowledge or fill rather than take the turn ("uh-huh", "mm-hmm, okay"). */
const BACKCHANNELS = new Set(['uh-huh', 'uh', 'huh', 'uhhuh', 'mm-hmm', 'mmhmm', 'mhm', 'hmm', 'mm', 'um', 'umm', 'er', 'ah', 'oh', 'yeah', 'yep', 'okay', 'ok', 'right', 'sure', 'alright']);

/** Whether a transcript is made only of backchannel words (an empty one is not). */
export function isBackchannel(transcript) {
  const words = transcript.toLowerCase().match(/[a-z]+(?:-[a-z]+)*/g) ?? [];
  return words.length > 0 && words.every((word) => BACKCHANNELS.has(word));
}

/** Splits streamed text into sentences: `push` returns the sentences it completed, `rest` what is left. */
export function createSentenceSplitter() {
  let pending = '';
  // A sentence ends at . ! or ? (closing quotes or brackets allowed) followed by whitespace.
  const end = /[.!?]+["')\]]*\s+/;
  return {
    push(text) {
      pending += text;
      const out = [];
      for (let m = end.exec(pending); m !== null; m = end.exec(pending)) {
        const sentence = pending.slice(0, m.index + m[0].length).trim();
        pending = pending.slice(m.index + m[0].length);
        if (sentence !== '') out.push(sentence);
      }
      return out;
    },
    rest() {
      const left = pending.trim();
      pending = '';
      return left;
    },
  };
}

export class ChatError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

function retryDelayMs(response, attempt) {
  const ms = Number(response.headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const seconds = Number(response.headers.get('retry-after'));
  if (Number.isFinite(seconds) && seconds > 0) return seconds * 1000;
  return 250 * 2 ** attempt;
}

/**
 * Streams the reply to `messages`, calling onText with each content delta. A retryable status
 * (408, 409, 429, 5xx) is retried `retries` times; rejects with ChatError or the abort reason.
 */
export async function streamChat({ base, key, model, messages, signal, retries, onText }) {
  let response;
  for (let attempt = 0; ; attempt++) {
    response = await fetch(`${base}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ model, messages, stream: true }),
      signal,
    });
    if (response.ok) break;
    const body = await response.text().catch(() => '');
    const retryable = response.status === 408 || response.status === 409 || response.status === 429 || response.status >= 500;
    if (!retryable || attempt >= retries) throw new ChatError(`chat completions answered HTTP ${response.status}: ${body.slice(0, 160)}`, response.status);
    await sleep(retryDelayMs(response, attempt), signal);
  }
  if (response.body === null) throw new ChatError('chat completions answered without a body');
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const boundary = /\r\n\r\n|\n\n|\r\r/;
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    for (let m = boundary.exec(buffered); m !== null; m = boundary.exec(buffered)) {
      const block = buffered.slice(0, m.index);
      buffered = buffered.slice(m.index + m[0].length);
      const data = block.split(/\r\n|\n|\r/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).replace(/^ /, '')).join('\n');
      if (data === '') continue; // a comment or keep-alive
      if (data.startsWith('[DONE]')) {
        await reader.cancel().catch(() => {});
        return;
      }
      let chunk;
      try {
        chunk = JSON.parse(data);
      } catch {
        throw new ChatError(`chat stream sent invalid JSON: ${data.slice(0, 120)}`);
      }
      if (chunk.error) throw new ChatError(`chat stream error: ${chunk.error.message ?? JSON.stringify(chunk.error)}`);
      const text = chunk.choices?.[0]?.delta?.content;
      if (typeof text === 'string' && text !== '') onText(text);
    }
  }
}
