#!/usr/bin/env node
/**
 * A "foreign" speech-to-speech voice agent for callbench's tests, written the way the public
 * Twilio + OpenAI Realtime samples are (one plain-JS file, a raw `ws` socket, node:http), but
 * without their bugs: TwiML that greets with <Say> before <Connect><Stream>, the OpenAI Realtime
 * GA socket opened as soon as Twilio connects, Twilio audio forwarded unchanged
 * (`audio/pcmu` both ways), a mark after every audio delta, and on barge-in a Twilio `clear`, a
 * `conversation.item.truncate` at what the caller actually heard, and `response.cancel`.
 *
 * It is an outsider on purpose: it uses nothing from callbench (no agent/ or harness/ code) and
 * never sends callbench's `x-callbench-call` header. See test/agents/README.md for the
 * environment it reads and its knob (AGENT_LEAK=realtime).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';

const NAME = 'realtime-raw';
const STREAM_PATH = '/media-stream';
const WEBHOOK_PATHS = new Set(['/incoming-call', '/twiml']);
const SAY_GREETING = 'Hello! You are speaking with the demo assistant.';
const MODEL = 'gpt-realtime';
const VOICE = 'alloy';
/** Silence that ends the caller's turn (server VAD). */
const SILENCE_MS = 500;
const INSTRUCTIONS = 'You are a friendly phone assistant. Answer in one to three short spoken sentences.';
/** G.711 mu-law at 8 kHz: 8 bytes of audio per ms. */
const MULAW_BYTES_PER_MS = 8;
/** Caller audio held until the session has its formats (20 ms frames: 5 s). */
const MAX_PENDING_APPENDS = 250;

function log(callId, message) {
  console.log(`[${NAME}] ${callId}: ${message}`);
}

function readConfig(env) {
  const missing = ['OPENAI_REALTIME_URL', 'OPENAI_API_KEY'].filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`missing environment variable(s): ${missing.join(', ')}`);
  const leak = env.AGENT_LEAK ?? '';
  if (leak !== '' && leak !== 'realtime') throw new Error(`AGENT_LEAK must be realtime for this agent, got '${leak}'`);
  const url = new URL(env.OPENAI_REALTIME_URL);
  url.searchParams.set('model', MODEL);
  return {
    port: Number(env.PORT ?? 5050),
    host: env.HOST ?? '127.0.0.1',
    realtimeUrl: url.toString(),
    openaiKey: env.OPENAI_API_KEY,
    authToken: env.TWILIO_AUTH_TOKEN ?? '',
    leak,
  };
}

// --- Twilio webhook signatures (X-Twilio-Signature: base64 HMAC-SHA1 of URL + sorted params) ---

function signatureMatches(authToken, header, url, params) {
  if (authToken === '') return true; // nothing to check against: accept, as an unconfigured app does
  if (typeof header !== 'string') return false;
  let data = url;
  for (const key of Object.keys(params).sort()) data += key + params[key];
  const expected = Buffer.from(createHmac('sha1', authToken).update(data, 'utf8').digest('base64'));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function xmlEscape(text) {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);
}

/**
 * What the caller has heard of each assistant item, from the marks that follow every delta.
 * Twilio plays queued audio in order and echoes a mark when the audio before it has played, so
 * an echo at time t means the caller heard the item up to that mark's offset at t and then kept
 * hearing the next delta. Items are kept per response and never carried over to the next one.
 */
class PlaybackLedger {
  constructor() {
    /** name -> { itemId, endMs }: marks sent and not echoed yet, in the order sent. */
    this.pending = new Map();
    /** itemId -> { receivedMs, anchor: { ms, at } | undefined } */
    this.items = new Map();
    this.count = 0;
  }

  get playing() {
    return this.pending.size > 0;
  }

  /** Records a delta of `bytes` for `itemId`, sent at `now`; returns the name of the mark to send after it. */
  delta(itemId, bytes, now) {
    let item = this.items.get(itemId);
    if (item === undefined) {
      // With nothing queued ahead of it, the item starts playing as soon as its first delta arrives.
      item = { receivedMs: 0, anchor: this.playing ? undefined : { ms: 0, at: now } };
      this.items.set(itemId, item);
    }
    item.receivedMs += bytes / MULAW_BYTES_PER_MS;
    const name = `${itemId}:${++this.count}`;
    this.pending.set(name, { itemId, endMs: item.receivedMs });
    return name;
  }

  /** A mark echo at `now`: the audio up to it has played, and the caller is now hearing what follows. */
  echo(name, now) {
    const mark = this.pending.get(name);
    if (mark === undefined) return; // an echo of a mark a `clear` already dropped
    // Echoes come in the order sent: anything before this one has played too.
    for (const key of this.pending.keys()) {
      this.pending.delete(key);
      if (key === name) break;
    }
    const item = this.items.get(mark.itemId);
    if (item !== undefined) item.anchor = { ms: mark.endMs, at: now };
    // The next item queued behind this one starts playing now, if this was the last mark of its item.
    const next = this.pending.values().next().value;
    if (next !== undefined && next.itemId !== mark.itemId) {
      const queued = this.items.get(next.itemId);
      if (queued !== undefined && queued.anchor === undefined) queued.anchor = { ms: 0, at: now };
    }
  }

  /** The item the caller is hearing and how many whole ms of it were heard by `now`, or undefined when nothing plays. */
  heard(now) {
    const first = this.pending.values().next().value;
    if (first === undefined) return undefined;
    const item = this.items.get(first.itemId);
    if (item === undefined) return undefined;
    const elapsed = item.anchor === undefined ? 0 : item.anchor.ms + (now - item.anchor.at);
    // Never past the next mark still to be echoed, nor past what was received for the item.
    const ms = Math.max(0, Math.min(elapsed, first.endMs, item.receivedMs));
    return { itemId: first.itemId, audioEndMs: Math.floor(ms) };
  }

  /** A `clear`: every pending mark is dropped (Twilio echoes them all at once; those echoes are ignored). */
  clear() {
    this.pending.clear();
  }
}

class CallSession {
  constructor(config, twilio, label) {
    this.config = config;
    this.twilio = twilio;
    this.id = label;
    this.streamSid = undefined;
    this.ended = false;
    /** True once `session.updated` confirmed the formats: caller audio waits for it. */
    this.ready = false;
    this.pendingAppends = [];
    this.ledger = new PlaybackLedger();
    /** The response being generated (between response.created and response.done). */
    this.activeResponse = undefined;
    /** Responses cancelled on barge-in: their late deltas are dropped. */
    this.cancelled = new Set();
    this.realtime = this.openRealtime();
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

  openRealtime() {
    const ws = new WebSocket(this.config.realtimeUrl, { headers: { authorization: `Bearer ${this.config.openaiKey}` } });
    ws.on('open', () => {
      this.sendRealtime({
        type: 'session.update',
        session: {
          type: 'realtime',
          model: MODEL,
          output_modalities: ['audio'],
          instructions: INSTRUCTIONS,
          audio: {
            // The agent decides barge-in itself (it cancels with response.cancel), so the server must not. 500 ms of
            // silence ends a turn: with the 200 ms the service defaults to, the pause after a comma ends the turn.
            input: { format: { type: 'audio/pcmu' }, turn_detection: { type: 'server_vad', silence_duration_ms: SILENCE_MS, interrupt_response: false } },
            output: { format: { type: 'audio/pcmu' }, voice: VOICE },
          },
        },
      });
    });
    ws.on('message', (data, isBinary) => this.guard(() => {
      if (!isBinary) this.onRealtime(JSON.parse(data.toString('utf8')));
    }));
    // A refused upgrade (401, 400, ...) arrives here as "Unexpected server response: N", then as a close.
    ws.on('error', (error) => log(this.id, `Realtime error: ${error.message}`));
    ws.on('close', (code, reason) => {
      if (this.ended) return;
      log(this.id, `Realtime socket closed during the call (code ${code}${reason.length > 0 ? `, ${reason.toString('utf8')}` : ''})`);
      this.end('the Realtime socket closed');
    });
    return ws;
  }

  sendRealtime(event) {
    if (this.realtime.readyState === WebSocket.OPEN) this.realtime.send(JSON.stringify(event));
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
        return;
      case 'media': {
        if (message.media?.track !== undefined && message.media.track !== 'inbound') return;
        // Twilio's payload is already base64 mu-law, the session's input format: forwarded as it is.
        const append = { type: 'input_audio_buffer.append', audio: message.media?.payload ?? '' };
        if (this.ready) this.sendRealtime(append);
        else if (this.pendingAppends.length < MAX_PENDING_APPENDS) this.pendingAppends.push(append);
        return;
      }
      case 'mark':
        this.ledger.echo(message.mark?.name, Date.now());
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

  // --- Realtime side ---

  onRealtime(event) {
    switch (event.type) {
      case 'session.created':
        return;
      case 'session.updated':
        if (!this.ready) {
          this.ready = true;
          for (const append of this.pendingAppends) this.sendRealtime(append);
          this.pendingAppends = [];
        }
        return;
      case 'response.created':
        this.activeResponse = event.response?.id;
        return;
      case 'response.done':
        if (this.activeResponse === event.response?.id) this.activeResponse = undefined;
        this.cancelled.delete(event.response?.id);
        return;
      case 'response.output_audio.delta':
        this.onAudioDelta(event);
        return;
      case 'input_audio_buffer.speech_started':
        this.onSpeechStarted();
        return;
      case 'error': {
        const error = event.error ?? {};
        log(this.id, `Realtime error event: ${error.code ?? error.type}: ${error.message}`);
        // A refused session.update leaves the formats wrong for the whole call: nothing to save.
        if (!this.ready && typeof error.param === 'string' && error.param.startsWith('session')) this.end('the session settings were refused');
        return;
      }
      default:
        return; // transcripts, item and rate-limit events: nothing to do
    }
  }

  onAudioDelta(event) {
    if (this.cancelled.has(event.response_id) || this.streamSid === undefined) return;
    this.sendTwilio({ event: 'media', streamSid: this.streamSid, media: { payload: event.delta } });
    const name = this.ledger.delta(event.item_id, Buffer.byteLength(event.delta, 'base64'), Date.now());
    this.sendTwilio({ event: 'mark', streamSid: this.streamSid, mark: { name } });
  }

  /** The caller started speaking: stop what is playing at what was heard, and what is still being generated. */
  onSpeechStarted() {
    const heard = this.ledger.heard(Date.now());
    if (heard !== undefined) {
      log(this.id, `barge-in: truncating ${heard.itemId} at ${heard.audioEndMs} ms`);
      this.sendTwilio({ event: 'clear', streamSid: this.streamSid });
      this.ledger.clear();
      this.sendRealtime({ type: 'conversation.item.truncate', item_id: heard.itemId, content_index: 0, audio_end_ms: heard.audioEndMs });
    }
    if (this.activeResponse !== undefined) {
      this.sendRealtime({ type: 'response.cancel', response_id: this.activeResponse });
      this.cancelled.add(this.activeResponse);
      this.activeResponse = undefined;
    }
  }

  /** Ends the call once: closes the Realtime socket (unless AGENT_LEAK=realtime) and the stream. */
  end(why) {
    if (this.ended) return;
    this.ended = true;
    log(this.id, `call ending: ${why}`);
    if (this.config.leak === 'realtime') log(this.id, 'AGENT_LEAK=realtime: leaving the Realtime socket open');
    else this.realtime.close(1000);
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
      const twiml =
        '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        `<Say>${xmlEscape(SAY_GREETING)}</Say>` +
        `<Connect><Stream url="${xmlEscape(`wss://${host}${STREAM_PATH}`)}"/></Connect></Response>`;
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
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main();
