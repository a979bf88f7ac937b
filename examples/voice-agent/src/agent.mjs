/**
 * A small phone voice agent: Twilio Media Streams in, Deepgram live listen (a WebSocket) for
 * speech to text, OpenAI chat completions (streamed, fetch) for the reply, Deepgram REST speak
 * (fetch) for the voice, the audio back to Twilio with a mark after each piece. The clients of
 * those upstreams are in upstreams.mjs, which the unit tests (test/) drive against callbench's mocks.
 *
 * It reads its upstreams from the environment, as any deployed agent does, which is all callbench
 * needs to measure it: `callbench run --agent-cmd 'node src/agent.mjs'` points these variables at
 * its mocks and PORT/HOST at where the agent should listen.
 *
 *   PORT, HOST                          where the voice webhook (POST /incoming-call) listens
 *   DEEPGRAM_API_URL, DEEPGRAM_API_KEY  e.g. https://api.deepgram.com (its sockets: the same host, wss://)
 *   OPENAI_BASE_URL, OPENAI_API_KEY     e.g. https://api.openai.com/v1
 *
 * Kept short on purpose: no webhook signature check (a production agent checks
 * X-Twilio-Signature with TWILIO_AUTH_TOKEN), no retries, one reply at a time.
 */
import { createServer } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import { chat, openListen, speak, upstreamsFrom } from './upstreams.mjs';

const SYSTEM_PROMPT = 'You are the phone assistant of a small online shop. Answer in one to three short spoken sentences.';
const GREETING = 'Hello, you are through to the shop. How can I help?';

function config(env) {
  const missing = ['DEEPGRAM_API_URL', 'DEEPGRAM_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_API_KEY'].filter((name) => !env[name]);
  if (missing.length > 0) {
    console.error(`agent: missing environment variable(s): ${missing.join(', ')}`);
    process.exit(2);
  }
  return { port: Number(env.PORT ?? 8080), host: env.HOST ?? '127.0.0.1', ...upstreamsFrom(env) };
}

/** One call: its Twilio socket, its listen socket, and the reply in progress. */
function handleCall(cfg, twilio) {
  let streamSid;
  let finals = [];
  const history = [{ role: 'system', content: SYSTEM_PROMPT }];
  /** Marks sent and not yet echoed: while there are any, the caller is hearing us. */
  const marks = new Set();
  let markCount = 0;
  /** Aborts the reply being generated or spoken. */
  let reply;

  const sendTwilio = (message) => twilio.readyState === WebSocket.OPEN && twilio.send(JSON.stringify(message));
  const listen = openListen(cfg);
  listen.on('error', (error) => console.error(`agent: listen: ${error.message}`));

  // Speaks sentence after sentence in order until `signal` aborts (a barge-in, the call's end).
  function speaker(signal) {
    let queue = Promise.resolve();
    return (sentence) => {
      queue = queue.then(async () => {
        if (signal.aborted) return;
        try {
          for await (const audio of speak(cfg, sentence, signal)) {
            if (signal.aborted) return;
            sendTwilio({ event: 'media', streamSid, media: { payload: Buffer.from(audio).toString('base64') } });
            const name = `m${++markCount}`;
            marks.add(name);
            sendTwilio({ event: 'mark', streamSid, mark: { name } });
          }
        } catch (error) {
          // An abort rejects the fetch or its body mid-stream: expected, not a failure.
          if (!signal.aborted) console.error(`agent: speak failed: ${error.message}`);
        }
      });
    };
  }

  function stopReply() {
    reply?.abort();
    reply = undefined;
  }

  async function respond(text) {
    stopReply();
    const controller = new AbortController();
    reply = controller;
    const say = speaker(controller.signal);
    history.push({ role: 'user', content: text });
    let spoken = '';
    let pending = '';
    try {
      for await (const delta of chat(cfg, history, controller.signal)) {
        pending += delta;
        // Each finished sentence goes to speech while the rest is still being written.
        for (let end = pending.search(/[.!?]\s/); end >= 0; end = pending.search(/[.!?]\s/)) {
          say(pending.slice(0, end + 1).trim());
          spoken += pending.slice(0, end + 2);
          pending = pending.slice(end + 2);
        }
      }
      if (pending.trim() !== '') say(pending.trim());
      history.push({ role: 'assistant', content: spoken + pending });
    } catch (error) {
      if (!controller.signal.aborted) console.error(`agent: reply failed: ${error.message}`);
    }
  }

  // The caller talking over us: drop the audio Twilio still holds and stop the reply behind it.
  function bargeIn() {
    if (marks.size === 0) return;
    sendTwilio({ event: 'clear', streamSid });
    marks.clear();
    stopReply();
  }

  listen.on('message', (data) => {
    const message = JSON.parse(data.toString());
    // SpeechStarted (vad_events) comes before any words: the quickest sign the caller has cut in.
    if (message.type === 'SpeechStarted') bargeIn();
    if (message.type !== 'Results') return;
    const transcript = message.channel?.alternatives?.[0]?.transcript ?? '';
    if (transcript !== '') bargeIn();
    if (message.is_final && transcript !== '') finals.push(transcript);
    if (message.speech_final && finals.length > 0) {
      const said = finals.join(' ');
      finals = [];
      void respond(said);
    }
  });

  function end() {
    stopReply();
    if (listen.readyState === WebSocket.OPEN) listen.send(JSON.stringify({ type: 'CloseStream' }));
    listen.close();
    twilio.close();
  }

  twilio.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.event === 'start') {
      streamSid = message.start.streamSid;
      const controller = new AbortController();
      reply = controller;
      speaker(controller.signal)(GREETING);
      history.push({ role: 'assistant', content: GREETING });
    } else if (message.event === 'media' && listen.readyState === WebSocket.OPEN) {
      listen.send(Buffer.from(message.media.payload, 'base64'));
    } else if (message.event === 'mark') {
      marks.delete(message.mark.name);
    } else if (message.event === 'stop') {
      end();
    }
  });
  twilio.on('close', end);
}

const cfg = config(process.env);
const server = createServer((request, response) => {
  if (request.method === 'POST' && request.url?.startsWith('/incoming-call')) {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/xml' });
    response.end(`<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://${request.headers.host}/media-stream"/></Connect></Response>`);
  } else {
    response.writeHead(404).end();
  }
});
const sockets = new WebSocketServer({ server, path: '/media-stream' });
sockets.on('connection', (twilio) => handleCall(cfg, twilio));
server.listen(cfg.port, cfg.host, () => console.log(`agent: listening on http://${cfg.host}:${cfg.port}/incoming-call`));
process.once('SIGTERM', () => {
  for (const client of sockets.clients) client.close();
  server.close(() => process.exit(0));
});
