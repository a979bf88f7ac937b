#!/usr/bin/env node
/**
 * A "foreign" cascaded voice agent for callbench's tests, written the way the public
 * Twilio + Deepgram + OpenAI samples are (one plain-JS file, `ws` and node:http, no SDKs), but
 * without their bugs: Twilio Media Streams in, Deepgram live listen over a raw WebSocket,
 * OpenAI chat completions streamed with fetch (SSE parsed here), Deepgram speak over a raw
 * WebSocket, audio back to Twilio with a mark after every frame.
 *
 * It is an outsider on purpose: it uses nothing from callbench (no agent/ or harness/ code) and
 * never sends callbench's `x-callbench-call` header. See test/agents/README.md for the
 * environment it reads and its knobs (AGENT_TRANSCODE, AGENT_LEAK).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';

const NAME = 'cascaded-raw';
const STREAM_PATH = '/media-stream';
const WEBHOOK_PATHS = new Set(['/incoming-call', '/twiml']);
const GREETING = 'Hello, thanks for calling. How can I help you today?';
const SYSTEM_PROMPT = 'You are a friendly phone assistant. Answer in one to three short spoken sentences, without lists or markup.';
const CHAT_MODEL = 'gpt-4o-mini';
/** Messages of history kept besides the system prompt (a short memory is enough on a phone call). */
const HISTORY_MESSAGES = 10;
/** Retries of a chat request that failed with a retryable status (as the official SDK does). */
const CHAT_RETRIES = 2;
/** Deepgram closes a listen socket that hears nothing for 10 s; a KeepAlive every 5 s covers gaps in the audio. */
const KEEPALIVE_MS = 5_000;
/** Caller audio held while the listen socket is still connecting (20 ms frames: 5 s). */
const MAX_PENDING_FRAMES = 250;

function log(callId, message) {
  console.log(`[${NAME}] ${callId}: ${message}`);
}

function readConfig(env) {
  const required = ['DEEPGRAM_API_URL', 'DEEPGRAM_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_API_KEY'];
  const missing = required.filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`missing environment variable(s): ${missing.join(', ')}`);
  const transcode = env.AGENT_TRANSCODE ?? '';
  if (transcode !== '' && transcode !== 'linear16-16k') throw new Error(`AGENT_TRANSCODE must be linear16-16k or unset, got '${transcode}'`);
  const leak = env.AGENT_LEAK ?? '';
  if (leak !== '' && leak !== 'listen' && leak !== 'speak') throw new Error(`AGENT_LEAK must be listen or speak for this agent, got '${leak}'`);
  // Deepgram's WebSockets live on the same host as its REST API.
  const deepgramWs = env.DEEPGRAM_API_URL.replace(/^http/, 'ws').replace(/\/+$/, '');
  return {
    port: Number(env.PORT ?? 8080),
    host: env.HOST ?? '127.0.0.1',
    deepgramWs,
    deepgramKey: env.DEEPGRAM_API_KEY,
    openaiBase: env.OPENAI_BASE_URL.replace(/\/+$/, ''),
    openaiKey: env.OPENAI_API_KEY,
    authToken: env.TWILIO_AUTH_TOKEN ?? '',
    transcode: transcode === 'linear16-16k',
    leak,
  };
}

// --- Twilio webhook signatures (X-Twilio-Signature: base64 HMAC-SHA1 of URL + sorted params) ---

function twilioSignature(authToken, url, params) {
  let data = url;
  for (const key of Object.keys(params).sort()) data += key + params[key];
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

function signatureMatches(authToken, header, url, params) {
  if (authToken === '') return true; // nothing to check against: accept, as an unconfigured app does
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(twilioSignature(authToken, url, params));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function xmlEscape(text) {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);
}

// --- audio: G.711 mu-law decode and an 8 kHz -> 16 kHz linear-interpolation upsampler ---

const MULAW_TO_PCM = new Int16Array(256);
for (let i = 0; i < 256; i++) {
  const u = ~i & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  MULAW_TO_PCM[i] = u & 0x80 ? -magnitude : magnitude;
}

/** Upsamples one connection's mu-law stream to 16 kHz linear16 frame by frame; keeps the last sample for continuity. */
function createUpsampler() {
  let previous = 0;
  return (mulaw) => {
    const out = Buffer.alloc(mulaw.length * 4);
    for (let i = 0; i < mulaw.length; i++) {
      const sample = MULAW_TO_PCM[mulaw[i]];
      // Each input sample becomes two: the midpoint from the previous sample, then the sample itself.
      out.writeInt16LE((previous + sample) >> 1, i * 4);
      out.writeInt16LE(sample, i * 4 + 2);
      previous = sample;
    }
    return out;
  };
}

// --- OpenAI chat completions, streamed (SSE parsed here) ---

class ChatError extends Error {}

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
  return 500 * 2 ** attempt;
}

/** Streams the reply to `messages`, calling onText with each content delta; rejects with ChatError or the abort reason. */
async function streamChat(config, messages, signal, onText) {
  let response;
  for (let attempt = 0; ; attempt++) {
    response = await fetch(`${config.openaiBase}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${config.openaiKey}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ model: CHAT_MODEL, messages, stream: true }),
      signal,
    });
    if (response.ok) break;
    const body = await response.text().catch(() => '');
    const retryable = response.status === 408 || response.status === 409 || response.status === 429 || response.status >= 500;
    if (!retryable || attempt >= CHAT_RETRIES) throw new ChatError(`chat completions answered HTTP ${response.status}: ${body.slice(0, 200)}`);
    await sleep(retryDelayMs(response, attempt), signal);
  }
  if (response.body === null) throw new ChatError('chat completions answered without a body');
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    for (let boundary = /\r\n\r\n|\n\n|\r\r/.exec(buffered); boundary !== null; boundary = /\r\n\r\n|\n\n|\r\r/.exec(buffered)) {
      const block = buffered.slice(0, boundary.index);
      buffered = buffered.slice(boundary.index + boundary[0].length);
      const data = block
        .split(/\r\n|\n|\r/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
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

/** Splits streamed text into sentences: each complete one goes to `onSentence`, `rest()` returns what is left. */
function createSentenceSplitter(onSentence) {
  let pending = '';
  return {
    push(text) {
      pending += text;
      // A sentence ends at . ! or ? (closing quotes or brackets allowed) followed by whitespace.
      for (let m = /[.!?]+["')\]]*\s+/.exec(pending); m !== null; m = /[.!?]+["')\]]*\s+/.exec(pending)) {
        const sentence = pending.slice(0, m.index + m[0].length).trim();
        pending = pending.slice(m.index + m[0].length);
        if (sentence !== '') onSentence(sentence);
      }
    },
    rest() {
      const left = pending.trim();
      pending = '';
      return left;
    },
  };
}

// --- one call: a Twilio media stream and the upstream sockets it opened ---

class CallSession {
  constructor(config, twilio, label) {
    this.config = config;
    this.twilio = twilio;
    this.id = label;
    this.streamSid = undefined;
    this.ended = false;
    this.history = [];
    /** is_final transcript segments of the utterance in progress. */
    this.finals = [];
    /** Marks sent to Twilio and not echoed yet: name -> reply number. Non-empty means audio is playing. */
    this.marks = new Map();
    this.markCount = 0;
    this.replyCount = 0;
    /** The reply being generated or spoken: { number, abort, interrupted }. */
    this.reply = undefined;
    /** After a speak `Clear`, audio frames still in flight belong to the cleared speech: drop them until `Cleared`. */
    this.discardSpeech = false;
    this.pendingAudio = [];
    this.pendingSpeak = [];
    /** Flushes sent to speak whose `Flushed` has not come back: speech still to be generated. */
    this.pendingFlushes = 0;
    this.upsample = config.transcode ? createUpsampler() : undefined;
    this.listen = this.openListen();
    this.speak = this.openSpeak();
    this.keepAlive = setInterval(() => this.sendListen(JSON.stringify({ type: 'KeepAlive' })), KEEPALIVE_MS);
    twilio.on('message', (data, isBinary) => this.guard(() => this.onTwilio(data, isBinary)));
    twilio.on('close', () => this.end('the Twilio stream closed'));
    twilio.on('error', (error) => log(this.id, `Twilio socket error: ${error.message}`));
  }

  /** Runs an event handler; a fault in it ends this call, never the process. */
  guard(fn) {
    try {
      fn();
    } catch (error) {
      log(this.id, `error: ${error.stack ?? error}`);
      this.end('an internal error');
    }
  }

  openListen() {
    const params = this.config.transcode
      ? 'encoding=linear16&sample_rate=16000'
      : 'encoding=mulaw&sample_rate=8000';
    const url = `${this.config.deepgramWs}/v1/listen?model=nova-2-phonecall&${params}&channels=1&interim_results=true&endpointing=300&utterance_end_ms=1000&vad_events=true&smart_format=true`;
    const ws = new WebSocket(url, { headers: { authorization: `Token ${this.config.deepgramKey}` } });
    ws.on('open', () => {
      for (const frame of this.pendingAudio) ws.send(frame);
      this.pendingAudio = [];
    });
    ws.on('message', (data, isBinary) => this.guard(() => {
      if (!isBinary) this.onListen(JSON.parse(data.toString('utf8')));
    }));
    this.watchUpstream(ws, 'Deepgram listen');
    return ws;
  }

  openSpeak() {
    const url = `${this.config.deepgramWs}/v1/speak?model=aura-asteria-en&encoding=mulaw&sample_rate=8000&container=none`;
    const ws = new WebSocket(url, { headers: { authorization: `Token ${this.config.deepgramKey}` } });
    ws.on('open', () => {
      for (const message of this.pendingSpeak) ws.send(message);
      this.pendingSpeak = [];
    });
    ws.on('message', (data, isBinary) => this.guard(() => {
      if (isBinary) this.onSpeechAudio(data);
      else this.onSpeakControl(JSON.parse(data.toString('utf8')));
    }));
    this.watchUpstream(ws, 'Deepgram speak');
    return ws;
  }

  /** An upstream socket that fails or closes while the call goes on ends the call (logged), never the process. */
  watchUpstream(ws, what) {
    // A refused upgrade (401, 400, ...) arrives here as "Unexpected server response: N", then as a close.
    ws.on('error', (error) => log(this.id, `${what} error: ${error.message}`));
    ws.on('close', (code, reason) => {
      if (this.ended) return;
      log(this.id, `${what} closed during the call (code ${code}${reason.length > 0 ? `, ${reason.toString('utf8')}` : ''})`);
      this.end(`${what} closed`);
    });
  }

  sendListen(message) {
    if (this.listen.readyState === WebSocket.OPEN) this.listen.send(message);
  }

  /** Sends to the speak socket, holding messages while it is still connecting (the greeting is asked for that early). */
  sendSpeak(message) {
    if (this.speak.readyState === WebSocket.OPEN) this.speak.send(JSON.stringify(message));
    else if (this.speak.readyState === WebSocket.CONNECTING) this.pendingSpeak.push(JSON.stringify(message));
  }

  sendTwilio(message) {
    if (this.twilio.readyState === WebSocket.OPEN) this.twilio.send(JSON.stringify(message));
  }

  // --- Twilio side ---

  onTwilio(data, isBinary) {
    if (isBinary) {
      log(this.id, 'ignoring a binary frame from Twilio');
      return;
    }
    let message;
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch {
      log(this.id, 'ignoring a Twilio message that is not JSON');
      return;
    }
    switch (message.event) {
      case 'connected':
        return;
      case 'start':
        this.streamSid = message.start?.streamSid ?? message.streamSid;
        this.id = message.start?.callSid ?? this.id;
        log(this.id, `stream ${this.streamSid} started`);
        this.say(GREETING);
        return;
      case 'media': {
        if (message.media?.track !== undefined && message.media.track !== 'inbound') return;
        const mulaw = Buffer.from(message.media?.payload ?? '', 'base64');
        const frame = this.upsample === undefined ? mulaw : this.upsample(mulaw);
        if (this.listen.readyState === WebSocket.OPEN) this.listen.send(frame);
        else if (this.listen.readyState === WebSocket.CONNECTING && this.pendingAudio.length < MAX_PENDING_FRAMES) this.pendingAudio.push(frame);
        return;
      }
      case 'mark':
        // Unknown names are echoes of marks already dropped by a `clear`: nothing to account for.
        this.marks.delete(message.mark?.name);
        return;
      case 'dtmf':
        log(this.id, `DTMF ${message.dtmf?.digit}`);
        return;
      case 'stop':
        this.end('Twilio sent stop');
        return;
      default:
        log(this.id, `ignoring Twilio event '${message.event}'`);
    }
  }

  /** Audio is playing at the caller while any mark is still to be echoed. */
  get playing() {
    return this.marks.size > 0;
  }

  // --- listening and turn-taking ---

  onListen(message) {
    switch (message.type) {
      case 'SpeechStarted':
        if (this.playing) this.bargeIn('SpeechStarted');
        return;
      case 'Results': {
        const transcript = (message.channel?.alternatives?.[0]?.transcript ?? '').trim();
        if (transcript !== '' && this.playing) this.bargeIn(`"${transcript}"`);
        if (message.is_final && transcript !== '') this.finals.push(transcript);
        if (message.speech_final) this.endOfUtterance('speech_final');
        return;
      }
      case 'UtteranceEnd':
        this.endOfUtterance('UtteranceEnd');
        return;
      case 'Metadata':
        return;
      default:
        log(this.id, `Deepgram listen sent '${message.type}'`);
    }
  }

  /** One reply per utterance: the first of speech_final / UtteranceEnd that finds final text answers it. */
  endOfUtterance(why) {
    if (this.finals.length === 0) return;
    const text = this.finals.join(' ');
    this.finals = [];
    log(this.id, `caller said "${text}" (${why})`);
    this.answer(text);
  }

  /** Caller speech over agent audio: clear Twilio, stop the reply and the speech it queued. */
  bargeIn(why) {
    log(this.id, `barge-in on ${why}`);
    this.sendTwilio({ event: 'clear', streamSid: this.streamSid });
    // Twilio echoes every pending mark after a clear; forgetting them now keeps those echoes out of the accounting.
    this.marks.clear();
    // Speak may still be generating for it even when every Flush has come back as far as we know: Clear regardless.
    this.stopReply({ clearSpeech: true });
  }

  /**
   * Aborts the current reply's generation and drops whatever speech it still has queued upstream
   * (a speak `Clear` when a Flush is outstanding, or always with `clearSpeech`).
   */
  stopReply({ clearSpeech = false } = {}) {
    const reply = this.reply;
    if (reply === undefined) return;
    this.reply = undefined;
    reply.interrupted = true;
    reply.abort.abort(new Error('interrupted'));
    if (clearSpeech || this.pendingFlushes > 0) {
      this.sendSpeak({ type: 'Clear' });
      this.pendingFlushes = 0;
      this.discardSpeech = true;
    }
  }

  remember(role, content) {
    this.history.push({ role, content });
    if (this.history.length > HISTORY_MESSAGES) this.history.splice(0, this.history.length - HISTORY_MESSAGES);
  }

  /** Speaks a fixed line (the greeting) as a reply of its own, so it can be barged in like any other. */
  say(text) {
    this.stopReply();
    const reply = { number: ++this.replyCount, abort: new AbortController(), interrupted: false };
    this.reply = reply;
    this.speakSentence(reply, text);
    this.remember('assistant', text);
  }

  answer(text) {
    // A new utterance makes any reply still in progress stale, and any audio of it still playing.
    if (this.playing) this.bargeIn('a new utterance');
    else this.stopReply();
    this.remember('user', text);
    const reply = { number: ++this.replyCount, abort: new AbortController(), interrupted: false };
    this.reply = reply;
    const spoken = [];
    const splitter = createSentenceSplitter((sentence) => {
      if (reply.interrupted) return;
      spoken.push(sentence);
      this.speakSentence(reply, sentence);
    });
    const messages = [{ role: 'system', content: SYSTEM_PROMPT }, ...this.history];
    streamChat(this.config, messages, reply.abort.signal, (delta) => {
      if (!reply.interrupted) splitter.push(delta);
    }).then(
      () => {
        if (reply.interrupted) return;
        const rest = splitter.rest();
        if (rest !== '') {
          spoken.push(rest);
          this.speakSentence(reply, rest);
        }
        this.remember('assistant', spoken.join(' '));
      },
      (error) => {
        // What the caller may have heard of an interrupted reply stays in the history.
        if (reply.interrupted) {
          if (spoken.length > 0) this.remember('assistant', spoken.join(' '));
          return;
        }
        log(this.id, `chat failed: ${error.message}`);
        this.end('the chat completion failed');
      },
    );
  }

  speakSentence(reply, sentence) {
    if (this.ended || reply.interrupted) return;
    this.sendSpeak({ type: 'Speak', text: sentence });
    this.sendSpeak({ type: 'Flush' });
    this.pendingFlushes++;
  }

  // --- speech back to the caller ---

  onSpeechAudio(data) {
    if (this.discardSpeech || this.streamSid === undefined || this.reply === undefined) return;
    this.sendTwilio({ event: 'media', streamSid: this.streamSid, media: { payload: Buffer.from(data).toString('base64') } });
    const name = `reply${this.reply.number}-${++this.markCount}`;
    this.marks.set(name, this.reply.number);
    this.sendTwilio({ event: 'mark', streamSid: this.streamSid, mark: { name } });
  }

  onSpeakControl(message) {
    switch (message.type) {
      case 'Cleared':
        this.discardSpeech = false;
        return;
      case 'Flushed':
        if (!this.discardSpeech && this.pendingFlushes > 0) this.pendingFlushes--;
        return;
      case 'Metadata':
        return;
      case 'Warning':
        log(this.id, `Deepgram speak warning: ${message.description} (${message.code})`);
        return;
      default:
        log(this.id, `Deepgram speak sent '${message.type}'`);
    }
  }

  // --- the end of the call ---

  /** Ends the call once: stops timers and the reply, closes every upstream socket (but the AGENT_LEAK one) and the stream. */
  end(why) {
    if (this.ended) return;
    this.ended = true;
    log(this.id, `call ending: ${why}`);
    clearInterval(this.keepAlive);
    this.reply?.abort.abort(new Error('call ended'));
    this.reply = undefined;
    if (this.config.leak === 'listen') log(this.id, 'AGENT_LEAK=listen: leaving the listen socket open');
    else {
      this.sendListen(JSON.stringify({ type: 'CloseStream' }));
      this.listen.close(1000);
    }
    if (this.config.leak === 'speak') log(this.id, 'AGENT_LEAK=speak: leaving the speak socket open');
    else this.speak.close(1000);
    if (this.twilio.readyState === WebSocket.OPEN) this.twilio.close(1000);
    sessions.delete(this);
  }
}

// --- the server: webhook, media-stream upgrade, shutdown ---

const sessions = new Set();

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function main() {
  let config;
  try {
    config = readConfig(process.env);
  } catch (error) {
    console.error(`[${NAME}] ${error.message}`);
    process.exit(2);
  }

  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'POST' || !WEBHOOK_PATHS.has(pathname)) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    readBody(request).then((body) => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const host = request.headers.host ?? `${config.host}:${config.port}`;
      if (!signatureMatches(config.authToken, request.headers['x-twilio-signature'], `http://${host}${request.url}`, params)) {
        log(params.CallSid ?? '-', 'webhook signature does not match: 403');
        response.writeHead(403, { 'content-type': 'text/plain' }).end('Twilio Request Validation Failed.\n');
        return;
      }
      log(params.CallSid ?? '-', `incoming call from ${params.From ?? 'unknown'}`);
      const twiml = `<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="${xmlEscape(`wss://${host}${STREAM_PATH}`)}"/></Connect></Response>`;
      response.writeHead(200, { 'content-type': 'text/xml' }).end(twiml);
    }, (error) => {
      log('-', `webhook body could not be read: ${error.message}`);
      response.writeHead(400).end();
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    const refuse = (status, text) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (pathname !== STREAM_PATH) return refuse(404, 'Not Found');
    // Twilio signs the upgrade over the wss:// URL of the TwiML, with no parameters.
    if (!signatureMatches(config.authToken, request.headers['x-twilio-signature'], `wss://${request.headers.host}${request.url}`, {})) {
      log('-', 'media-stream upgrade signature does not match: 403');
      return refuse(403, 'Forbidden');
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      sessions.add(new CallSession(config, ws, `stream#${sessions.size + 1}`));
    });
  });

  server.listen(config.port, config.host, () => log('-', `listening on http://${config.host}:${config.port} (webhook /incoming-call or /twiml)`));

  const shutdown = (signal) => {
    log('-', `${signal}: closing ${sessions.size} call(s)`);
    for (const session of [...sessions]) session.end(`agent stopping (${signal})`);
    server.close();
    // Give the close frames a moment to go out, then leave.
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main();
