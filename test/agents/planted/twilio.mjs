/**
 * The Twilio side of one planted-agent call, shared by both modes: the media-stream messages in,
 * `media`/`mark`/`clear` out with this stream's streamSid, a local estimate of when the audio sent
 * will have played (for pacing speech), and the ledger of marks that says what the caller has heard.
 *
 * Three knobs live here: `latch` (one module-global streamSid, set by the first call), `early`
 * (streamSid from the first `media`, so anything sent before it goes out with none) and `shared`
 * (the outstanding marks, hence "the agent is speaking", in one module-global map).
 */
import WebSocket from 'ws';

/** G.711 mu-law at 8 kHz: 8 bytes a millisecond. */
export const MULAW_BYTES_PER_MS = 8;

/** What the `latch` and `shared` knobs share between calls (module globals, on purpose). */
const GLOBAL = { streamSid: undefined, pendingMarks: new Map() };

let legCount = 0;

export class TwilioLeg {
  /**
   * `events`: { connected(), start(message), media(payloadBase64), mark(name), dtmf(digit), stop(), closed() };
   * each runs guarded by the session.
   */
  constructor(ws, plants, log, events) {
    this.ws = ws;
    this.plants = plants;
    this.log = log;
    this.events = events;
    /** The streamSid `start` named, and the one outbound messages carry (they differ only with `latch` or `early`). */
    this.startSid = undefined;
    this.ownSid = undefined;
    this.callSid = undefined;
    /** Unique per call, so mark names never collide (not even in the shared map of `shared`). */
    this.prefix = `c${++legCount}`;
    /** When the audio sent so far will have played at the caller, by the agent's own clock. */
    this.queueEnd = 0;
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', () => events.closed());
    ws.on('error', (error) => log(`Twilio socket error: ${error.message}`));
  }

  get streamSid() {
    return this.plants.has('latch') ? GLOBAL.streamSid : this.ownSid;
  }

  get open() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  onMessage(data, isBinary) {
    if (isBinary) {
      this.log('ignoring a binary frame from Twilio');
      return;
    }
    let message;
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch {
      this.log('ignoring a Twilio message that is not JSON');
      return;
    }
    if (message.event === 'start') {
      const sid = message.start?.streamSid ?? message.streamSid;
      this.callSid = message.start?.callSid;
      this.startSid ??= sid;
      if (this.plants.has('latch')) GLOBAL.streamSid ??= sid;
      else if (!this.plants.has('early')) this.ownSid = sid;
      return this.events.start(message);
    }
    if (message.event === 'media' && this.plants.has('early')) this.ownSid ??= message.streamSid;
    // Only this stream's messages are acted on: a media or stop of another stream is not ours.
    const mine = this.startSid ?? this.ownSid;
    if (typeof message.streamSid === 'string' && mine !== undefined && message.streamSid !== mine) {
      this.log(`ignoring a '${message.event}' of another stream (${message.streamSid})`);
      return;
    }
    switch (message.event) {
      case 'connected':
        return this.events.connected();
      case 'media':
        if (message.media?.track !== undefined && message.media.track !== 'inbound') return;
        return this.events.media(message.media?.payload ?? '');
      case 'mark':
        return this.events.mark(message.mark?.name);
      case 'dtmf':
        return this.events.dtmf(message.dtmf?.digit);
      case 'stop':
        return this.events.stop();
      default:
        this.log(`ignoring Twilio event '${message.event}'`);
    }
  }

  send(message) {
    if (this.open) this.ws.send(JSON.stringify(message));
  }

  /**
   * Audio to the caller. Nothing goes out without a streamSid, except with `early`, whose agent
   * sends what it has as soon as it has it (`"streamSid": null`, as the Python sample does).
   */
  media(bytes) {
    if (this.streamSid === undefined && !this.plants.has('early')) return false;
    this.send({ event: 'media', streamSid: this.streamSid ?? null, media: { payload: Buffer.from(bytes).toString('base64') } });
    const now = Date.now();
    this.queueEnd = Math.max(now, this.queueEnd) + bytes.length / MULAW_BYTES_PER_MS;
    return true;
  }

  mark(name) {
    this.send({ event: 'mark', streamSid: this.streamSid ?? null, mark: { name } });
  }

  clear() {
    this.send({ event: 'clear', streamSid: this.streamSid ?? null });
    this.queueEnd = Date.now();
  }

  /** Ms of audio sent and not yet played, by the agent's own clock. */
  unplayedMs(now = Date.now()) {
    return Math.max(0, this.queueEnd - now);
  }

  close() {
    if (this.open) this.ws.close(1000);
  }

  /** A mark ledger for this call (the map of outstanding marks is the module global with `shared`). */
  ledger() {
    return new PlaybackLedger(this.plants.has('shared') ? GLOBAL.pendingMarks : new Map(), this.prefix, this.plants.has('popany'));
  }
}

/**
 * What the caller has heard, from the marks sent after each piece of audio. Twilio plays audio in
 * order and echoes a mark once the audio before it has played, so an echo at time t says the piece
 * the mark ends has been heard up to its end at t, and the next piece is playing from then on.
 * Audio is grouped by a key (a reply, a Realtime item): each key's heard position is kept on its
 * own, so nothing carries over from one reply to the next.
 */
export class PlaybackLedger {
  constructor(pending, prefix, popAny = false) {
    /** id -> { owner, key, endMs }: marks sent and not echoed yet, in the order sent (the id is the mark's name, except with `popany`). */
    this.pending = pending;
    this.prefix = prefix;
    /**
     * `popany` (bug class 13, the Python sample's mark queue): every mark is named `responsePart`
     * and an echo pops whichever mark is oldest, so an echo a `clear` owed, arriving late, is taken
     * for a mark of the reply that followed.
     */
    this.popAny = popAny;
    /** key -> { sentMs, anchor: { ms, at } | undefined } */
    this.items = new Map();
    this.count = 0;
  }

  /** Own marks still to be echoed, in order. */
  own() {
    return [...this.pending].filter(([, mark]) => mark.owner === this);
  }

  /** Audio is playing while any mark is outstanding (any call's, with `shared`). */
  get playing() {
    return this.pending.size > 0;
  }

  /** Records `ms` of audio of `key` sent at `now`; returns the name of the mark to send after it. */
  sent(key, ms, now) {
    let item = this.items.get(key);
    if (item === undefined) {
      // With nothing of ours queued ahead of it, a new key starts playing as soon as it is sent.
      item = { sentMs: 0, anchor: this.own().length > 0 ? undefined : { ms: 0, at: now } };
      this.items.set(key, item);
    }
    item.sentMs += ms;
    const id = `${this.prefix}.${key}.${++this.count}`;
    this.pending.set(id, { owner: this, key, endMs: item.sentMs });
    return this.popAny ? 'responsePart' : id;
  }

  /** A mark echo at `now`. Echoes of marks a clear already dropped are ignored. */
  echo(name, now) {
    if (this.popAny) {
      // Any echo settles the oldest mark still outstanding, whichever mark Twilio meant.
      const oldest = this.own()[0]?.[0];
      if (oldest === undefined) return;
      name = oldest;
    }
    const mark = this.pending.get(name);
    if (mark === undefined || mark.owner !== this) return;
    // Echoes come in the order sent: every earlier mark of ours has played too.
    for (const [key] of this.own()) {
      this.pending.delete(key);
      if (key === name) break;
    }
    const item = this.items.get(mark.key);
    if (item !== undefined) item.anchor = { ms: mark.endMs, at: now };
    // The next key queued behind this one starts playing now, if this was the last mark of its key.
    const next = this.own()[0]?.[1];
    if (next !== undefined && next.key !== mark.key) {
      const queued = this.items.get(next.key);
      if (queued !== undefined && queued.anchor === undefined) queued.anchor = { ms: 0, at: now };
    }
  }

  /** The key the caller is hearing and the whole ms of it heard by `now`, or undefined when none of ours plays. */
  heard(now) {
    const first = this.own()[0]?.[1];
    if (first === undefined) return undefined;
    const item = this.items.get(first.key);
    if (item === undefined) return undefined;
    const elapsed = item.anchor === undefined ? 0 : item.anchor.ms + (now - item.anchor.at);
    // Never past the next mark still to be echoed, nor past what was sent.
    return { key: first.key, ms: Math.floor(Math.max(0, Math.min(elapsed, first.endMs, item.sentMs))) };
  }

  /** Ms of `key`'s audio sent so far. */
  sentMs(key) {
    return this.items.get(key)?.sentMs ?? 0;
  }

  /** A `clear`: the outstanding marks are dropped (Twilio echoes them at once; those echoes are ignored). */
  clear() {
    this.pending.clear();
  }
}
