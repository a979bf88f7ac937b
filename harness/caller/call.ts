/**
 * The fake Twilio side of one call: signed voice webhook, TwiML (the verbs before <Connect> played
 * first, as Twilio does), the media-stream socket with `connected`, `start` and paced 20 ms `media`
 * frames (silence when the caller is not speaking), the playback model of what the caller hears,
 * and a timeline of everything on the run's clock.
 *
 * It can also be the hostile Twilio a conformance harness needs (a scenario's `twilio` options
 * and `inject` steps): `start` delayed after `connected`, hostile webhook parameters, mark echoes
 * held back after a `clear`, and unknown, malformed, binary or other-stream messages mid-call.
 * What the agent sends before `start` or after the caller's `stop` is recorded, never acted on.
 */
import WebSocket, { type RawData } from 'ws';
import { afterPendingReads, type Clock } from '../clock.ts';
import { FRAME_MS, silenceFrame, toFrames } from '../audio/index.ts';
import { createMarkWriter, createSourceMarkReader, type MarkWriter } from '../audio/call-mark.ts';
import type { AudioTap } from './audio-capture.ts';
import type { AgentToTwilio } from '../protocol/twilio.ts';
import { rawDataToBuffer } from '../net/raw-data.ts';
import { frameWhat, readAgentFrame } from './agent-frame.ts';
import { twilioSid } from './ids.ts';
import { createForeignStream, injectFrame, type InjectKind } from './inject.ts';
import { plainOnLoopback } from './loopback.ts';
import { inboundMediaMessage } from './media-message.ts';
import { createFramePacer, type FramePacer } from './pacer.ts';
import { inspectPayload } from './payload.ts';
import { createPlaybackModel, type MarkEchoMode } from './playback.ts';
import { createTimeline, eventsOf, type PlacementStage, type Timeline, type UtteranceExpectation } from './timeline.ts';
import { playTwimlPrelude } from './twiml-prelude.ts';
import type { Utterance } from './utterance.ts';
import { postVoiceWebhook, streamSignature } from './webhook.ts';

export interface CallOptions {
  clock: Clock;
  /** The agent's voice webhook, e.g. http://127.0.0.1:3000/incoming-call */
  webhookUrl: string;
  /** The Twilio auth token used to sign the webhook and the stream upgrade. */
  authToken: string;
  from?: string;
  to?: string;
  /** Connect to wss:// stream URLs (and fetch https:// <Play> audio) on loopback hosts over plain ws:// (http://): a local agent has no certificate. */
  plainLoopback?: boolean;
  /** The CallSid to use (default: a fresh one), so faults and journals can be tied to the call up front. */
  callSid?: string;
  /**
   * Runs just before an utterance's first frame is queued, so the mocks can learn what will be said;
   * returns the utterance's number for the audio mark (0 or nothing: none).
   */
  onUtterance?: (utterance: Utterance) => number | void;
  /**
   * The call's token from the mocks' call book: every frame sent carries it (and the number of the
   * utterance it belongs to) in its least significant bits (harness/audio/call-mark.ts), so the mocks
   * can tie the agent's upstream connections to this call. Absent: frames go out unmarked.
   */
  markToken?: number;
  /**
   * Called once per source mark found in the agent's audio (the mocks mark the speech they make with
   * the connection that made it): the agent's speech sockets are tied to this call by what it heard.
   */
  onSourceMark?: (token: number) => void;
  /** Milliseconds between `connected` and `start` (default 0): an agent must send nothing before `start` (REFERENCE-AGENTS §6 bug class 3). */
  startDelayMs?: number;
  /** `late`: the echoes a `clear` owes are held back until the agent's next reply has queued its marks (playback.ts; bug class 13). */
  markEcho?: MarkEchoMode;
  /** More voice-webhook parameters, or other values of From, To and the like: hostile values whose round trip into `start.customParameters` is checked. */
  webhookParams?: Readonly<Record<string, string>>;
  /** After `stop`, how long the socket stays open for the agent to close it before the caller does (default STOP_LINGER_MS). */
  stopLingerMs?: number;
  /** Told every frame sent and every agent media payload received (audio-capture.ts: `run --call-audio`); absent, no audio is kept. */
  audio?: AudioTap;
}

/**
 * How long the fake Twilio keeps the socket open after its `stop` unless the agent closes it first:
 * what the agent sends in that window is recorded (it should send nothing more).
 */
export const STOP_LINGER_MS = 500;

export interface CallResult {
  callSid: string;
  streamSid: string;
  timeline: Timeline;
  pacing: { framesSent: number; lateness: FramePacer['lateness'] };
}

export class CallEndedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CallEndedError';
  }
}

/** Placing the call failed (webhook, TwiML, the TwiML played first, the stream upgrade): what was recorded up to then comes with it. */
export class PlacementError extends CallEndedError {
  readonly callSid: string;
  readonly timeline: Timeline;
  readonly stage: PlacementStage;
  constructor(message: string, details: { callSid: string; timeline: Timeline; stage: PlacementStage }) {
    super(message);
    this.name = 'PlacementError';
    this.callSid = details.callSid;
    this.timeline = details.timeline;
    this.stage = details.stage;
  }
}

export interface ActiveCall {
  readonly callSid: string;
  readonly streamSid: string;
  readonly timeline: Timeline;
  /** Queues an utterance; resolves once its last frame has been sent. `expectation` is recorded on its timeline event for the checks. */
  say(utterance: Utterance, expectation?: UtteranceExpectation): Promise<void>;
  /** Sends hostile messages at once, in order, between the caller's frames (an `inject` step). */
  inject(messages: readonly InjectKind[]): Promise<void>;
  /**
   * Resolves once the agent has been heard after this call and has then been quiet for `quietMs`.
   * Audio still playing when the step begins counts as heard: after a backchannel the agent
   * rightly talks on, and its turn ends when that audio does. So does TwiML <Say>/<Play> audio
   * played before the stream opened, until one turn has counted it or the caller has said or sent
   * anything: it is the agent's greeting.
   */
  waitForAgentTurn(options: { quietMs: number; timeoutMs: number }): Promise<void>;
  /**
   * Resolves once the agent has been heard since the caller's last utterance (from the start of
   * the call when it said nothing) and nothing audible of it has then played for `quietMs` (at
   * once when that is already so), or at `timeoutMs` regardless: a hang-up that lets the agent
   * finish its reply. Silence the agent streams is quiet.
   */
  untilAgentQuiet(options: { quietMs: number; timeoutMs: number }): Promise<void>;
  /**
   * Resolves once the caller has heard `playedMs` of agent audio from the first audible sample
   * played after this call (or from the start of the audio playing now): the trigger for a
   * mid-sentence barge-in. TwiML audio does not count: it played before the stream opened, when
   * nothing the caller said could reach the agent.
   */
  waitForAgentAudio(options: { playedMs: number; timeoutMs: number }): Promise<void>;
  /** Sends raw audio (noise, unregistered sound) through the stream; resolves once it has been sent. */
  sendAudio(mulaw: Uint8Array): Promise<void>;
  /** Sends a DTMF event per digit, `gapMs` apart. */
  pressDigits(digits: string, gapMs?: number): Promise<void>;
  /** Waits `ms` while the stream keeps flowing. */
  pause(ms: number): Promise<void>;
  /** Sends `stop`, waits for the agent to close the socket (STOP_LINGER_MS at most), closes it, and returns what was recorded. */
  hangup(): Promise<CallResult>;
  /** True once either side has closed the stream. */
  readonly ended: boolean;
}

/** Places a call: webhook, TwiML (what precedes <Connect> is played first), socket, `connected`, `start`; the stream then flows until hangup. */
export async function placeCall(options: CallOptions): Promise<ActiveCall> {
  const { clock } = options;
  const timeline = createTimeline();
  const callSid = options.callSid ?? twilioSid('CA');
  const accountSid = twilioSid('AC');
  const streamSid = twilioSid('MZ');

  const failed = (stage: PlacementStage, error: string): PlacementError => {
    timeline.push({ kind: 'placement_failed', t: clock.now(), stage, error });
    return new PlacementError(error, { callSid, timeline, stage });
  };

  const webhook = await postVoiceWebhook(clock, {
    url: options.webhookUrl,
    authToken: options.authToken,
    callSid,
    accountSid,
    from: options.from ?? '+15550100001',
    to: options.to ?? '+15550100002',
    ...(options.webhookParams === undefined ? {} : { extraParams: options.webhookParams }),
  });
  timeline.push({
    kind: 'webhook',
    t: clock.now(),
    sentAt: webhook.sentAt,
    status: webhook.status,
    durationMs: webhook.durationMs,
    contentType: webhook.contentType,
    bodyBytes: webhook.bodyBytes,
    params: webhook.params,
    scenarioParams: Object.keys(options.webhookParams ?? {}),
  });
  if (!webhook.ok) throw failed(webhook.stage, webhook.error);
  const { twiml } = webhook;
  if (twiml.note !== undefined) timeline.push({ kind: 'twiml_note', t: clock.now(), note: twiml.note });

  // Twilio dials the stream only once the verbs before <Connect> have been played.
  const plainLoopback = options.plainLoopback ?? true;
  const prelude = await playTwimlPrelude(twiml.before, { clock, timeline, baseUrl: options.webhookUrl, plainLoopback });
  if (!prelude.ok) throw failed('prelude', prelude.error);

  const dialUrl = plainOnLoopback(new URL(twiml.stream.url), plainLoopback);
  const ws = new WebSocket(dialUrl, {
    headers: { 'x-twilio-signature': streamSignature(options.authToken, twiml.stream.url) },
  });
  // Frames that came with the upgrade's answer are emitted as the socket opens, before the call
  // below is set up: held, with their arrival times, until it is.
  const held: Array<{ data: RawData; isBinary: boolean; at: number }> = [];
  let onFrame = (data: RawData, isBinary: boolean, at: number): void => void held.push({ data, isBinary, at });
  ws.on('message', (data: RawData, isBinary: boolean) => onFrame(data, isBinary, clock.now()));
  const opened = await new Promise<string | undefined>((resolve) => {
    ws.once('open', () => resolve(undefined));
    ws.once('error', (error) => resolve(`media stream ${dialUrl.href} failed to open: ${error.message}`));
    ws.once('unexpected-response', (_req, res) => {
      resolve(`media stream ${twiml.stream.url} refused the upgrade: HTTP ${res.statusCode} (Twilio error 31920)`);
      res.resume();
      ws.terminate();
    });
  });
  if (opened !== undefined) throw failed('stream', opened);
  timeline.push({ kind: 'socket_open', t: clock.now(), url: twiml.stream.url });

  let sequence = 0;
  let ended = false;
  /** `start` has been sent: before it, whatever the agent sends is recorded and dropped. */
  let startSent = false;
  /** The caller has sent `stop`: from then on likewise. */
  let stopSent = false;
  const foreignStream = createForeignStream();
  /** Frames queued to send, each with the number of the utterance it belongs to (0: none). */
  const outgoing: Array<{ frame: Uint8Array; utterance: number }> = [];
  const marker: MarkWriter | undefined = options.markToken === undefined ? undefined : createMarkWriter(options.markToken);
  const sources = options.onSourceMark === undefined ? undefined : createSourceMarkReader(options.onSourceMark);
  const frameListeners = new Set<(index: number, sentAt: number) => void>();
  const mediaListeners = new Set<() => void>();
  const endListeners = new Set<(error: Error) => void>();
  /** Binary frames are reported once per stream (as Twilio's 31950); every other invalid message each time. */
  let reportedBinary = false;
  let lastMediaAt = -Infinity;
  /** Playback times of the audible chunks of the stretch of agent audio playing or queued now. */
  const audibleStarts: number[] = [];
  /** When the agent's audio (not a payload that is no audio) stops playing, as cut by any clear. */
  let audioUntil = -Infinity;
  /** When the last audible sample of agent audio played (or will): silence the agent sends is not talk. */
  let audibleUntil = -Infinity;
  /** End of the TwiML greeting not yet counted by a turn wait; the caller acting forgoes it. */
  let unclaimedTwimlEnd = prelude.audioEnd;

  const send = (message: unknown): void => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  };
  const protocolError = (error: string): void => {
    timeline.push({ kind: 'protocol_error', t: clock.now(), error });
  };

  const playback = createPlaybackModel(
    clock,
    (name, cleared, late) => {
      // After `stop` Twilio echoes nothing more.
      if (stopSent || ended) return;
      timeline.push({ kind: 'mark_echo', t: clock.now(), name, cleared, ...(late ? { late: true as const } : {}) });
      send({ event: 'mark', sequenceNumber: String(++sequence), streamSid, mark: { name } });
    },
    options.markEcho ?? 'prompt',
  );

  const pacer = createFramePacer(clock, (index) => {
    const next = outgoing.shift();
    const frame = next?.frame ?? silenceFrame();
    const wire = marker === undefined ? frame : marker.mark(frame, next?.utterance ?? 0);
    send(inboundMediaMessage(streamSid, ++sequence, index, wire));
    const sentAt = clock.now();
    options.audio?.sent(wire, sentAt);
    for (const listener of frameListeners) listener(index, sentAt);
  });

  const finish = (by: 'caller' | 'agent', code: number): void => {
    if (ended) return;
    ended = true;
    pacer.stop();
    playback.dispose();
    // Once the caller has sent `stop`, the call was the caller's to end, whoever closes the socket.
    const closer = stopSent ? 'caller' : by;
    timeline.push({ kind: 'closed', t: clock.now(), by: closer, code });
    const error = new CallEndedError(closer === 'agent' ? `the agent closed the media stream (code ${code})` : 'the caller hung up');
    for (const listener of endListeners) listener(error);
  };

  const onMessage = (message: AgentToTwilio, now: number): void => {
    switch (message.event) {
      case 'media': {
        const payload = inspectPayload(message.media.payload);
        options.audio?.received(payload.audio, now);
        // A chunk that arrives to an empty queue starts a new stretch of agent audio.
        if (playback.drainsAt <= now) audibleStarts.length = 0;
        sources?.push(payload.audio);
        const queued = playback.enqueue(payload.audio);
        // Twilio plays what it is given, but a payload that is not audio is no speech the caller heard.
        const played = payload.isAudio ? queued : { ...queued, audibleFrom: undefined, audibleTo: undefined };
        if (payload.isAudio) {
          lastMediaAt = now;
          audioUntil = played.playEnd;
        }
        if (played.audibleFrom !== undefined) audibleStarts.push(played.audibleFrom);
        if (played.audibleTo !== undefined) audibleUntil = Math.max(audibleUntil, played.audibleTo);
        timeline.push({ kind: 'agent_media', t: now, bytes: payload.audio.length, ...played, ...(payload.issue === undefined ? {} : { payloadIssue: payload.issue }) });
        for (const listener of mediaListeners) listener();
        return;
      }
      case 'mark':
        timeline.push({ kind: 'agent_mark', t: now, name: message.mark.name });
        playback.mark(message.mark.name);
        return;
      case 'clear': {
        audibleStarts.length = 0;
        audioUntil = Math.min(audioUntil, now);
        audibleUntil = Math.min(audibleUntil, now);
        const droppedMs = playback.clear();
        timeline.push({ kind: 'clear', t: clock.now(), droppedMs });
        return;
      }
    }
  };

  onFrame = (data: RawData, isBinary: boolean, now: number): void => {
    const frame = readAgentFrame(isBinary ? undefined : rawDataToBuffer(data).toString('utf8'), streamSid);
    if (!startSent) {
      timeline.push({ kind: 'early_message', t: now, what: frameWhat(frame) });
      return;
    }
    if (stopSent) {
      timeline.push({ kind: 'after_stop', t: now, what: frameWhat(frame) });
      return;
    }
    switch (frame.kind) {
      case 'binary':
        if (!reportedBinary) protocolError('binary frame received (Twilio warning 31950)');
        reportedBinary = true;
        return;
      case 'invalid':
        protocolError(frame.error);
        return;
      case 'foreign':
        // Twilio ignores a message for another stream (warning 31951): nothing is played or cleared.
        timeline.push({ kind: 'foreign_sid', t: now, event: frame.event, streamSid: frame.streamSid });
        return;
      case 'message':
        onMessage(frame.message, now);
    }
  };
  for (const frame of held.splice(0)) onFrame(frame.data, frame.isBinary, frame.at);
  ws.on('close', (code: number) => finish('agent', code));
  ws.on('error', () => finish('agent', 1006));

  send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
  // A delayed start is a hostile Twilio's test: the agent must wait for it (and may give up, closing the socket).
  const startDelayMs = options.startDelayMs ?? 0;
  if (startDelayMs > 0) await new Promise<void>((resolve) => {
    const cancel = clock.at(clock.now() + startDelayMs, () => {
      endListeners.delete(onEnd);
      resolve();
    });
    const onEnd = (): void => {
      cancel();
      resolve();
    };
    endListeners.add(onEnd);
  });
  if (!ended) {
    send({
      event: 'start',
      sequenceNumber: String(++sequence),
      start: {
        accountSid,
        streamSid,
        callSid,
        tracks: ['inbound'],
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        customParameters: twiml.stream.parameters,
      },
      streamSid,
    });
    startSent = true;
    timeline.push({ kind: 'start_sent', t: clock.now(), streamSid, customParameters: twiml.stream.parameters });
    pacer.start();
  }

  /** Resolves once `closed` settles or `ms` have passed, whichever is first; the timer is cancelled either way. */
  const within = (closed: Promise<void>, ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const cancel = clock.at(clock.now() + ms, () => resolve());
      void closed.then(() => {
        cancel();
        resolve();
      });
    });

  const untilEnded = <T>(body: (resolve: (value: T) => void, reject: (error: Error) => void, cleanup: (fn: () => void) => void) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (ended || stopSent) {
        reject(new CallEndedError('the call has ended'));
        return;
      }
      const cleanups: Array<() => void> = [];
      const done = (): void => {
        for (const fn of cleanups) fn();
      };
      const onEnd = (error: Error): void => {
        done();
        reject(error);
      };
      endListeners.add(onEnd);
      cleanups.push(() => endListeners.delete(onEnd));
      body(
        (value) => {
          done();
          resolve(value);
        },
        (error) => {
          done();
          reject(error);
        },
        (fn) => cleanups.push(fn),
      );
    });

  return {
    callSid,
    streamSid,
    timeline,
    get ended() {
      return ended;
    },
    say(utterance, expectation) {
      unclaimedTwimlEnd = undefined;
      return untilEnded<void>((resolve, _reject, cleanup) => {
        const number = options.onUtterance?.(utterance) ?? 0;
        const frames = toFrames(utterance.audio);
        const firstSpan = utterance.voiced[0];
        const lastSpan = utterance.voiced[utterance.voiced.length - 1];
        const firstVoiced = firstSpan === undefined ? 0 : Math.floor(firstSpan.startMs / FRAME_MS);
        const lastVoiced = lastSpan === undefined ? frames.length - 1 : Math.floor(Math.max(0, lastSpan.endMs - 0.125) / FRAME_MS);
        // Frames already queued by an earlier say() go first.
        const base = pacer.framesSent + outgoing.length;
        outgoing.push(...frames.map((frame) => ({ frame, utterance: number })));
        const record = { t: clock.now(), firstVoicedAt: NaN, lastVoicedAt: NaN };
        const listener = (index: number, sentAt: number): void => {
          const k = index - base;
          if (k === firstVoiced) record.firstVoicedAt = sentAt;
          if (k === lastVoiced) record.lastVoicedAt = sentAt;
          if (k === frames.length - 1) {
            timeline.push({
              kind: 'utterance',
              t: record.t,
              id: utterance.id,
              text: utterance.text,
              firstVoicedAt: record.firstVoicedAt,
              lastVoicedAt: record.lastVoicedAt,
              endAt: sentAt,
              ...(expectation === undefined ? {} : { expectation }),
            });
            resolve();
          }
        };
        frameListeners.add(listener);
        cleanup(() => frameListeners.delete(listener));
      });
    },
    waitForAgentTurn({ quietMs, timeoutMs }) {
      const since = clock.now();
      const twimlEnd = unclaimedTwimlEnd;
      /** When the agent was last heard: its stream audio, or the TwiML greeting this wait counts. */
      const heardUntil = (): number => Math.max(audioUntil, lastMediaAt, twimlEnd ?? -Infinity);
      return untilEnded<void>((resolve, reject, cleanup) => {
        let cancel: (() => void) | undefined;
        const deadline = clock.at(since + timeoutMs, () =>
          reject(new Error(`the agent did not finish a turn within ${timeoutMs} ms`)),
        );
        cleanup(deadline);
        cleanup(() => cancel?.());
        const check = (): void => {
          cancel?.();
          if (twimlEnd === undefined && lastMediaAt < since && audioUntil <= since) return;
          const quietAt = heardUntil() + quietMs;
          cancel = clock.at(quietAt, () => {
            if (heardUntil() + quietMs > clock.now() + 0.001) {
              check();
              return;
            }
            // Quiet by our clock; resolve once what came in meanwhile has been read (new media runs check, which cancels this).
            cancel = afterPendingReads(clock, () => {
              if (unclaimedTwimlEnd === twimlEnd) unclaimedTwimlEnd = undefined;
              resolve();
            });
          });
        };
        mediaListeners.add(check);
        cleanup(() => mediaListeners.delete(check));
        check();
      });
    },
    untilAgentQuiet({ quietMs, timeoutMs }) {
      // Quiet as a listener hears it: nothing audible played, whatever silence the agent streams.
      // And after the agent has been heard since the caller last spoke: a reply not begun yet is
      // not a quiet line (a slow agent is still thinking).
      const lastSpoke = eventsOf(timeline.events, 'utterance').at(-1)?.lastVoicedAt ?? -Infinity;
      return untilEnded<void>((resolve, _reject, cleanup) => {
        let cancel: (() => void) | undefined;
        cleanup(clock.at(clock.now() + timeoutMs, () => resolve()));
        cleanup(() => cancel?.());
        const check = (): void => {
          cancel?.();
          cancel = undefined;
          if (audibleUntil <= lastSpoke) return;
          const quietAt = audibleUntil + quietMs;
          if (quietAt <= clock.now()) {
            // Quiet by our clock; resolve once what came in meanwhile has been read (new media runs check, which cancels this).
            cancel = afterPendingReads(clock, resolve);
            return;
          }
          cancel = clock.at(quietAt, check);
        };
        mediaListeners.add(check);
        cleanup(() => mediaListeners.delete(check));
        check();
      });
    },
    waitForAgentAudio({ playedMs, timeoutMs }) {
      const since = clock.now();
      return untilEnded<void>((resolve, reject, cleanup) => {
        let cancel: (() => void) | undefined;
        cleanup(clock.at(since + timeoutMs, () => reject(new Error(`the caller did not hear ${playedMs} ms of agent audio within ${timeoutMs} ms`))));
        cleanup(() => cancel?.());
        const check = (): void => {
          if (cancel !== undefined) return;
          // Audio already playing when the step began counts from the start of its stretch; a
          // stretch that had ended before the step does not count.
          const from = audibleStarts[0];
          if (from === undefined || (lastMediaAt < since && audioUntil <= since)) return;
          cancel = clock.at(from + playedMs, () => resolve());
        };
        mediaListeners.add(check);
        cleanup(() => mediaListeners.delete(check));
        check();
      });
    },
    sendAudio(mulaw) {
      unclaimedTwimlEnd = undefined;
      return untilEnded<void>((resolve, _reject, cleanup) => {
        const frames = toFrames(mulaw);
        const last = pacer.framesSent + outgoing.length + frames.length - 1;
        outgoing.push(...frames.map((frame) => ({ frame, utterance: 0 })));
        const listener = (index: number): void => {
          if (index === last) resolve();
        };
        frameListeners.add(listener);
        cleanup(() => frameListeners.delete(listener));
      });
    },
    inject(messages) {
      unclaimedTwimlEnd = undefined;
      if (ended || stopSent) return Promise.reject(new CallEndedError('the call has ended'));
      const context = { streamSid, accountSid, nextSequence: () => ++sequence, foreign: foreignStream };
      for (const message of messages) {
        const frame = injectFrame(message, context);
        if (ws.readyState === WebSocket.OPEN) ws.send(frame.data, { binary: frame.binary });
        const foreign = message === 'foreign-media' || message === 'foreign-stop' ? { foreignStreamSid: foreignStream.streamSid } : {};
        timeline.push({ kind: 'injected', t: clock.now(), message, ...foreign });
      }
      return Promise.resolve();
    },
    async pressDigits(digits, gapMs = 150) {
      unclaimedTwimlEnd = undefined;
      for (const digit of digits) {
        if (ended || stopSent) throw new CallEndedError('the call has ended');
        send({ event: 'dtmf', streamSid, sequenceNumber: String(++sequence), dtmf: { track: 'inbound_track', digit } });
        timeline.push({ kind: 'dtmf_sent', t: clock.now(), digit });
        await clock.sleep(gapMs);
      }
    },
    pause(ms) {
      return untilEnded<void>((resolve, _reject, cleanup) => {
        cleanup(clock.at(clock.now() + ms, () => resolve()));
      });
    },
    async hangup() {
      if (!ended && !stopSent) {
        const closed = new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) resolve();
          else ws.once('close', () => resolve());
        });
        send({ event: 'stop', sequenceNumber: String(++sequence), stop: { accountSid, callSid }, streamSid });
        stopSent = true;
        timeline.push({ kind: 'stop_sent', t: clock.now() });
        // No more media or echoes; the socket stays open a moment for the agent to close it (and to be seen sending nothing).
        pacer.stop();
        playback.dispose();
        const lingerMs = options.stopLingerMs ?? STOP_LINGER_MS;
        if (lingerMs > 0) await within(closed, lingerMs);
        finish('caller', 1000);
        if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000);
        await within(closed, 2000);
        if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
      }
      return { callSid, streamSid, timeline, pacing: { framesSent: pacer.framesSent, lateness: pacer.lateness } };
    },
  };
}

