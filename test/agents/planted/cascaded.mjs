/**
 * One cascaded call of the planted agent: Twilio audio to Deepgram listen (raw WebSocket), each
 * utterance to OpenAI chat completions (fetch, SSE), the reply's sentences to Deepgram speak (raw
 * WebSocket) one at a time, paced by what the caller still has to hear, and speak's audio back to
 * Twilio with a mark after every frame.
 *
 * Correct by default: the greeting after `start`; one reply per utterance; barge-in (Twilio
 * `clear`, the chat stream aborted, speak `Clear` and its late audio dropped until `Cleared`) on
 * caller words that are not a backchannel; a dropped listen or speak socket reopened (the sentence
 * that was cut is spoken again); a chat request that keeps failing answered with an apology;
 * everything closed on `stop`. Each PLANT knob (config.mjs) breaks one of these.
 */
import WebSocket from 'ws';
import { SLOW_REPLY_MS } from './config.mjs';
import { createSentenceSplitter, isBackchannel, streamChat } from './text.mjs';
import { MULAW_BYTES_PER_MS, TwilioLeg } from './twilio.mjs';

export const GREETING = 'Hello, how can I help you?';
const APOLOGY = 'Sorry, I could not get an answer just now. Could you say that again?';
const SYSTEM_PROMPT = 'You are a friendly phone assistant. Answer in one to three short spoken sentences, without lists or markup.';
const CHAT_MODEL = 'gpt-4o-mini';
const HISTORY_MESSAGES = 10;
const CHAT_RETRIES = 2;
/** Deepgram closes a listen socket that hears nothing for 10 s. */
const KEEPALIVE_MS = 5_000;
/** Caller audio held while the listen socket connects (20 ms frames: 5 s). */
const MAX_PENDING_FRAMES = 250;
/** The next sentence goes to speak once the caller has at most this much of the reply left to hear. */
const LOOKAHEAD_MS = 2_000;
/** Reopens of each upstream socket allowed per call. */
const MAX_REOPENS = 3;
/** A `Cleared` that never comes (the socket died) stops holding audio back after this long. */
const CLEARED_TIMEOUT_MS = 2_000;

const LISTEN_QUERY = 'model=nova-2-phonecall&encoding=mulaw&sample_rate=8000&channels=1&interim_results=true&endpointing=300&utterance_end_ms=1000&vad_events=true&smart_format=true';
const SPEAK_QUERY = 'model=aura-asteria-en&encoding=mulaw&sample_rate=8000';

let streams = 0;

export class CascadedCall {
  constructor(config, ws, log, onGone) {
    this.config = config;
    this.plants = config.plants;
    this.id = `stream#${++streams}`;
    this.log = (message) => log(this.id, message);
    this.onGone = onGone;
    this.ended = false;
    this.history = [];
    /** is_final segments of the utterance in progress. */
    this.finals = [];
    /** Whether agent audio was playing when the utterance in progress began (its backchannels are dropped). */
    this.overAgent = false;
    this.lastUtterance = '';
    this.replies = 0;
    /** The reply being generated or spoken. */
    this.reply = undefined;
    /** Flushes sent to speak whose `Flushed` has not come back, in order: { reply, text }. Audio belongs to the first. */
    this.flushes = [];
    /** Speak `Clear`s whose `Cleared` has not come back: audio until then is of cleared speech. */
    this.clearing = 0;
    this.lastCleared = undefined;
    this.pendingAudio = [];
    this.pendingSpeak = [];
    /** `nomarks`: set by the first audio, reset only by a barge-in. */
    this.unmarkedSpeaking = false;
    this.reopens = { listen: 0, speak: 0 };
    const guard = (fn) => (...args) => this.guard(() => fn(...args));
    this.twilio = new TwilioLeg(ws, this.plants, this.log, {
      connected: guard(() => {
        if (this.plants.has('early')) this.greet();
      }),
      start: guard((message) => {
        this.id = message.start?.callSid ?? this.id;
        this.log(`stream ${message.start?.streamSid} started`);
        if (!this.plants.has('early')) this.greet();
      }),
      media: guard((payload) => this.callerAudio(Buffer.from(payload, 'base64'))),
      mark: guard((name) => this.ledger.echo(name, Date.now())),
      dtmf: guard((digit) => this.log(`DTMF ${digit}`)),
      stop: guard(() => this.hangup('Twilio sent stop')),
      closed: guard(() => this.hangup('the Twilio stream closed')),
    });
    this.ledger = this.twilio.ledger();
    this.listen = this.openListen();
    this.speak = this.openSpeak();
    this.keepAlive = setInterval(() => this.sendListen(JSON.stringify({ type: 'KeepAlive' })), KEEPALIVE_MS);
  }

  /** Runs an event handler; a fault in it ends this call, never the process. */
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

  // --- upstream sockets ---

  openListen() {
    const ws = new WebSocket(`${this.config.deepgramWs}/v1/listen?${LISTEN_QUERY}`, { headers: { authorization: `Token ${this.config.deepgramKey}` } });
    ws.on('open', () => {
      for (const frame of this.pendingAudio) ws.send(frame);
      this.pendingAudio = [];
    });
    ws.on('message', (data, isBinary) => this.guard(() => {
      if (!isBinary) this.onListen(JSON.parse(data.toString('utf8')));
    }));
    this.watch(ws, 'listen');
    return ws;
  }

  openSpeak() {
    const ws = new WebSocket(`${this.config.deepgramWs}/v1/speak?${SPEAK_QUERY}&container=none`, { headers: { authorization: `Token ${this.config.deepgramKey}` } });
    ws.on('open', () => {
      for (const message of this.pendingSpeak) ws.send(message);
      this.pendingSpeak = [];
    });
    ws.on('message', (data, isBinary) => this.guard(() => {
      if (isBinary) this.onSpeechAudio(data);
      else this.onSpeakControl(data);
    }));
    this.watch(ws, 'speak');
    return ws;
  }

  /** A socket that drops mid-call is reopened (within MAX_REOPENS), except with `deadair`. */
  watch(ws, which) {
    ws.on('error', (error) => this.log(`Deepgram ${which} error: ${error.message}`));
    ws.on('close', (code, reason) => this.guard(() => {
      if (this.ended || ws !== this[which]) return;
      this.log(`Deepgram ${which} closed during the call (code ${code}${reason.length > 0 ? `, ${reason.toString('utf8')}` : ''})`);
      if (this.plants.has('deadair')) return; // PLANT=deadair: the call goes on without it, in silence
      if (++this.reopens[which] > MAX_REOPENS) return this.end(`Deepgram ${which} kept closing`);
      if (which === 'listen') this.listen = this.openListen();
      else this.reopenSpeak();
    }));
  }

  /** A new speak socket; the sentences whose audio the old one cut short are spoken again, in order. */
  reopenSpeak() {
    const cut = this.flushes;
    this.flushes = [];
    this.clearing = 0;
    this.speak = this.openSpeak();
    for (const { reply, text } of cut) {
      reply.inFlight--;
      if (!reply.muted) this.sendSentence(reply, text);
    }
  }

  sendListen(message) {
    if (this.listen.readyState === WebSocket.OPEN) this.listen.send(message);
  }

  /** To speak, holding messages while the socket connects; a closed socket takes nothing. */
  sendSpeak(message) {
    const text = JSON.stringify(message);
    if (this.speak.readyState === WebSocket.OPEN) this.speak.send(text);
    else if (this.speak.readyState === WebSocket.CONNECTING) this.pendingSpeak.push(text);
  }

  // --- the caller ---

  callerAudio(frame) {
    if (frame.length === 0) return;
    if (this.listen.readyState === WebSocket.OPEN) this.listen.send(frame);
    else if (this.listen.readyState === WebSocket.CONNECTING && this.pendingAudio.length < MAX_PENDING_FRAMES) this.pendingAudio.push(frame);
  }

  onListen(message) {
    const anyInterrupts = this.plants.has('backchannel');
    switch (message.type) {
      case 'SpeechStarted':
        this.overAgent = this.speaking;
        if (anyInterrupts && this.speaking) this.bargeIn('SpeechStarted');
        return;
      case 'Results': {
        const transcript = (message.channel?.alternatives?.[0]?.transcript ?? '').trim();
        const backchannel = isBackchannel(transcript);
        if (transcript !== '' && this.speaking && (anyInterrupts || !backchannel)) this.bargeIn(`"${transcript}"`);
        // A backchannel over the agent's audio is not a turn: it is dropped, not answered.
        const dropped = !anyInterrupts && backchannel && (this.overAgent || this.speaking);
        if (dropped && message.is_final) this.log(`backchannel "${transcript}" over agent audio: not a turn`);
        if (message.is_final && transcript !== '' && !dropped) this.finals.push(transcript);
        if (message.speech_final) this.endOfUtterance('speech_final');
        return;
      }
      case 'UtteranceEnd':
        this.endOfUtterance('UtteranceEnd');
        return;
      case 'Metadata':
        return;
      default:
        this.log(`Deepgram listen sent '${message.type}'`);
    }
  }

  /** One reply per utterance: the first of speech_final / UtteranceEnd that finds final text answers it. */
  endOfUtterance(why) {
    this.overAgent = false;
    if (this.finals.length === 0) {
      // PLANT=double: the UtteranceEnd after a speech_final answers the same words again.
      if (this.plants.has('double') && why === 'UtteranceEnd' && this.lastUtterance !== '') this.answer(this.lastUtterance, why);
      return;
    }
    const text = this.finals.join(' ');
    this.finals = [];
    this.lastUtterance = text;
    this.answer(text, why);
  }

  /** Caller speech over agent audio: clear Twilio, drop what is queued, stop generating. */
  bargeIn(why) {
    this.log(`barge-in on ${why}`);
    if (this.plants.has('noclear')) this.twilio.queueEnd = Date.now(); // PLANT=noclear: it forgets its audio but never tells Twilio
    else this.twilio.clear();
    // Twilio echoes every pending mark after a clear; forgetting them now keeps those echoes out of the accounting.
    this.ledger.clear();
    this.unmarkedSpeaking = false;
    const reply = this.reply;
    if (reply === undefined) return;
    reply.muted = true;
    // PLANT=keepgen: the reply's generation goes on (chat read to its end, sentences to speak at once); only its audio is dropped.
    if (this.plants.has('keepgen')) {
      clearTimeout(reply.timer);
      this.pump(reply);
      return;
    }
    this.stopReply(reply, { clearSpeech: true });
  }

  /** Stops a reply's generation; with `clearSpeech` (or speech of it still queued) speak is told to `Clear`. */
  stopReply(reply, { clearSpeech = false } = {}) {
    if (reply.stopped) return;
    reply.stopped = true;
    reply.muted = true;
    clearTimeout(reply.timer);
    reply.abort.abort(new Error('interrupted'));
    if (clearSpeech || this.flushes.some((f) => f.reply === reply)) {
      this.sendSpeak({ type: 'Clear' });
      this.flushes = [];
      this.clearing++;
      this.lastCleared = reply;
      clearTimeout(this.clearedTimer);
      this.clearedTimer = setTimeout(() => {
        this.clearing = 0;
      }, CLEARED_TIMEOUT_MS);
    }
    if (reply.spoken.length > 0 && !reply.remembered) this.remember('assistant', reply.spoken.join(' '), reply);
  }

  remember(role, content, reply) {
    if (reply !== undefined) reply.remembered = true;
    this.history.push({ role, content });
    if (this.history.length > HISTORY_MESSAGES) this.history.splice(0, this.history.length - HISTORY_MESSAGES);
  }

  newReply() {
    const reply = { number: ++this.replies, sentences: [], inFlight: 0, spoken: [], generated: false, muted: false, stopped: false, remembered: false, abort: new AbortController(), timer: undefined };
    this.reply = reply;
    return reply;
  }

  // --- replies ---

  greet() {
    if (this.plants.has('wav')) {
      this.greetOverRest();
      return;
    }
    const reply = this.newReply();
    reply.sentences.push(GREETING);
    reply.generated = true;
    this.pump(reply);
  }

  /** PLANT=wav: the greeting from speak's REST API, whose default container for mulaw is WAV, sent as it comes. */
  greetOverRest() {
    const reply = this.newReply();
    reply.spoken.push(GREETING);
    fetch(`${this.config.deepgramHttp}/v1/speak?${SPEAK_QUERY}`, {
      method: 'POST',
      headers: { authorization: `Token ${this.config.deepgramKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: GREETING }),
      signal: reply.abort.signal,
    }).then(async (response) => {
      if (!response.ok || response.body === null) throw new Error(`speak REST answered HTTP ${response.status}`);
      for await (const chunk of response.body) this.guard(() => this.forward(reply, Buffer.from(chunk)));
    }).catch((error) => {
      if (!reply.stopped && !this.ended) this.log(`greeting failed: ${error.message}`);
    });
  }

  answer(text, why) {
    this.log(`caller said "${text}" (${why})`);
    const previous = this.reply;
    // Whatever was still being generated for the last reply is stale now (not so with PLANT=keepgen).
    if (previous !== undefined && !this.plants.has('keepgen')) this.stopReply(previous);
    this.remember('user', text);
    const reply = this.newReply();
    const start = () => this.startChat(reply);
    // PLANT=slow: a pure latency regression before each reply.
    if (this.plants.has('slow')) reply.timer = setTimeout(() => this.guard(start), SLOW_REPLY_MS);
    else start();
  }

  startChat(reply) {
    if (reply.stopped || this.ended) return;
    const splitter = createSentenceSplitter();
    const add = (sentences) => {
      reply.sentences.push(...sentences);
      this.pump(reply);
    };
    const crash = this.plants.has('crash');
    const chat = streamChat({
      base: this.config.openaiBase,
      key: this.config.openaiKey,
      model: CHAT_MODEL,
      messages: [{ role: 'system', content: SYSTEM_PROMPT }, ...this.history],
      signal: reply.abort.signal,
      retries: crash ? 0 : CHAT_RETRIES,
      onText: (delta) => this.guard(() => add(splitter.push(delta))),
    }).then(() => this.guard(() => {
      const rest = splitter.rest();
      add(rest === '' ? [] : [rest]);
      reply.generated = true;
    }));
    if (crash) {
      // PLANT=crash: the failure is rethrown with no handler: an unhandled rejection, and Node exits.
      chat.catch((error) => {
        if (reply.stopped) return;
        throw error;
      });
      return;
    }
    chat.catch((error) => this.guard(() => {
      if (reply.stopped || this.ended) return;
      this.log(`chat failed: ${error.message}; apologising`);
      add([APOLOGY]);
    }));
  }

  /**
   * Sends the reply's next sentence to speak when the last one has been synthesised and the caller
   * has at most LOOKAHEAD_MS of audio left to hear; otherwise checks again when that is so.
   */
  pump(reply) {
    if (this.ended || reply.stopped || reply.inFlight > 0) return;
    const text = reply.sentences[0];
    if (text === undefined) {
      if (reply.generated && !reply.remembered) this.remember('assistant', reply.spoken.join(' '), reply);
      return;
    }
    const ahead = this.twilio.unplayedMs();
    if (!reply.muted && ahead > LOOKAHEAD_MS) {
      clearTimeout(reply.timer);
      reply.timer = setTimeout(() => this.guard(() => this.pump(reply)), ahead - LOOKAHEAD_MS);
      return;
    }
    reply.sentences.shift();
    reply.spoken.push(text);
    this.sendSentence(reply, text);
  }

  sendSentence(reply, text) {
    this.sendSpeak({ type: 'Speak', text });
    this.sendSpeak({ type: 'Flush' });
    this.flushes.push({ reply, text });
    reply.inFlight++;
  }

  // --- speech back to the caller ---

  onSpeechAudio(data) {
    let reply = this.flushes[0]?.reply;
    if (this.clearing > 0) {
      // Audio of speech a Clear dropped, still in flight: not for the caller (PLANT=late forwards it).
      if (!this.plants.has('late')) return;
      reply = this.lastCleared;
    } else if (reply?.muted && !this.plants.has('late')) return;
    if (reply !== undefined) this.forward(reply, data);
  }

  /** Audio to Twilio, then a mark naming the reply it belongs to (no mark with PLANT=nomarks). */
  forward(reply, bytes) {
    if (!this.twilio.media(bytes)) return;
    if (this.plants.has('nomarks')) {
      this.unmarkedSpeaking = true;
      return;
    }
    this.twilio.mark(this.ledger.sent(reply.number, bytes.length / MULAW_BYTES_PER_MS, Date.now()));
  }

  onSpeakControl(data) {
    // PLANT=ctljson: every frame from speak is audio to this agent, its JSON messages too.
    if (this.plants.has('ctljson') && this.reply !== undefined) this.forward(this.reply, Buffer.from(data));
    const message = JSON.parse(data.toString('utf8'));
    switch (message.type) {
      case 'Flushed': {
        if (this.clearing > 0) return; // a Flush that finished before the Clear reached speak: already dropped
        const done = this.flushes.shift();
        if (done === undefined) return;
        done.reply.inFlight--;
        this.pump(done.reply);
        return;
      }
      case 'Cleared':
        this.clearing = Math.max(0, this.clearing - 1);
        return;
      case 'Metadata':
        return;
      case 'Warning':
        this.log(`Deepgram speak warning: ${message.description} (${message.code})`);
        return;
      default:
        this.log(`Deepgram speak sent '${message.type}'`);
    }
  }

  // --- the end of the call ---

  /** The caller hung up (`stop`, or the stream closed). PLANT=noteardown ignores it: everything stays open. */
  hangup(why) {
    if (this.plants.has('noteardown')) {
      if (!this.ended) this.log(`${why}: ignored (PLANT=noteardown)`);
      return;
    }
    this.end(why);
  }

  /** Ends the call once: timers, the reply, every upstream socket and the stream. */
  end(why) {
    if (this.ended) return;
    this.ended = true;
    this.log(`call ending: ${why}`);
    clearInterval(this.keepAlive);
    clearTimeout(this.clearedTimer);
    if (this.reply !== undefined) {
      this.reply.stopped = true;
      clearTimeout(this.reply.timer);
      this.reply.abort.abort(new Error('call ended'));
    }
    this.sendListen(JSON.stringify({ type: 'CloseStream' }));
    this.listen.close(1000);
    this.speak.close(1000);
    this.twilio.close();
    this.onGone();
  }
}
