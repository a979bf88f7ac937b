/**
 * The run's event stream: listeners, called synchronously and in order for every event.
 *
 * Why listeners and not an async iterator: every consumer of a run (the progress printer, the
 * result fold, a test) is a fold that must see every event, in order, from the first. Synchronous
 * listeners give that with no buffer and no back-pressure to reason about, and two consumers are
 * two subscriptions (an iterator would need a tee, and a consumer that started iterating late
 * would have missed events or forced the stream to buffer the whole run). Why not Node's
 * EventEmitter: one listener over the tagged union (`switch (event.type)`) is what a fold wants,
 * and EventEmitter's 'error' event would throw when nobody listens.
 *
 * A listener that throws does not break the emitter: the first such error is kept and handed to
 * `onListenerError`, and the other listeners still get the event.
 */
export interface EventStream<E> {
  /** Calls `listener` for every event emitted from now on; returns the unsubscribe function. */
  subscribe(listener: (event: E) => void): () => void;
}

export interface EventSource<E> extends EventStream<E> {
  emit(event: E): void;
}

export function createEventSource<E>(onListenerError: (error: unknown) => void): EventSource<E> {
  const listeners = new Set<(event: E) => void>();
  return {
    subscribe(listener) {
      // A wrapper per subscription, so the same function subscribed twice gets every event twice.
      const entry = (event: E): void => listener(event);
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
    emit(event) {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
  };
}
