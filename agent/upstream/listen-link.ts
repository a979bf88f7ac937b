/**
 * One Deepgram streaming-STT connection (`/v1/listen`) through the official SDK v5. Caller audio is
 * forwarded as binary frames; audio that arrives while connecting is buffered (bounded). A
 * KeepAlive goes out whenever no audio has been sent for `keepAliveIntervalMs`, only while open.
 * Server messages are validated against the protocol schema before anyone sees them.
 */
import type { DeepgramClient } from '@deepgram/sdk';
import type { Clock } from '../../harness/clock.ts';
import { ListenServerMessage } from '../../harness/protocol/index.ts';
import { describeIssues } from '../../harness/protocol/parse.ts';
import type { CallLogger } from '../logger.ts';
import type { AgentTuning } from '../options.ts';
import { LinkLifecycle, type LinkDrop, type LinkState } from './link-lifecycle.ts';

type ListenSocket = Awaited<ReturnType<DeepgramClient['listen']['v1']['connect']>>;

/** The query Twilio audio needs: mu-law 8 kHz mono, interim results, endpointing and VAD events. */
export function listenQuery(model: string) {
  return {
    model,
    encoding: 'mulaw',
    sample_rate: 8000,
    channels: 1,
    interim_results: 'true',
    endpointing: 300,
    utterance_end_ms: 1000,
    vad_events: 'true',
    smart_format: 'true',
  } as const;
}

export interface ListenLinkOptions {
  client: DeepgramClient;
  model: string;
  clock: Clock;
  tuning: AgentTuning;
  log: CallLogger;
  onMessage(message: ListenServerMessage): void;
  onDrop(drop: LinkDrop): void;
}

export interface ListenLink {
  open(): Promise<void>;
  sendAudio(audio: Uint8Array): void;
  /** CloseStream, then wait (bounded) for Deepgram to close. */
  close(): Promise<void>;
  readonly state: LinkState;
}

export function createListenLink(options: ListenLinkOptions): ListenLink {
  const { clock, tuning, log } = options;
  let socket: ListenSocket | undefined;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let lastSentAt = clock.now();
  let cancelKeepAlive: () => void = () => {};

  const lifecycle: LinkLifecycle = new LinkLifecycle({
    clock,
    connectTimeoutMs: tuning.upstreamConnectTimeoutMs,
    closeGraceMs: tuning.upstreamCloseGraceMs,
    async connect() {
      const created = await options.client.listen.v1.connect({
        ...listenQuery(options.model),
        reconnectAttempts: 0,
        shouldReconnect: () => false,
        connectionTimeoutInSeconds: Math.ceil(tuning.upstreamConnectTimeoutMs / 1000) + 1,
      });
      if (!lifecycle.adopt(created)) return;
      socket = created;
      created.on('message', receive);
      created.connect();
    },
    destroy() {
      cancelKeepAlive();
      socket?.close();
    },
    opened() {
      const queued = pending;
      pending = [];
      pendingBytes = 0;
      for (const audio of queued) send(audio);
      lastSentAt = clock.now();
      armKeepAlive();
    },
    dropped: (drop) => log.guard('listen drop handling', () => options.onDrop(drop)),
  });

  function receive(message: unknown): void {
    if (lifecycle.state !== 'open') return;
    const parsed = ListenServerMessage.safeParse(message);
    if (!parsed.success) {
      const sample = typeof message === 'string' ? `non-JSON text frame: ${message.slice(0, 80)}` : describeIssues(parsed.error);
      log.warn('listen.invalid_message', `Deepgram listen sent a message the agent does not understand: ${sample}`);
      return;
    }
    log.guard(`handling listen ${parsed.data.type}`, () => options.onMessage(parsed.data));
  }

  function send(audio: Uint8Array): void {
    // An empty binary frame is Deepgram's old close signal (CloseStream): never send one.
    if (audio.byteLength === 0) return;
    try {
      socket?.sendMedia(audio);
      lastSentAt = clock.now();
    } catch (error) {
      log.warn('upstream.send_failed', `listen: could not send audio: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  function armKeepAlive(): void {
    cancelKeepAlive();
    if (tuning.keepAliveIntervalMs <= 0) return;
    cancelKeepAlive = clock.at(lastSentAt + tuning.keepAliveIntervalMs, () => {
      if (lifecycle.state !== 'open') return;
      if (clock.now() - lastSentAt >= tuning.keepAliveIntervalMs) {
        try {
          socket?.sendKeepAlive({ type: 'KeepAlive' });
          lastSentAt = clock.now();
        } catch (error) {
          log.warn('upstream.send_failed', `listen: could not send KeepAlive: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      armKeepAlive();
    });
  }

  return {
    open: () => lifecycle.open(),
    sendAudio(audio) {
      if (audio.byteLength === 0) return;
      switch (lifecycle.state) {
        case 'open':
          send(audio);
          return;
        case 'idle':
        case 'connecting':
          pending.push(audio);
          pendingBytes += audio.byteLength;
          while (pendingBytes > tuning.pendingAudioLimitBytes && pending.length > 0) {
            pendingBytes -= pending.shift()?.byteLength ?? 0;
          }
          return;
        case 'closing':
        case 'closed':
          return;
      }
    },
    close() {
      pending = [];
      pendingBytes = 0;
      cancelKeepAlive();
      return lifecycle.close(() => socket?.sendCloseStream({ type: 'CloseStream' }));
    },
    get state() {
      return lifecycle.state;
    },
  };
}
