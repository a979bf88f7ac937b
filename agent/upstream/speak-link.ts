/**
 * One Deepgram TTS WebSocket (`/v1/speak`, mu-law 8 kHz) through the official SDK v5.
 *
 * SDK v5 delivers binary audio as a `Blob` and JSON control frames as parsed objects. Reading a
 * Blob is asynchronous, so frames are handled through a per-socket promise chain: a `Flushed` is
 * never seen before the audio that preceded it on the wire. Binary frames are always audio; text
 * frames are validated and never treated as audio. Commands sent while connecting are queued.
 */
import type { DeepgramClient } from '@deepgram/sdk';
import type { Clock } from '../../harness/clock.ts';
import { SpeakServerMessage } from '../../harness/protocol/index.ts';
import { describeIssues } from '../../harness/protocol/parse.ts';
import type { CallLogger } from '../logger.ts';
import type { AgentTuning } from '../options.ts';
import { LinkLifecycle, type LinkDrop, type LinkState } from './link-lifecycle.ts';

type SpeakSocket = Awaited<ReturnType<DeepgramClient['speak']['v1']['connect']>>;

/** What the agent asks of TTS; the reply pipeline sees only this. */
export interface SpeakControl {
  speak(text: string): void;
  flush(): void;
  clear(): void;
}

export interface SpeakLinkOptions {
  client: DeepgramClient;
  model: string;
  clock: Clock;
  tuning: AgentTuning;
  log: CallLogger;
  onAudio(audio: Uint8Array): void;
  onControl(message: SpeakServerMessage): void;
  onDrop(drop: LinkDrop): void;
}

export interface SpeakLink extends SpeakControl {
  open(): Promise<void>;
  /** Close, then wait (bounded) for Deepgram to close. */
  close(): Promise<void>;
  readonly state: LinkState;
}

type Command = { type: 'Speak'; text: string } | { type: 'Flush' } | { type: 'Clear' };

/** Commands kept while connecting; beyond this the oldest are dropped (a reply that long is stale). */
const MAX_QUEUED_COMMANDS = 200;

export function createSpeakLink(options: SpeakLinkOptions): SpeakLink {
  const { clock, tuning, log } = options;
  let socket: SpeakSocket | undefined;
  let queued: Command[] = [];
  let chain: Promise<void> = Promise.resolve();

  const lifecycle: LinkLifecycle = new LinkLifecycle({
    clock,
    connectTimeoutMs: tuning.upstreamConnectTimeoutMs,
    closeGraceMs: tuning.upstreamCloseGraceMs,
    async connect() {
      const created = await options.client.speak.v1.connect({
        model: options.model,
        encoding: 'mulaw',
        sample_rate: '8000',
        reconnectAttempts: 0,
        shouldReconnect: () => false,
        connectionTimeoutInSeconds: Math.ceil(tuning.upstreamConnectTimeoutMs / 1000) + 1,
      });
      if (!lifecycle.adopt(created)) return;
      socket = created;
      created.on('message', (message: unknown) => {
        chain = chain.then(() => receive(message)).catch((error: unknown) => {
          log.error('internal', `speak: handling a frame failed: ${error instanceof Error ? error.message : String(error)}`);
        });
      });
      created.connect();
    },
    destroy() {
      socket?.close();
    },
    opened() {
      const commands = queued;
      queued = [];
      for (const command of commands) send(command);
    },
    dropped: (drop) => log.guard('speak drop handling', () => options.onDrop(drop)),
  });

  async function receive(message: unknown): Promise<void> {
    if (message instanceof Blob) {
      const audio = new Uint8Array(await message.arrayBuffer());
      if (lifecycle.state === 'open') options.onAudio(audio);
      return;
    }
    if (lifecycle.state !== 'open') return;
    const parsed = SpeakServerMessage.safeParse(message);
    if (!parsed.success) {
      const sample = typeof message === 'string' ? `non-JSON text frame: ${message.slice(0, 80)}` : describeIssues(parsed.error);
      log.warn('speak.invalid_message', `Deepgram speak sent a text frame the agent does not understand: ${sample}`);
      return;
    }
    options.onControl(parsed.data);
  }

  function send(command: Command): void {
    try {
      switch (command.type) {
        case 'Speak':
          socket?.sendText(command);
          return;
        case 'Flush':
          socket?.sendFlush(command);
          return;
        case 'Clear':
          socket?.sendClear(command);
          return;
      }
    } catch (error) {
      log.warn('upstream.send_failed', `speak: could not send ${command.type}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  function command(next: Command): void {
    switch (lifecycle.state) {
      case 'open':
        send(next);
        return;
      case 'idle':
      case 'connecting':
        queued.push(next);
        if (queued.length > MAX_QUEUED_COMMANDS) queued.shift();
        return;
      case 'closing':
      case 'closed':
        return;
    }
  }

  return {
    open: () => lifecycle.open(),
    speak: (text) => command({ type: 'Speak', text }),
    flush: () => command({ type: 'Flush' }),
    clear: () => command({ type: 'Clear' }),
    close() {
      queued = [];
      return lifecycle.close(() => socket?.sendClose({ type: 'Close' }));
    },
    get state() {
      return lifecycle.state;
    },
  };
}
