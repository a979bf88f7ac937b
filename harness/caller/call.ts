/**
 * The fake Twilio side of one call: signed voice webhook, TwiML (the verbs before <Connect> played
 * first, as Twilio does), the media-stream socket with `connected`, `start` and paced 20 ms `media`
 * frames (silence when the caller is not speaking), the playback model of what the caller hears,
 * and a timeline of everything on the run's clock.
 */
import WebSocket, { type RawData } from 'ws';
import type { Clock } from '../clock.ts';
import { FRAME_MS, silenceFrame, toFrames } from '../audio/index.ts';
import { createMarkWriter, type MarkWriter } from '../audio/call-mark.ts';
import { parseAgentToTwilio } from '../protocol/twilio.ts';
import { rawDataToBuffer } from '../net/raw-data.ts';
import { twilioSid } from './ids.ts';
import { plainOnLoopback } from './loopback.ts';
import { inboundMediaMessage } from './media-message.ts';
import { createFramePacer, type FramePacer } from './pacer.ts';
import { createPlaybackModel } from './playback.ts';
import { createTimeline, type Timeline } from './timeline.ts';
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
}

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

export interface ActiveCall {
  readonly callSid: string;
  readonly streamSid: string;
  readonly timeline: Timeline;
  /** Queues an utterance; resolves once its last frame has been sent. */
  say(utterance: Utterance): Promise<void>;
  /**
   * Resolves once the agent has been heard after this call and has then been quiet for `quietMs`.
   * Audio still playing when the step begins counts as heard: after a backchannel the agent
   * rightly talks on, and its turn ends when that audio does. So does TwiML <Say>/<Play> audio
   * played before the stream opened, until one turn has counted it or the caller has said or sent
   * anything: it is the agent's greeting.
   */
  waitForAgentTurn(options: { quietMs: number; timeoutMs: number }): Promise<void>;
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
  /** Sends `stop`, closes the socket and returns what was recorded. */
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

  const webhook = await postVoiceWebhook(clock, {
    url: options.webhookUrl,
    authToken: options.authToken,
    callSid,
    accountSid,
    from: options.from ?? '+15550100001',
    to: options.to ?? '+15550100002',
  });
  timeline.push({ kind: 'webhook', t: clock.now(), sentAt: webhook.sentAt, status: webhook.status, durationMs: webhook.durationMs });
  if (!webhook.ok) throw new CallEndedError(webhook.error);
  const { twiml } = webhook;
  if (twiml.note !== undefined) timeline.push({ kind: 'twiml_note', t: clock.now(), note: twiml.note });

  // Twilio dials the stream only once the verbs before <Connect> have been played.
  const plainLoopback = options.plainLoopback ?? true;
  const prelude = await playTwimlPrelude(twiml.before, { clock, timeline, baseUrl: options.webhookUrl, plainLoopback });
  if (!prelude.ok) throw new CallEndedError(prelude.error);

  const dialUrl = plainOnLoopback(new URL(twiml.stream.url), plainLoopback);
  const ws = new WebSocket(dialUrl, {
    headers: { 'x-twilio-signature': streamSignature(options.authToken, twiml.stream.url) },
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', (error) => reject(new CallEndedError(`media stream ${dialUrl.href} failed to open: ${error.message}`)));
    ws.once('unexpected-response', (_req, res) =>
      reject(new CallEndedError(`media stream ${dialUrl.href} refused the upgrade: HTTP ${res.statusCode} (Twilio error 31920)`)),
    );
  });
  timeline.push({ kind: 'socket_open', t: clock.now() });

  let sequence = 0;
  let ended = false;
  /** Frames queued to send, each with the number of the utterance it belongs to (0: none). */
  const outgoing: Array<{ frame: Uint8Array; utterance: number }> = [];
  const marker: MarkWriter | undefined = options.markToken === undefined ? undefined : createMarkWriter(options.markToken);
  const frameListeners = new Set<(index: number, sentAt: number) => void>();
  const mediaListeners = new Set<() => void>();
  const endListeners = new Set<(error: Error) => void>();
  /** Binary frames are reported once per stream (as Twilio's 31950); every other invalid message each time. */
  let reportedBinary = false;
  let lastMediaAt = -Infinity;
  /** Playback times of the audible chunks of the stretch of agent audio playing or queued now. */
  const audibleStarts: number[] = [];
  /** End of the TwiML greeting not yet counted by a turn wait; the caller acting forgoes it. */
  let unclaimedTwimlEnd = prelude.audioEnd;

  const send = (message: unknown): void => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  };
  const protocolError = (error: string): void => {
    timeline.push({ kind: 'protocol_error', t: clock.now(), error });
  };

  const playback = createPlaybackModel(clock, (name, cleared) => {
    timeline.push({ kind: 'mark_echo', t: clock.now(), name, cleared });
    send({ event: 'mark', sequenceNumber: String(++sequence), streamSid, mark: { name } });
  });

  const pacer = createFramePacer(clock, (index) => {
    const next = outgoing.shift();
    const frame = next?.frame ?? silenceFrame();
    send(inboundMediaMessage(streamSid, ++sequence, index, marker === undefined ? frame : marker.mark(frame, next?.utterance ?? 0)));
    const sentAt = clock.now();
    for (const listener of frameListeners) listener(index, sentAt);
  });

  const finish = (by: 'caller' | 'agent', code: number): void => {
    if (ended) return;
    ended = true;
    pacer.stop();
    playback.dispose();
    timeline.push({ kind: 'closed', t: clock.now(), by, code });
    const error = new CallEndedError(by === 'agent' ? `the agent closed the media stream (code ${code})` : 'the caller hung up');
    for (const listener of endListeners) listener(error);
  };

  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) {
      if (!reportedBinary) protocolError('binary frame received (Twilio warning 31950)');
      reportedBinary = true;
      return;
    }
    const parsed = parseAgentToTwilio(rawDataToBuffer(data).toString('utf8'));
    if (!parsed.ok) {
      protocolError(`invalid message (Twilio warning 31951): ${parsed.error}`);
      return;
    }
    const message = parsed.value;
    if (message.streamSid !== streamSid) {
      protocolError(`message for streamSid ${message.streamSid}, this stream is ${streamSid} (Twilio warning 31951)`);
      return;
    }
    const now = clock.now();
    switch (message.event) {
      case 'media': {
        const audio = Buffer.from(message.media.payload, 'base64');
        if (audio.subarray(0, 4).toString('latin1') === 'RIFF') protocolError('media payload starts with a WAV header; Twilio plays it as noise');
        // A chunk that arrives to an empty queue starts a new stretch of agent audio.
        if (playback.drainsAt <= now) audibleStarts.length = 0;
        const played = playback.enqueue(audio);
        lastMediaAt = now;
        if (played.audibleFrom !== undefined) audibleStarts.push(played.audibleFrom);
        timeline.push({ kind: 'agent_media', t: now, bytes: audio.length, ...played });
        for (const listener of mediaListeners) listener();
        return;
      }
      case 'mark':
        timeline.push({ kind: 'agent_mark', t: now, name: message.mark.name });
        playback.mark(message.mark.name);
        return;
      case 'clear': {
        audibleStarts.length = 0;
        const droppedMs = playback.clear();
        timeline.push({ kind: 'clear', t: clock.now(), droppedMs });
        return;
      }
    }
  });
  ws.on('close', (code: number) => finish('agent', code));
  ws.on('error', () => finish('agent', 1006));

  send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
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
  timeline.push({ kind: 'start_sent', t: clock.now(), streamSid });
  pacer.start();

  const untilEnded = <T>(body: (resolve: (value: T) => void, reject: (error: Error) => void, cleanup: (fn: () => void) => void) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (ended) {
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
    say(utterance) {
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
            timeline.push({ kind: 'utterance', t: record.t, id: utterance.id, text: utterance.text, firstVoicedAt: record.firstVoicedAt, lastVoicedAt: record.lastVoicedAt, endAt: sentAt });
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
      const heardUntil = (): number => Math.max(playback.drainsAt, lastMediaAt, twimlEnd ?? -Infinity);
      return untilEnded<void>((resolve, reject, cleanup) => {
        let cancel: (() => void) | undefined;
        const deadline = clock.at(since + timeoutMs, () =>
          reject(new Error(`the agent did not finish a turn within ${timeoutMs} ms`)),
        );
        cleanup(deadline);
        cleanup(() => cancel?.());
        const check = (): void => {
          cancel?.();
          if (twimlEnd === undefined && lastMediaAt < since && playback.drainsAt <= since) return;
          const quietAt = heardUntil() + quietMs;
          cancel = clock.at(quietAt, () => {
            if (heardUntil() + quietMs > clock.now() + 0.001) {
              check();
              return;
            }
            if (unclaimedTwimlEnd === twimlEnd) unclaimedTwimlEnd = undefined;
            resolve();
          });
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
          if (from === undefined || (lastMediaAt < since && playback.drainsAt <= since)) return;
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
    async pressDigits(digits, gapMs = 150) {
      unclaimedTwimlEnd = undefined;
      for (const digit of digits) {
        if (ended) throw new CallEndedError('the call has ended');
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
      if (!ended) {
        send({ event: 'stop', sequenceNumber: String(++sequence), stop: { accountSid, callSid }, streamSid });
        timeline.push({ kind: 'stop_sent', t: clock.now() });
        const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
        finish('caller', 1000);
        ws.close(1000);
        await Promise.race([closed, clock.sleep(2000)]);
        if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
      }
      return { callSid, streamSid, timeline, pacing: { framesSent: pacer.framesSent, lateness: pacer.lateness } };
    },
  };
}

