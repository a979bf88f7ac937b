/**
 * Mock Deepgram REST TTS (`POST /v1/speak`): `Authorization: Token <key>`, a JSON body
 * `{"text": …}`, query `model`, `encoding`, `container`, `sample_rate`, `speed`. The response
 * starts (headers and the first bytes together) after the profile's `tts.rest_first_byte_ms`,
 * then streams the audio chunked, SPEAK_CHUNK_MS of audio per chunk at the profile's TTS
 * speed-up, opened by a WAV header when `container=wav`. A client that goes away stops the
 * synthesis. Errors are JSON `{err_code, err_msg, request_id}` as the live service sends them.
 *
 * Deepgram also offers mp3, opus, aac and flac; the mock synthesises only the raw encodings
 * (linear16, mulaw, alaw) and refuses the others with a 400 that says so. Where the docs disagree
 * on the default encoding (mp3 vs linear16, PROTOCOLS.md §7.2) the mock uses linear16, so a
 * request without `encoding` still gets audio.
 */
import { randomUUID } from 'node:crypto';
import { checkDeepgramAuth } from './auth.ts';
import { modelUuid, parseSpeakParams, renderSpeech, SPEAK_CHUNK_MS, SPEAK_MAX_TEXT_CHARS, type SpeakEncoding, type SpeakParams } from './speak-ws.ts';
import { wavStreamHeader } from './wav-stream-header.ts';
import { tieByHeader, type MockContext } from '../context.ts';
import type { MockRequest, MockResponse } from '../transport/http.ts';
import { connectionJournal, type ConnectionJournal } from '../journal/journal.ts';
import { stripTextMarks } from '../attribution/text-mark.ts';
import { replayCallOf } from '../replay/source.ts';

const RAW_ENCODINGS: readonly SpeakEncoding[] = ['linear16', 'mulaw', 'alaw'];
/** Valid for Deepgram, not synthesised by the mock. */
const COMPRESSED_ENCODINGS = ['mp3', 'opus', 'aac', 'flac'] as const;
const CONTAINERS = ['none', 'wav'] as const;
type Container = (typeof CONTAINERS)[number];

/** Largest request body read; a `text` within the character limit is far smaller. */
export const SPEAK_REST_MAX_BODY_BYTES = 64 * 1024;
/** Status for text over SPEAK_MAX_TEXT_CHARS (the docs give the limit, not the status). */
export const SPEAK_REST_TOO_LONG_STATUS = 413;

export interface SpeakRestArgs {
  ctx: MockContext;
  /** Journal id of this request (already tied to its call when the agent sent the header). */
  connection: string;
  requestId: string;
}

interface RestQuery {
  params: SpeakParams;
  container: Container;
}

/** Content-Type per the media-output table (PROTOCOLS.md §3.5). */
export function speakContentType(encoding: SpeakEncoding, container: Container, sampleRate: number): string {
  if (container === 'wav') return 'audio/wav';
  switch (encoding) {
    case 'linear16':
      return `audio/l16;rate=${sampleRate}`;
    case 'mulaw':
      return `audio/mulaw;rate=${sampleRate}`;
    case 'alaw':
      return `audio/alaw;rate=${sampleRate}`;
  }
}

function parseQuery(search: URLSearchParams): { ok: true; value: RestQuery } | { ok: false; error: string } {
  const encoding = search.get('encoding') ?? 'linear16';
  if ((COMPRESSED_ENCODINGS as readonly string[]).includes(encoding)) {
    return { ok: false, error: `callbench mock: encoding '${encoding}' is valid for Deepgram but the mock synthesises only ${RAW_ENCODINGS.join(', ')}.` };
  }
  if (!(RAW_ENCODINGS as readonly string[]).includes(encoding)) {
    return { ok: false, error: `Bad Request: encoding must be one of ${[...RAW_ENCODINGS, ...COMPRESSED_ENCODINGS].join('|')}, got '${encoding}'.` };
  }
  const containerRaw = search.get('container') ?? 'wav';
  const container = CONTAINERS.find((c) => c === containerRaw);
  if (container === undefined) {
    return { ok: false, error: `Bad Request: container for encoding ${encoding} must be one of ${CONTAINERS.join('|')}, got '${containerRaw}'.` };
  }
  const parsed = parseSpeakParams(search);
  if (!parsed.ok) return parsed;
  return { ok: true, value: { params: parsed.value, container } };
}

type BodyResult = { ok: true; text: string } | { ok: false; status: number; error: string };

async function readText(req: MockRequest): Promise<BodyResult> {
  const raw = await req.readBody(SPEAK_REST_MAX_BODY_BYTES);
  if (!raw.ok) return { ok: false, status: 413, error: `Payload Too Large: the request body exceeds ${SPEAK_REST_MAX_BODY_BYTES} bytes.` };
  let body: unknown;
  try {
    body = JSON.parse(raw.bytes.toString('utf8'));
  } catch {
    return { ok: false, status: 400, error: 'Content-type was application/json, but we could not process the JSON payload.' };
  }
  const text = typeof body === 'object' && body !== null && 'text' in body ? body.text : undefined;
  if (typeof text !== 'string' || stripTextMarks(text).trim() === '') return { ok: false, status: 400, error: "Bad Request: the request body needs a non-empty 'text' field." };
  if (stripTextMarks(text).length > SPEAK_MAX_TEXT_CHARS) {
    return { ok: false, status: SPEAK_REST_TOO_LONG_STATUS, error: `Input text exceeds the limit of ${SPEAK_MAX_TEXT_CHARS} characters (got ${text.length}).` };
  }
  return { ok: true, text };
}

/**
 * One POST /v1/speak on any transport (the localhost server's, msw's), from its arrival to its last
 * byte; a bug in the mock is journalled and answered 500 if nothing was sent yet.
 */
export function serveSpeakRest(ctx: MockContext, req: MockRequest, res: MockResponse): void {
  const args = { ctx, connection: ctx.nextId('speak-rest'), requestId: randomUUID() };
  tieByHeader(ctx, 'deepgram.speak.rest', args.connection, req.headers);
  handleSpeakRest(req, res, args).catch((error: unknown) => {
    ctx.journal.record({ service: 'deepgram.speak.rest', connection: args.connection, direction: 'event', kind: 'error', data: { message: String(error) } });
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
    res.end();
  });
}

export async function handleSpeakRest(req: MockRequest, res: MockResponse, args: SpeakRestArgs): Promise<void> {
  const { ctx, connection, requestId } = args;
  const journal = connectionJournal(ctx.journal, 'deepgram.speak.rest', connection);
  const fail = (status: number, errCode: string, message: string): void => {
    journal({ direction: 'event', kind: 'refused', data: { what: 'http', status, code: errCode, message } });
    res.writeHead(status, { 'content-type': 'application/json', 'dg-request-id': requestId });
    res.end(JSON.stringify({ err_code: errCode, err_msg: message, request_id: requestId }));
  };

  const auth = checkDeepgramAuth(req.headers, ctx.apiKey);
  if (!auth.ok) {
    req.discardBody();
    fail(401, 'INVALID_AUTH', auth.message);
    return;
  }
  const query = parseQuery(req.url.searchParams);
  if (!query.ok) {
    req.discardBody();
    fail(400, 'Bad Request', query.error);
    return;
  }
  // The body is JSON (`{"text": …}`), and the API is told so; anything else is not read as text.
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (contentType !== 'application/json') {
    req.discardBody();
    fail(415, 'UNSUPPORTED_MEDIA_TYPE', `Content-type was '${contentType === '' ? '(none)' : contentType}'; a text-to-speech request body is JSON and needs Content-Type: application/json.`);
    return;
  }
  const body = await readText(req);
  if (!body.ok) {
    fail(body.status, body.status === 400 ? 'Bad Request' : 'Payload Too Large', body.error);
    return;
  }
  const { params, container } = query.value;
  // Marks tie the request to its call; the speech is of the text without them.
  if (ctx.journal.callOf(connection) === undefined) {
    const tie = ctx.texts.tieSpeechText(body.text);
    if (tie.ok) ctx.journal.tie('deepgram.speak.rest', connection, { call: tie.call, how: 'text', detail: tie.detail });
  }
  const text = stripTextMarks(body.text);
  journal({ direction: 'received', kind: 'request', data: { chars: text.length, text: text.slice(0, 200), model: params.model, encoding: params.encoding, container, sampleRate: params.sampleRate } });
  streamSpeech(res, { ctx, connection, text, params, container, requestId, journal });
}

interface StreamArgs {
  ctx: MockContext;
  connection: string;
  text: string;
  params: SpeakParams;
  container: Container;
  requestId: string;
  journal: ConnectionJournal<'deepgram.speak.rest'>;
}

/** Sends the audio of `text`: headers with the first chunk after the first-byte delay, then one chunk per interval. */
function streamSpeech(res: MockResponse, args: StreamArgs): void {
  const { ctx, text, params, container, journal } = args;
  const render = renderSpeech(text, params);
  // μ-law speech carries the request's source mark (attribution/source-book.ts); the WAV header never does.
  const writer = params.encoding === 'mulaw' ? ctx.sources.writerFor('deepgram.speak.rest', args.connection) : undefined;
  const interval = SPEAK_CHUNK_MS / Math.max(ctx.delays.profile.ttsSpeedup, 1e-6);
  // Under `callbench replay`, the recorded request's delay to its first byte.
  const replayed = ctx.replay?.speakRest(replayCallOf(ctx.journal, ctx.calls, args.connection))?.firstByteMs;
  const firstAt = ctx.clock.now() + (replayed ?? ctx.delays.sample('tts.rest_first_byte_ms', ctx.journal.callOf(args.connection)));
  let sent = 0;
  let bytes = 0;
  let done = false;
  let cancel: () => void = () => {};

  res.onAbort(() => {
    if (done) return;
    done = true;
    cancel();
    journal({ direction: 'event', kind: 'abort', data: { bytes, chunks: sent, of: render.chunks } });
  });

  const step = (): void => {
    if (done) return;
    if (sent === 0) {
      const bytesPerSample = params.encoding === 'linear16' ? 2 : 1;
      const dataBytes = Math.round((render.durationMs * params.sampleRate) / 1000) * bytesPerSample;
      res.writeHead(200, {
        'content-type': speakContentType(params.encoding, container, params.sampleRate),
        'dg-request-id': args.requestId,
        'dg-model-name': params.model,
        'dg-model-uuid': modelUuid(params.model),
        'dg-char-count': String(text.length),
      });
      if (container === 'wav') {
        const header = wavStreamHeader(params.encoding, params.sampleRate, dataBytes);
        res.write(header);
        bytes += header.length;
      }
    }
    if (sent < render.chunks) {
      const raw = render.chunk(sent);
      const chunk = writer === undefined ? raw : writer.mark(raw, 0);
      res.write(chunk);
      bytes += chunk.length;
      sent += 1;
      if (sent === 1) journal({ direction: 'sent', kind: 'first_byte', data: { bytes } });
    }
    if (sent >= render.chunks) {
      done = true;
      res.end();
      journal({ direction: 'sent', kind: 'done', data: { bytes, chunks: sent } });
      return;
    }
    cancel = ctx.clock.at(firstAt + sent * interval, step);
  };
  cancel = ctx.clock.at(firstAt, step);
}
