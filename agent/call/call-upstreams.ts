/**
 * The Deepgram sockets of one call (listen and speak) and their recovery policy: a socket that
 * fails to open or drops mid-call is reopened, immediately the first time and after a short pause
 * after that, at most `upstreamMaxReconnects` times per socket per call. When the budget is spent
 * the call is reported failed, and the session hangs up rather than leave the caller in dead air.
 * A refusal no retry can fix (HTTP 400/401/403/404 on the upgrade: a bad key, say) fails at once.
 * With REST TTS (`reply.tts = 'rest'`) no speak socket is opened at all.
 */
import type { DeepgramClient } from '@deepgram/sdk';
import type { ListenServerMessage, SpeakServerMessage } from '../../harness/protocol/index.ts';
import { describeError, type CallLogger } from '../logger.ts';
import type { ResolvedAgentOptions } from '../options.ts';
import { LinkClosedError, type LinkDrop } from '../upstream/link-lifecycle.ts';
import { createReopenBudget, type ReopenBudget } from '../upstream/reopen-budget.ts';
import { createListenLink, type ListenLink } from '../upstream/listen-link.ts';
import { createSpeakLink, type SpeakControl, type SpeakLink } from '../upstream/speak-link.ts';

export interface CallUpstreamEvents {
  listenMessage(message: ListenServerMessage): void;
  speakAudio(audio: Uint8Array): void;
  speakControl(message: SpeakServerMessage): void;
  /** The speak socket was replaced; anything in flight on the old one is lost. */
  speakReplaced(): void;
  /** An upstream is gone for good. */
  failed(reason: string): void;
}

export interface CallUpstreams {
  /** Resolves once listen (and speak, with WebSocket TTS) have opened; rejects when one cannot be opened. */
  start(): Promise<void>;
  sendAudio(audio: Uint8Array): void;
  readonly tts: SpeakControl;
  close(): Promise<void>;
}

type Kind = 'listen' | 'speak';

export function createCallUpstreams(
  deepgram: DeepgramClient,
  options: ResolvedAgentOptions,
  log: CallLogger,
  events: CallUpstreamEvents,
): CallUpstreams {
  const { clock, tuning } = options;
  let listen: ListenLink | undefined;
  let speak: SpeakLink | undefined;
  /**
   * TTS commands given between a speak socket dropping and its replacement being made: they go to
   * the new socket, which queues them until it is open (a dropped socket discards everything).
   */
  let waitingForSpeak: Array<(link: SpeakLink) => void> = [];
  let closed = false;
  const budgets: Record<Kind, ReopenBudget> = {
    listen: createReopenBudget(clock, tuning.upstreamMaxReconnects),
    speak: createReopenBudget(clock, tuning.upstreamMaxReconnects),
  };
  const attempts: Record<Kind, number> = { listen: 0, speak: 0 };

  const createLink = (kind: Kind): ListenLink | SpeakLink => {
    const common = { client: deepgram, clock, tuning, log, onDrop: (drop: LinkDrop) => onDrop(kind, drop) };
    if (kind === 'listen') {
      const link = createListenLink({ ...common, model: options.sttModel, onMessage: (message) => events.listenMessage(message) });
      listen = link;
      return link;
    }
    const link = createSpeakLink({
      ...common,
      model: options.ttsModel,
      onAudio: (audio) => events.speakAudio(audio),
      onControl: (message) => events.speakControl(message),
    });
    speak = link;
    const waiting = waitingForSpeak;
    waitingForSpeak = [];
    for (const command of waiting) command(link);
    return link;
  };
  const toSpeak = (command: (link: SpeakLink) => void): void => {
    if (speak === undefined) waitingForSpeak.push(command);
    else command(speak);
  };

  /** Opens `kind`, reopening within the budget; rejects once the budget is spent. */
  const openWithRetry = async (kind: Kind): Promise<void> => {
    for (;;) {
      if (closed) throw new Error(`${kind}: the call ended`);
      const link = createLink(kind);
      attempts[kind] += 1;
      const started = clock.now();
      try {
        await link.open();
        if (closed) return;
        log.emit({ type: 'upstream.open', upstream: kind, connectMs: clock.now() - started, attempt: attempts[kind] });
        return;
      } catch (error) {
        if (closed) throw error;
        if (error instanceof LinkClosedError && error.refusedStatus !== undefined) {
          throw new Error(`${kind}: the service refused the connection (HTTP ${error.refusedStatus}); not retrying: ${describeError(error)}`);
        }
        if (budgets[kind].left <= 0) throw new Error(`${kind}: ${describeError(error)}`);
        log.warn('upstream.dropped', `${kind}: ${describeError(error)}; retrying`);
      }
      await budgets[kind].take();
    }
  };

  const onDrop = (kind: Kind, drop: LinkDrop): void => {
    if (closed) return;
    if (kind === 'speak') {
      speak = undefined;
      events.speakReplaced();
    }
    if (budgets[kind].left <= 0) {
      events.failed(`${kind} closed unexpectedly (code ${drop.code}: ${drop.reason}) and may not be reopened again`);
      return;
    }
    log.warn('upstream.dropped', `${kind} closed unexpectedly (code ${drop.code}: ${drop.reason}); reopening`);
    void budgets[kind]
      .take()
      .then(() => openWithRetry(kind))
      .catch((error: unknown) => {
        if (!closed) events.failed(describeError(error));
      });
  };

  return {
    async start() {
      const kinds: Kind[] = options.reply.tts === 'ws' ? ['listen', 'speak'] : ['listen'];
      await Promise.all(kinds.map((kind) => openWithRetry(kind)));
    },
    sendAudio(audio) {
      listen?.sendAudio(audio);
    },
    tts: {
      speak: (text) => toSpeak((link) => link.speak(text)),
      flush: () => toSpeak((link) => link.flush()),
      clear: () => toSpeak((link) => link.clear()),
    },
    async close() {
      closed = true;
      await Promise.all([listen?.close(), speak?.close()]);
    },
  };
}
