/**
 * The planted agent's HTTP side: the voice webhook (POST /incoming-call or /twiml, form-encoded)
 * answering TwiML that connects the call to wss://HOST/media-stream, the media-stream upgrade,
 * Twilio signature checks when TWILIO_AUTH_TOKEN is set, and shutdown on SIGTERM/SIGINT.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const STREAM_PATH = '/media-stream';
const WEBHOOK_PATHS = new Set(['/incoming-call', '/twiml']);

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

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * Serves calls until SIGTERM/SIGINT. `openCall(ws)` starts a call on an accepted media stream and
 * returns it (something with `end(why)`); `sessions` holds the live ones, for shutdown.
 */
export function serve(config, log, openCall) {
  const sessions = new Set();
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
        log('-', 'webhook signature does not match: 403');
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
    const refuse = (status, text) => socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    if (pathname !== STREAM_PATH) return refuse(404, 'Not Found');
    // Twilio signs the upgrade over the wss:// URL of the TwiML, with no parameters.
    if (!signatureMatches(config.authToken, request.headers['x-twilio-signature'], `wss://${request.headers.host}${request.url}`, {})) {
      log('-', 'media-stream upgrade signature does not match: 403');
      return refuse(403, 'Forbidden');
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const session = openCall(ws, () => sessions.delete(session));
      sessions.add(session);
    });
  });

  server.listen(config.port, config.host, () => log('-', `listening on http://${config.host}:${config.port} (AGENT_MODE=${config.mode}, PLANT=${[...config.plants].join(',') || 'none'})`));

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
