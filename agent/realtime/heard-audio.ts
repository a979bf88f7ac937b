/**
 * How much of each Realtime output item the caller has heard: the `audio_end_ms` of a truncate.
 *
 * The agent sends a mark after every stretch of an item's audio, named uniquely, and remembers
 * where in the item each mark falls. Twilio echoes a mark when the audio before it has played, so
 * an echo of a mark at item offset E, received at time T, says "at T the caller had heard E ms".
 * At a barge-in at time B the estimate is E + (B − T), kept between E and the offset of the
 * item's next unechoed mark (its audio has not all played yet), and never above what was sent
 * (what the service generated). Before any echo for the item, playback is taken to have begun
 * when its first audio was sent or when the last earlier mark echoed, whichever is later.
 *
 * A `clear` makes Twilio echo every pending mark at once; those echoes say nothing about playback,
 * so the marks are forgotten when the clear is sent and their echoes are ignored.
 */

interface ItemAudio {
  /** Ms of the item's audio sent to Twilio: bytes ÷ 8 for G.711 at 8 kHz. */
  sentMs: number;
  firstSentAt: number;
}

interface MarkPlace {
  itemId: string;
  /** Item offset (ms) of the audio that precedes the mark. */
  endMs: number;
}

export interface HeardAudio {
  /** `ms` of the item's audio went to Twilio at `at`. */
  audioSent(itemId: string, ms: number, at: number): void;
  /** A mark went to Twilio after the item's audio sent so far. */
  markSent(name: string, itemId: string): void;
  /** Twilio echoed `name` at `at`; unknown and cleared marks are ignored. */
  markEchoed(name: string, at: number): void;
  /** A clear went to Twilio: pending marks will echo without meaning anything. */
  cleared(): void;
  /** Ms of the item's audio sent so far (0 for an unknown item). */
  sentMs(itemId: string): number;
  /** Whole ms of `itemId` the caller has heard by `now`, at most what was sent. */
  heardMs(itemId: string, now: number): number;
}

/** Items remembered per call; older ones can no longer be playing, and are forgotten. */
const ITEMS_KEPT = 8;

export function createHeardAudio(): HeardAudio {
  const items = new Map<string, ItemAudio>();
  /** Marks sent and not yet echoed, in the order sent. */
  const pending = new Map<string, MarkPlace>();
  let lastEcho: { itemId: string; endMs: number; at: number } | undefined;

  const nextPendingEnd = (itemId: string): number | undefined => {
    for (const place of pending.values()) if (place.itemId === itemId) return place.endMs;
    return undefined;
  };

  return {
    audioSent(itemId, ms, at) {
      const item = items.get(itemId);
      if (item !== undefined) {
        item.sentMs += ms;
        return;
      }
      items.set(itemId, { sentMs: ms, firstSentAt: at });
      for (const oldest of items.keys()) {
        if (items.size <= ITEMS_KEPT) break;
        items.delete(oldest);
        for (const [name, place] of pending) if (place.itemId === oldest) pending.delete(name);
      }
    },
    markSent(name, itemId) {
      pending.set(name, { itemId, endMs: items.get(itemId)?.sentMs ?? 0 });
    },
    markEchoed(name, at) {
      const place = pending.get(name);
      if (place === undefined) return;
      // Marks echo in the order sent: any earlier pending mark has played too.
      for (const [earlier] of pending) {
        pending.delete(earlier);
        if (earlier === name) break;
      }
      lastEcho = { itemId: place.itemId, endMs: place.endMs, at };
    },
    cleared() {
      pending.clear();
    },
    sentMs: (itemId) => items.get(itemId)?.sentMs ?? 0,
    heardMs(itemId, now) {
      const item = items.get(itemId);
      if (item === undefined) return 0;
      let floor = 0;
      let estimate: number;
      if (lastEcho?.itemId === itemId) {
        floor = lastEcho.endMs;
        estimate = lastEcho.endMs + (now - lastEcho.at);
      } else {
        const start = Math.max(item.firstSentAt, lastEcho?.at ?? Number.NEGATIVE_INFINITY);
        estimate = now - start;
      }
      const ceiling = Math.min(item.sentMs, nextPendingEnd(itemId) ?? item.sentMs);
      return Math.floor(Math.max(floor, Math.min(estimate, ceiling)));
    },
  };
}
