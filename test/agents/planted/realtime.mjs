/**
 * One Realtime call of the planted agent: Twilio's μ-law forwarded unchanged to an OpenAI
 * Realtime GA socket (`audio/pcmu` both ways, server VAD with transcription), the model's audio
 * back to Twilio with a mark after every delta.
 *
 * Correct by default: the greeting (`response.create`, "Say exactly") once `start` is read and the
 * session is set up; the agent creates each response itself (`create_response: false`) once the
 * caller's words are transcribed, and drops backchannels spoken over its audio; barge-in (Twilio
 * `clear`, `conversation.item.truncate` at what the caller heard, `response.cancel`, late deltas
 * dropped) when the caller's words are not a backchannel, or as soon as they have talked over it
 * for LONG_SPEECH_MS; a dropped socket reopened with a new session and an apology; everything
 * closed on `stop`. Each PLANT knob (config.mjs) breaks one of these.
 */
import WebSocket from 'ws';
import { SLOW_REPLY_MS } from './config.mjs';
import { isBackchannel } from './text.mjs';
import { MULAW_BYTES_PER_MS, TwilioLeg } from './twilio.mjs';

export const GREETING = 'Hello, how can I help you?';
const APOLOGY = 'Sorry, the line dropped for a moment. Could you say that again?';
const MODEL = 'gpt-realtime';
const VOICE = 'alloy';
const INSTRUCTIONS = 'You are a friendly phone assistant. Answer in one to three short spoken sentences.';
/** 500 ms of silence ends a turn: with the 200 ms default the pause after a comma ends it. */
const SILENCE_MS = 500;
/**
 * Caller speech over agent audio that goes on this long is a barge-in whatever its words (no
 * backchannel lasts so long: "uh-huh" is stopped by server VAD after under 1 s); shorter speech
 * waits for its transcript. Counted on the caller's audio, in ms of it forwarded.
 */
const LONG_SPEECH_MS = 1_200;
const MAX_PENDING_APPENDS = 250;
const MAX_REOPENS = 3;

let streams = 0;

const sayExactly = (line) => `${INSTRUCTIONS}\n\nSay exactly: "${line}"`;

export class RealtimeCall {
  constructor(config, ws, log, onGone) {
    this.config = config;
    this.plants = config.plants;
    this.id = `stream#${++streams}`;
    this.log = (message) => log(this.id, message);
    this.onGone = onGone;
    this.ended = false;
    this.started = false;
    this.greeted = false;
    /** Formats confirmed by `session.updated`: caller audio waits for it. */
    this.ready = false;
    this.pendingAppends = [];
    /** Responses of this session: id -> { id, muted }. Deltas of a muted one are dropped. */
    this.responses = new Map();
    /** The response being generated (response.created without response.done). */
    this.active = undefined;
    /** PLANT=keepgen: a response.create waiting for the uncancelled response to end. */
    this.createWaiting = false;
    /** The caller's speech in progress: { overAgent, bargedIn, heardMs }. */
    this.speech = undefined;
    /** `nomarks`: set by the first audio, reset only by a barge-in. */
    this.unmarkedSpeaking = false;
    /** When each item's first audio went to Twilio, and how much of it went (`nomarks` truncates from these). */
    this.firstSentAt = new Map();
    this.sentMs = new Map();
    /** PLANT=truncstale: when the first delta of a response went out; set once, reset only by a barge-in. */
    this.truncStart = undefined;
    this.lastItem = undefined;
    /** A response was cut off by a dropped socket: the new session apologises for it. */
    this.cutOff = false;
    this.reopens = 0;
    const guard = (fn) => (...args) => this.guard(() => fn(...args));
    this.twilio = new TwilioLeg(ws, this.plants, this.log, {
      connected: guard(() => {}),
      start: guard((message) => {
        this.id = message.start?.callSid ?? this.id;
        this.started = true;
        this.log(`stream ${message.start?.streamSid} started`);
        this.greetWhenReady();
      }),
      media: guard((payload) => this.callerAudio(payload)),
      mark: guard((name) => this.ledger.echo(name, Date.now())),
      dtmf: guard((digit) => this.log(`DTMF ${digit}`)),
      stop: guard(() => this.hangup('Twilio sent stop')),
      closed: guard(() => this.hangup('the Twilio stream closed')),
    });
    this.ledger = this.twilio.ledger();
    this.realtime = this.openRealtime();
  }

  guard(fn) {
    try {
      fn();
    } catch (error) {
      this.log(`error: ${error.stack ?? error}`);
      this.end('an internal error');
    }
  }

  get speaking() {
    return this.plants.has('nomarks') ? this.unmarkedSpeaking : this.ledger.playing;
  }

  openRealtime() {
    const url = new URL(this.config.realtimeUrl);
    url.searchParams.set('model', MODEL);
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${this.config.openaiKey}` } });
    ws.on('open', () => this.guard(() => {
      this.send({
        type: 'session.update',
        session: {
          type: 'realtime',
          model: MODEL,
          output_modalities: ['audio'],
          instructions: INSTRUCTIONS,
          audio: {
            input: {
              format: { type: 'audio/pcmu' },
              transcription: { model: 'gpt-4o-mini-transcribe' },
              // The agent decides barge-in and when to answer (it needs the words first), so the server does neither.
              turn_detection: { type: 'server_vad', silence_duration_ms: SILENCE_MS, create_response: false, interrupt_response: false },
            },
            output: { format: { type: 'audio/pcmu' }, voice: VOICE },
          },
        },
      });
      // PLANT=early: the greeting is asked for as soon as the socket opens, before `start`.
      if (this.plants.has('early') && !this.greeted) this.greet();
    }));
    ws.on('message', (data, isBinary) => this.guard(() => {
      if (!isBinary) this.onEvent(JSON.parse(data.toString('utf8')));
    }));
    ws.on('error', (error) => this.log(`Realtime error: ${error.message}`));
    ws.on('close', (code, reason) => this.guard(() => {
      if (this.ended || ws !== this.realtime) return;
      this.log(`Realtime socket closed during the call (code ${code}${reason.length > 0 ? `, ${reason.toString('utf8')}` : ''})`);
      if (this.plants.has('deadair')) return; // PLANT=deadair: the call goes on without it, in silence
      if (++this.reopens > MAX_REOPENS) return this.end('the Realtime socket kept closing');
      // Whatever the old session was saying is gone with it; the new one apologises once it is set up.
      this.cutOff = this.active !== undefined || this.speaking;
      this.ready = false;
      this.responses.clear();
      this.active = undefined;
      this.speech = undefined;
      this.realtime = this.openRealtime();
    }));
    return ws;
  }

  send(event) {
    if (this.realtime.readyState === WebSocket.OPEN) this.realtime.send(JSON.stringify(event));
  }

  // --- the caller ---

  callerAudio(payload) {
    if (payload === '') return;
    const append = { type: 'input_audio_buffer.append', audio: payload };
    if (this.ready) this.send(append);
    else if (this.pendingAppends.length < MAX_PENDING_APPENDS) this.pendingAppends.push(append);
    const speech = this.speech;
    if (speech === undefined || !speech.overAgent || speech.bargedIn) return;
    speech.heardMs += Buffer.byteLength(payload, 'base64') / MULAW_BYTES_PER_MS;
    if (speech.heardMs >= LONG_SPEECH_MS && this.speaking) this.bargeIn(`${LONG_SPEECH_MS} ms of speech over agent audio`);
  }

  onEvent(event) {
    switch (event.type) {
      case 'session.updated':
        return this.onSessionUpdated();
      case 'input_audio_buffer.speech_started':
        this.speech = { overAgent: this.speaking, bargedIn: false, heardMs: 0 };
        // PLANT=backchannel: any speech over agent audio interrupts it.
        if (this.plants.has('backchannel') && this.speaking) this.bargeIn('speech_started');
        return;
      case 'conversation.item.input_audio_transcription.completed':
        return this.onTranscript(event);
      case 'response.created':
        this.responses.set(event.response.id, { id: event.response.id, muted: false });
        this.active = event.response.id;
        return;
      case 'response.output_audio.delta':
        return this.onAudioDelta(event);
      case 'response.done':
        if (this.active === event.response?.id) this.active = undefined;
        if (this.createWaiting && this.active === undefined) {
          this.createWaiting = false;
          this.send({ type: 'response.create' });
        }
        return;
      case 'error': {
        const error = event.error ?? {};
        if (error.code === 'response_cancel_not_active') return; // it ended on its own while the cancel was on its way
        this.log(`Realtime error event: ${error.code ?? error.type}: ${error.message}`);
        if (!this.ready && typeof error.param === 'string' && error.param.startsWith('session')) this.end('the session settings were refused');
        return;
      }
      default:
        return; // items, transcripts, rate limits: nothing to do
    }
  }

  onSessionUpdated() {
    if (this.ready) return;
    this.ready = true;
    for (const append of this.pendingAppends) this.send(append);
    this.pendingAppends = [];
    if (this.cutOff) {
      this.cutOff = false;
      this.send({ type: 'response.create', response: { instructions: sayExactly(APOLOGY) } });
      return;
    }
    this.greetWhenReady();
  }

  greetWhenReady() {
    if (this.ready && this.started && !this.greeted) this.greet();
  }

  greet() {
    this.greeted = true;
    this.send({ type: 'response.create', response: { instructions: sayExactly(GREETING) } });
  }

  /** The caller's words: dropped when they are a backchannel over agent audio, else answered (after a barge-in if audio plays). */
  onTranscript(event) {
    const speech = this.speech;
    this.speech = undefined;
    const transcript = (event.transcript ?? '').trim();
    if (transcript === '') return;
    const overAgent = speech?.overAgent === true || this.speaking;
    if (!this.plants.has('backchannel') && isBackchannel(transcript) && overAgent) {
      this.log(`backchannel "${transcript}" over agent audio: not a turn`);
      // Out of the conversation too, so the next answer does not reply to it.
      this.send({ type: 'conversation.item.delete', item_id: event.item_id });
      return;
    }
    if (this.speaking && speech?.bargedIn !== true) this.bargeIn(`"${transcript}"`);
    this.log(`caller said "${transcript}"`);
    // PLANT=slow: a pure latency regression before each reply.
    if (this.plants.has('slow')) setTimeout(() => this.guard(() => this.respond()), SLOW_REPLY_MS);
    else this.respond();
  }

  respond() {
    if (this.ended) return;
    if (this.active !== undefined) {
      // A response still being generated answers an older turn: stale now (PLANT=keepgen lets it finish first).
      if (this.plants.has('keepgen')) {
        this.createWaiting = true;
        return;
      }
      this.cancel(this.active);
    }
    this.send({ type: 'response.create' });
  }

  cancel(id) {
    const response = this.responses.get(id);
    if (response !== undefined) response.muted = true;
    this.send({ type: 'response.cancel', response_id: id });
    if (this.active === id) this.active = undefined;
  }

  onAudioDelta(event) {
    const response = this.responses.get(event.response_id);
    if (response === undefined) return;
    // Deltas of an interrupted response are not for the caller (PLANT=late forwards them).
    if (response.muted && !this.plants.has('late')) return;
    const bytes = Buffer.from(event.delta, 'base64');
    if (bytes.length === 0 || !this.twilio.media(bytes)) return;
    const now = Date.now();
    this.lastItem = event.item_id;
    if (!this.firstSentAt.has(event.item_id)) this.firstSentAt.set(event.item_id, now);
    this.sentMs.set(event.item_id, (this.sentMs.get(event.item_id) ?? 0) + bytes.length / MULAW_BYTES_PER_MS);
    this.truncStart ??= now;
    if (this.plants.has('nomarks')) {
      this.unmarkedSpeaking = true;
      return;
    }
    this.twilio.mark(this.ledger.sent(event.item_id, bytes.length / MULAW_BYTES_PER_MS, now));
  }

  /** Stops what plays at what was heard, and what is still being generated. */
  bargeIn(why) {
    const now = Date.now();
    const heard = this.ledger.heard(now);
    this.log(`barge-in on ${why}`);
    if (this.speech !== undefined) this.speech.bargedIn = true;
    if (this.plants.has('noclear')) this.twilio.queueEnd = now; // PLANT=noclear: it forgets its audio but never tells Twilio
    else this.twilio.clear();
    this.ledger.clear();
    this.unmarkedSpeaking = false;
    const itemId = heard?.key ?? (this.plants.has('nomarks') ? this.lastItem : undefined);
    if (itemId !== undefined) this.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: this.truncateAt(itemId, heard, now) });
    // PLANT=truncstale: the start is reset here only, never when a new response begins.
    this.truncStart = undefined;
    for (const response of this.responses.values()) response.muted = true;
    // PLANT=keepgen: the response goes on being generated (its deltas are dropped).
    if (this.active !== undefined && !this.plants.has('keepgen')) this.cancel(this.active);
  }

  /** The audio_end_ms of a truncate: what the caller heard of the item, unless a knob says otherwise. */
  truncateAt(itemId, heard, now) {
    // PLANT=truncsent: the audio sent to Twilio for the item, counted when sent, not when played.
    if (this.plants.has('truncsent')) return Math.floor(this.ledger.sentMs(itemId));
    if (this.plants.has('truncstale')) return Math.max(0, Math.floor(now - (this.truncStart ?? now)));
    // Without marks nothing says what was heard: the time since the item's first audio was sent, at most what was sent.
    if (this.plants.has('nomarks')) return Math.max(0, Math.floor(Math.min(now - (this.firstSentAt.get(itemId) ?? now), this.sentMs.get(itemId) ?? 0)));
    return heard?.ms ?? 0;
  }

  // --- the end of the call ---

  hangup(why) {
    if (this.plants.has('noteardown')) {
      if (!this.ended) this.log(`${why}: ignored (PLANT=noteardown)`);
      return;
    }
    this.end(why);
  }

  end(why) {
    if (this.ended) return;
    this.ended = true;
    this.log(`call ending: ${why}`);
    this.realtime.close(1000);
    this.twilio.close();
    this.onGone();
  }
}
