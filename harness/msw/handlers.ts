/**
 * callbench's mocks as msw handlers, for a team's own vitest suite: chat completions (streamed and
 * whole) and Deepgram REST speak as `http` handlers, Deepgram listen and speak and OpenAI Realtime
 * as `ws` handlers. They drive the same handlers as the localhost servers (harness/mocks/), on one
 * context: the same latency profile, conversation script, faults, journal and call attribution.
 *
 * msw intercepts `fetch` (openai-node, Deepgram's REST client) and the global `WebSocket` (browsers,
 * Node's built-in one); it does not intercept the `ws` package the official Node SDKs open their
 * sockets with, for which startMocks() (callbench/mocks) serves the same mocks on 127.0.0.1:0.
 */
import { randomUUID } from 'node:crypto';
import { http, ws, type HttpHandler, type WebSocketHandler, type WebSocketHandlerConnection } from 'msw';
import type { Clock } from '../clock.ts';
import type { MockContext } from '../mocks/context.ts';
import { admitDeepgramSocket } from '../mocks/deepgram/sockets.ts';
import { serveSpeakRest } from '../mocks/deepgram/speak-rest.ts';
import { serveChatCompletion } from '../mocks/openai/chat.ts';
import { admitRealtime } from '../mocks/openai/realtime/upgrade.ts';
import { PROFILES, profileNames, type LatencyProfile } from '../mocks/profiles.ts';
import type { ReplaySource } from '../mocks/replay/source.ts';
import type { MockSocket } from '../mocks/transport/socket.ts';
import { createMockContext, type Mocks } from '../mocks/start-mocks.ts';
import { fromFetch, type FetchExchange } from './http.ts';
import { fromMswClient } from './socket.ts';

export const DEFAULT_DEEPGRAM_URL = 'https://api.deepgram.com';
export const DEFAULT_OPENAI_URL = 'https://api.openai.com/v1';
/** The close code a refused WebSocket upgrade shows a WebSocket client (the HTTP answer is not visible to it). */
export const REFUSED_UPGRADE_CLOSE_CODE = 1006;

export interface MswMocksOptions {
  clock: Clock;
  /** A latency profile, or the name of one of callbench's (`instant`, …; profileNames()). */
  profile: LatencyProfile | string;
  seed: number;
  /** The key the mocks accept; every other key is refused as the real services would. */
  apiKey?: string;
  /** Where the client under test sends Deepgram requests (its wss:// twin serves listen and speak). */
  deepgramUrl?: string;
  /** The OpenAI base URL the client under test uses (…/chat/completions; wss://…/realtime). */
  openaiUrl?: string;
  /** A recorded call to answer from instead of the script and the profile (`callbench replay`). */
  replay?: ReplaySource;
}

/** The environment an agent needs to reach the handlers: the URLs it would use anyway. */
export interface MswUpstreamEnv {
  DEEPGRAM_API_URL: string;
  DEEPGRAM_API_KEY: string;
  OPENAI_BASE_URL: string;
  OPENAI_API_KEY: string;
  /** wss://…/realtime of the Realtime handler (append ?model=…). */
  OPENAI_REALTIME_URL: string;
}

export interface MswMocks extends Pick<Mocks, 'journal' | 'script' | 'faults' | 'calls' | 'sources' | 'delays'> {
  /** Every handler: `setupServer(...mocks.handlers)`. */
  handlers: Array<HttpHandler | WebSocketHandler>;
  /** The chat completions and REST speak handlers alone. */
  http: HttpHandler[];
  /** The listen, speak and Realtime handlers alone. */
  ws: WebSocketHandler[];
  env: MswUpstreamEnv;
  /** Closes the sockets still open and breaks off the responses still streaming, so no timer outlives a test. */
  close(): void;
}

/** An upgrade decided by the mocks' own admission (the key, the query): served, or refused with the service's message. */
type Admission = { ok: true; serve(socket: MockSocket): void } | { ok: false; message: string };

const wsUrl = (url: string): string => url.replace(/^http/, 'ws');
const trimSlash = (url: string): string => url.replace(/\/+$/, '');

function profileOf(profile: LatencyProfile | string): LatencyProfile {
  if (typeof profile !== 'string') return profile;
  const found = PROFILES[profile];
  if (found === undefined) throw new RangeError(`createMswMocks: profile '${profile}' is not one of ${profileNames().join(', ')}`);
  return found;
}

export function createMswMocks(options: MswMocksOptions): MswMocks {
  const ctx: MockContext = createMockContext({
    clock: options.clock,
    profile: profileOf(options.profile),
    seed: options.seed,
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.replay === undefined ? {} : { replay: options.replay }),
  });
  const deepgramUrl = trimSlash(options.deepgramUrl ?? DEFAULT_DEEPGRAM_URL);
  const openaiUrl = trimSlash(options.openaiUrl ?? DEFAULT_OPENAI_URL);
  const clients = new Set<WebSocketHandlerConnection['client']>();
  const exchanges = new Set<FetchExchange>();

  const answer = (request: Request, serve: (exchange: FetchExchange) => void): Promise<Response> => {
    const exchange = fromFetch(request);
    exchanges.add(exchange);
    exchange.done.then(() => exchanges.delete(exchange), () => exchanges.delete(exchange));
    serve(exchange);
    return exchange.answer;
  };

  /** A connection to one of the WebSocket routes: admitted and served as the localhost servers do, or refused. */
  const connect = ({ client, info }: WebSocketHandlerConnection, admit: (url: URL, headers: Record<string, string>) => Admission): void => {
    // A WebSocket client sets no headers: its key travels in the sub-protocols, as browsers send it.
    const protocols = info.protocols === undefined ? [] : typeof info.protocols === 'string' ? [info.protocols] : info.protocols;
    const headers: Record<string, string> = protocols.length > 0 ? { 'sec-websocket-protocol': protocols.join(', ') } : {};
    const admission = admit(client.url, headers);
    if (!admission.ok) {
      // The service answers an HTTP error instead of the upgrade; a WebSocket client sees an error, then a close without an open.
      const page = (client as { socket?: EventTarget }).socket;
      page?.dispatchEvent(new Event('error'));
      client.close(REFUSED_UPGRADE_CLOSE_CODE, admission.message.slice(0, 120));
      return;
    }
    clients.add(client);
    client.addEventListener('close', () => clients.delete(client));
    admission.serve(fromMswClient(client));
  };

  const http_: HttpHandler[] = [
    http.post(`${openaiUrl}/chat/completions`, ({ request }) => answer(request, (x) => serveChatCompletion(ctx, x.request, x.response))),
    http.post(`${deepgramUrl}/v1/speak`, ({ request }) => answer(request, (x) => serveSpeakRest(ctx, x.request, x.response))),
  ];
  const deepgramSocket = (url: URL, headers: Record<string, string>): Admission => {
    const admission = admitDeepgramSocket(ctx, url, headers, randomUUID());
    return admission.ok ? admission : { ok: false, message: admission.message };
  };
  const listen = ws.link(`${wsUrl(deepgramUrl)}/v1/listen`);
  const speak = ws.link(`${wsUrl(deepgramUrl)}/v1/speak`);
  const realtime = ws.link(`${wsUrl(openaiUrl)}/realtime`);
  const ws_: WebSocketHandler[] = [
    listen.addEventListener('connection', (connection) => connect(connection, deepgramSocket)),
    speak.addEventListener('connection', (connection) => connect(connection, deepgramSocket)),
    realtime.addEventListener('connection', (connection) =>
      connect(connection, (url, headers) => {
        // The route is /v1/realtime whatever the base URL's path, as the localhost mock serves it.
        const admission = admitRealtime(ctx, url, headers);
        return admission.ok ? admission : { ok: false, message: admission.error.body.error.message };
      }),
    ),
  ];

  return {
    handlers: [...http_, ...ws_],
    http: http_,
    ws: ws_,
    journal: ctx.journal,
    script: ctx.script,
    faults: ctx.faults,
    calls: ctx.calls,
    sources: ctx.sources,
    delays: ctx.delays,
    env: {
      DEEPGRAM_API_URL: deepgramUrl,
      DEEPGRAM_API_KEY: ctx.apiKey,
      OPENAI_BASE_URL: openaiUrl,
      OPENAI_API_KEY: ctx.apiKey,
      OPENAI_REALTIME_URL: `${wsUrl(openaiUrl)}/realtime`,
    },
    close() {
      for (const client of [...clients]) client.close(1001, 'callbench mocks closed');
      clients.clear();
      for (const exchange of [...exchanges]) exchange.cancel();
      exchanges.clear();
    },
  };
}
