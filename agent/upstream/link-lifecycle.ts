/**
 * The life of one upstream WebSocket opened through the Deepgram SDK:
 * idle → connecting → open → closing → closed, with a connect timeout and a bounded graceful close.
 *
 * SDK v5 quirks this absorbs:
 * - `waitForOpen()` rejects on an error event but never settles when the socket closes or is
 *   closed, so opening is tracked here from the open/close/error events instead.
 * - On a transport error the SDK first dispatches a synthetic close (code 1000, no reason), then
 *   the error. Both arrive in the same tick, so the outcome is settled on a microtask, with the
 *   error's message preferred over the synthetic close.
 * - `socket.close()` synchronously re-dispatches a close event; it is ignored once closing.
 */
import type { Clock } from '../../harness/clock.ts';

export type LinkState = 'idle' | 'connecting' | 'open' | 'closing' | 'closed';

export interface LinkDrop {
  code: number;
  reason: string;
}

export interface LinkLifecycleDeps {
  clock: Clock;
  connectTimeoutMs: number;
  closeGraceMs: number;
  /** Creates the SDK socket, registers its handlers and starts connecting. */
  connect(): Promise<void>;
  /** Closes the socket at once and stops any SDK reconnection. Idempotent. */
  destroy(): void;
  /** The socket is open. */
  opened(): void;
  /** The socket closed or failed while open, not at our request. */
  dropped(drop: LinkDrop): void;
}

export class LinkClosedError extends Error {
  /**
   * The HTTP status with which the service refused the WebSocket upgrade, when it is one that a
   * retry cannot fix (400, 401, 403, 404: bad parameters, a bad key, no access, a wrong URL).
   */
  readonly refusedStatus: number | undefined;
  constructor(message: string, refusedStatus?: number) {
    super(message);
    this.name = 'LinkClosedError';
    this.refusedStatus = refusedStatus;
  }
}

/** Upgrade refusals that no retry can fix. */
const PERMANENT_REFUSALS: ReadonlySet<number> = new Set([400, 401, 403, 404]);

/**
 * The permanent refusal a failure reason reports, if any: ws words a refused upgrade as
 * "Unexpected server response: 401"; links that read the response themselves say "HTTP 401: …".
 */
export function permanentRefusal(reason: string): number | undefined {
  const match = /\b(?:Unexpected server response: |HTTP )(\d{3})\b/.exec(reason);
  const status = match?.[1] === undefined ? undefined : Number(match[1]);
  return status !== undefined && PERMANENT_REFUSALS.has(status) ? status : undefined;
}

/** What the lifecycle drives of a Deepgram SDK v5 socket (listen and speak alike). */
export interface SdkSocket {
  on(event: 'open', callback: () => void): void;
  on(event: 'close', callback: (event: { code: number; reason?: string }) => void): void;
  on(event: 'error', callback: (error: Error) => void): void;
  close(): void;
}

export class LinkLifecycle {
  #state: LinkState = 'idle';
  readonly #deps: LinkLifecycleDeps;
  #openWaiter: { resolve(): void; reject(error: Error): void } | undefined;
  #closeWaiters: Array<() => void> = [];
  #cancelTimer: () => void = () => {};
  /** A failure reported in this tick, settled on a microtask (see the file comment). */
  #failure: LinkDrop | undefined;

  constructor(deps: LinkLifecycleDeps) {
    this.#deps = deps;
  }

  get state(): LinkState {
    return this.#state;
  }

  open(): Promise<void> {
    if (this.#state !== 'idle') return Promise.reject(new LinkClosedError(`cannot open a link that is ${this.#state}`));
    this.#state = 'connecting';
    const promise = new Promise<void>((resolve, reject) => {
      this.#openWaiter = { resolve, reject };
    });
    this.#arm(this.#deps.connectTimeoutMs, () => this.#report({ code: 1006, reason: `no connection within ${this.#deps.connectTimeoutMs} ms` }));
    this.#deps.connect().catch((error: unknown) => {
      this.#report({ code: 1006, reason: error instanceof Error ? error.message : String(error) });
    });
    return promise;
  }

  /**
   * Takes a socket the SDK has just created (not yet connecting) and routes its open, close and
   * error events here. Returns false, having closed it, when the link gave up while the SDK was
   * creating it (closed, or timed out): the caller must then drop it.
   */
  adopt(socket: SdkSocket): boolean {
    if (this.#state !== 'connecting') {
      socket.close();
      return false;
    }
    socket.on('open', () => this.handleOpen());
    socket.on('close', (event) => this.handleClose(event.code, event.reason ?? ''));
    socket.on('error', (error) => this.handleError(error));
    return true;
  }

  /** SDK `open` event. */
  handleOpen(): void {
    if (this.#state !== 'connecting') return;
    this.#cancelTimer();
    this.#state = 'open';
    const waiter = this.#openWaiter;
    this.#openWaiter = undefined;
    this.#deps.opened();
    waiter?.resolve();
  }

  /** SDK `close` event. */
  handleClose(code: number, reason: string): void {
    if (this.#state === 'closing') {
      this.#finishClose();
      return;
    }
    this.#report({ code, reason: reason === '' ? 'closed by the service' : reason });
  }

  /** SDK `error` event. */
  handleError(error: Error): void {
    if (this.#state === 'closing') {
      this.#finishClose();
      return;
    }
    this.#report({ code: 1006, reason: error.message === '' ? 'socket error' : error.message }, true);
  }

  /**
   * Closes gracefully: `goodbye` sends the service's close message (CloseStream, Close), then the
   * service has `closeGraceMs` to close before the socket is destroyed.
   */
  close(goodbye: () => void): Promise<void> {
    switch (this.#state) {
      case 'closed':
        return Promise.resolve();
      case 'closing':
        return new Promise((resolve) => this.#closeWaiters.push(resolve));
      case 'idle':
        this.#state = 'closed';
        return Promise.resolve();
      case 'connecting':
        this.#state = 'closed';
        this.#cancelTimer();
        this.#deps.destroy();
        this.#rejectOpen(new LinkClosedError('closed before it opened'));
        return Promise.resolve();
      case 'open': {
        this.#state = 'closing';
        const done = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
        try {
          goodbye();
        } catch {
          // The socket is already gone; the grace timer (or its close event) finishes the close.
        }
        this.#arm(this.#deps.closeGraceMs, () => this.#finishClose());
        return done;
      }
    }
  }

  #report(drop: LinkDrop, preferred = false): void {
    if (this.#state !== 'connecting' && this.#state !== 'open') return;
    if (this.#failure === undefined) {
      this.#failure = drop;
      queueMicrotask(() => this.#settleFailure());
    } else if (preferred) {
      this.#failure = drop;
    }
  }

  #settleFailure(): void {
    const failure = this.#failure;
    this.#failure = undefined;
    if (failure === undefined) return;
    const was = this.#state;
    if (was !== 'connecting' && was !== 'open') return;
    this.#state = 'closed';
    this.#cancelTimer();
    this.#deps.destroy();
    if (was === 'connecting') {
      this.#rejectOpen(new LinkClosedError(`failed to open: ${failure.reason} (code ${failure.code})`, permanentRefusal(failure.reason)));
    }
    else this.#deps.dropped(failure);
  }

  #finishClose(): void {
    if (this.#state !== 'closing') return;
    this.#state = 'closed';
    this.#cancelTimer();
    this.#deps.destroy();
    for (const resolve of this.#closeWaiters.splice(0)) resolve();
  }

  #rejectOpen(error: Error): void {
    const waiter = this.#openWaiter;
    this.#openWaiter = undefined;
    waiter?.reject(error);
  }

  #arm(ms: number, fn: () => void): void {
    this.#cancelTimer();
    const { clock } = this.#deps;
    this.#cancelTimer = clock.at(clock.now() + ms, fn);
  }
}
