/**
 * One OpenAI Realtime (GA) WebSocket through the official SDK's `OpenAIRealtimeWS`.
 *
 * The SDK dials `wss://<baseURL host>/v1/realtime?model=…` with `Authorization: Bearer` and hands
 * over every event already JSON-decoded; each is validated here before anyone sees it. A refused
 * upgrade is read from the HTTP response itself, so a bad key fails as "HTTP 401: <the API's
 * message>" and is not retried. Client events sent while connecting are queued (bounded).
 */
import type { IncomingMessage } from 'node:http';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import type { RealtimeClientEvent } from 'openai/resources/realtime/realtime';
import type { Clock } from '../../harness/clock.ts';
import { parseRealtimeServerEvent, type RealtimeServerEvent } from '../../harness/protocol/index.ts';
import type { CallLogger } from '../logger.ts';
import type { AgentTuning } from '../options.ts';
import { callHeaders } from './upstream-clients.ts';
import { LinkLifecycle, type LinkDrop, type LinkState } from './link-lifecycle.ts';

export interface RealtimeLinkOptions {
  apiKey: string;
  /** The SDK base URL, e.g. https://api.openai.com/v1 (the SDK turns it into wss://…/realtime). */
  baseUrl: string;
  /** Extra certificate authority (PEM) to trust, e.g. the harness mock's; null for the system's only. */
  ca: string | null;
  model: string;
  callSid: string;
  /** Send `x-callbench-call: <callSid>` on the upgrade. */
  callHeader: boolean;
  clock: Clock;
  tuning: AgentTuning;
  log: CallLogger;
  onEvent(event: RealtimeServerEvent): void;
  onDrop(drop: LinkDrop): void;
}

export interface RealtimeLink {
  open(): Promise<void>;
  send(event: RealtimeClientEvent): void;
  /** Close (1000), then wait (bounded) for the service to close. */
  close(): Promise<void>;
  readonly state: LinkState;
}

/** Events kept while connecting; audio beyond the agent's pending-audio limit is dropped first. */
const MAX_QUEUED_EVENTS = 500;
/** Largest refusal body read for its message. */
const MAX_REFUSAL_BYTES = 16 * 1024;

/** "HTTP 401: Incorrect API key provided: sk-***1234." from a refused upgrade's response. */
function describeRefusal(status: number, body: string): string {
  let message = body.trim().slice(0, 300);
  try {
    const parsed: unknown = JSON.parse(body);
    const error = typeof parsed === 'object' && parsed !== null && 'error' in parsed ? parsed.error : undefined;
    if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') message = error.message;
  } catch {
    // Not JSON: keep the text.
  }
  return `HTTP ${status}${message === '' ? '' : `: ${message}`}`;
}

export function createRealtimeLink(options: RealtimeLinkOptions): RealtimeLink {
  const { clock, tuning, log } = options;
  let rt: OpenAIRealtimeWS | undefined;
  let queued: RealtimeClientEvent[] = [];

  const lifecycle: LinkLifecycle = new LinkLifecycle({
    clock,
    connectTimeoutMs: tuning.upstreamConnectTimeoutMs,
    closeGraceMs: tuning.upstreamCloseGraceMs,
    async connect() {
      const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseUrl, maxRetries: 0 });
      const created = new OpenAIRealtimeWS(
        {
          model: options.model,
          options: {
            headers: callHeaders(options.callHeader, options.callSid),
            handshakeTimeout: tuning.upstreamConnectTimeoutMs + 1000,
            ...(options.ca === null ? {} : { ca: options.ca }),
          },
        },
        client,
      );
      rt = created;
      const socket = created.socket;
      socket.on('open', () => lifecycle.handleOpen());
      socket.on('close', (code: number, reason: Buffer) => lifecycle.handleClose(code, reason.toString('utf8')));
      socket.on('unexpected-response', (_request: unknown, response: IncomingMessage) => {
        const parts: Buffer[] = [];
        let size = 0;
        response.on('data', (part: Buffer) => {
          size += part.length;
          if (size <= MAX_REFUSAL_BYTES) parts.push(part);
        });
        response.on('end', () => lifecycle.handleError(new Error(describeRefusal(response.statusCode ?? 0, Buffer.concat(parts).toString('utf8')))));
        response.on('error', (error) => lifecycle.handleError(error));
      });
      socket.on('error', (error: Error) => lifecycle.handleError(error));
      // The SDK's emitter repeats transport errors (handled above) and protocol `error` events
      // (handled as events); what it adds is a frame it could not parse, which the call survives.
      created.on('error', (error) => {
        if (error.error === undefined && /could not parse/.test(error.message)) {
          log.warn('realtime.invalid_event', 'OpenAI Realtime sent a frame that is not JSON; ignored');
        }
      });
      created.on('event', (data: unknown) => receive(data));
    },
    destroy() {
      const socket = rt?.socket;
      if (socket === undefined) return;
      socket.removeAllListeners('unexpected-response');
      socket.on('error', () => undefined);
      socket.terminate();
    },
    opened() {
      const events = queued;
      queued = [];
      for (const event of events) transmit(event);
    },
    dropped: (drop) => log.guard('realtime drop handling', () => options.onDrop(drop)),
  });

  function receive(data: unknown): void {
    if (lifecycle.state !== 'open') return;
    const parsed = parseRealtimeServerEvent(data);
    if (!parsed.ok) {
      log.warn('realtime.invalid_event', `OpenAI Realtime sent an event the agent does not understand: ${parsed.error}`);
      return;
    }
    log.guard(`handling realtime ${parsed.value.type === 'other' ? parsed.value.name : parsed.value.type}`, () => options.onEvent(parsed.value));
  }

  function transmit(event: RealtimeClientEvent): void {
    try {
      rt?.socket.send(JSON.stringify(event));
    } catch (error) {
      log.warn('upstream.send_failed', `realtime: could not send ${event.type}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  return {
    open: () => lifecycle.open(),
    send(event) {
      switch (lifecycle.state) {
        case 'open':
          transmit(event);
          return;
        case 'idle':
        case 'connecting':
          queued.push(event);
          if (queued.length > MAX_QUEUED_EVENTS) queued.shift();
          return;
        case 'closing':
        case 'closed':
          return;
      }
    },
    close() {
      queued = [];
      return lifecycle.close(() => rt?.socket.close(1000, 'call ended'));
    },
    get state() {
      return lifecycle.state;
    },
  };
}
