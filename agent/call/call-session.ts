/**
 * One call: the state behind one Twilio media-stream socket, and nothing shared with any other.
 *
 * awaiting_start ──start──▶ live ──stop / socket closed / upstream failed / agent closing──▶ ended
 *        └──────── no start within tuning.startTimeoutMs (closed 1008) ─────────────────────▶ ended
 *
 * Every frame is parsed once, here at the edge; a malformed or unexpected frame is logged and the
 * call goes on. Nothing goes to Twilio before `start`, and everything after carries its streamSid;
 * a `media` or `stop` for another streamSid is ignored. A media payload that decodes to no audio
 * is counted and dropped here: an empty binary frame is Deepgram's old close signal, so it must
 * never reach an upstream. If the agent's own code throws while handling a frame, this call is
 * hung up (1011); the failure stays inside it.
 */
import { assertNever, parseTwilioToAgent, type TwilioStart } from '../../harness/protocol/index.ts';
import type { CallEndReason } from '../log-events.ts';
import { createCallLogger, describeError, type AgentLogger, type CallLogger } from '../logger.ts';
import type { ResolvedAgentOptions } from '../options.ts';
import { createRealtimePipeline } from '../realtime/realtime-pipeline.ts';
import { createCascadedPipeline } from './cascaded-pipeline.ts';
import type { CallPipeline, CallPipelineDeps } from './call-pipeline.ts';
import { createPlaybackTracker, type PlaybackTracker } from './playback-tracker.ts';
import { createTwilioOut, type TwilioOut, type TwilioSocket } from './twilio-out.ts';

export interface CallSession {
  /** A text frame from Twilio. */
  receiveText(text: string): void;
  /** A binary frame from Twilio (Twilio never sends one). */
  receiveBinary(): void;
  /** The Twilio socket closed. */
  socketClosed(): void;
  /** Ends the call: every upstream closed, every timer cleared. Idempotent. */
  end(reason: CallEndReason): Promise<void>;
}

export interface CallSessionDeps {
  socket: TwilioSocket;
  options: ResolvedAgentOptions;
  logger: AgentLogger;
  /** Called once the call has ended and released everything. */
  onEnded(): void;
  /** Builds the call's pipeline at `start`; by default the one `options.mode` names. */
  createPipeline?: (deps: CallPipelineDeps) => CallPipeline;
}

/** The socket close code for each way a call can end. */
const CLOSE_CODES: Readonly<Record<CallEndReason, number>> = {
  stop: 1000,
  twilio_closed: 1000,
  agent_closed: 1000,
  upstream_failed: 1011,
  agent_error: 1011,
  no_start: 1008,
};

/**
 * What a CallSid must look like to be used: it goes into every upstream request as an HTTP header
 * value and keys every log event, so only visible ASCII (Twilio's are `CA` + 32 hex digits).
 */
const USABLE_CALL_SID = /^[\x21-\x7e]{1,64}$/;

function defaultPipeline(deps: CallPipelineDeps): CallPipeline {
  return deps.options.mode === 'realtime' ? createRealtimePipeline(deps) : createCascadedPipeline(deps);
}

/** Everything that exists only once `start` has arrived. */
interface LiveCall {
  streamSid: string;
  startedAt: number;
  twilio: TwilioOut;
  pipeline: CallPipeline;
}

export function createCallSession(deps: CallSessionDeps): CallSession {
  const { socket, options } = deps;
  const { clock } = options;
  const log: CallLogger = createCallLogger(deps.logger);
  const playback: PlaybackTracker = createPlaybackTracker();
  let phase: 'awaiting_start' | 'live' | 'ended' = 'awaiting_start';
  let call: LiveCall | undefined;
  let ending: Promise<void> | undefined;
  let emptyMediaFrames = 0;
  const createPipeline = deps.createPipeline ?? defaultPipeline;
  const { startTimeoutMs } = options.tuning;
  // A socket that never says `start` is no call: without a bound it would be held forever.
  const cancelStartTimer =
    startTimeoutMs > 0
      ? clock.at(clock.now() + startTimeoutMs, () => {
          if (phase !== 'awaiting_start') return;
          log.warn('twilio.no_start', `no start within ${startTimeoutMs} ms of the upgrade; closing the socket`);
          void end('no_start');
        })
      : () => {};

  function onStart(message: TwilioStart): void {
    if (phase !== 'awaiting_start') {
      log.warn('twilio.duplicate_start', `ignoring a second start (streamSid ${message.start.streamSid}) on this stream`);
      return;
    }
    const { callSid, streamSid } = message.start;
    if (!USABLE_CALL_SID.test(callSid)) {
      log.warn('twilio.invalid_start', `start ignored: its callSid ${JSON.stringify(callSid.slice(0, 80))} is not 1-64 visible ASCII characters`);
      return;
    }
    phase = 'live';
    cancelStartTimer();
    log.setCallSid(callSid);
    log.emit({ type: 'call.start', streamSid, mode: options.mode });
    const twilio = createTwilioOut(socket, streamSid);
    const pipeline = createPipeline({ options, log, callSid, twilio, playback, fail });
    call = { streamSid, startedAt: clock.now(), twilio, pipeline };
    pipeline.start().catch((error: unknown) => fail(describeError(error)));
  }

  function onMedia(streamSid: string, track: string, payload: string): void {
    if (call === undefined) {
      log.warn('twilio.before_start', 'media before start ignored');
      return;
    }
    if (streamSid !== call.streamSid) {
      log.warn('twilio.wrong_stream', `media for streamSid ${streamSid} ignored; this stream is ${call.streamSid}`);
      return;
    }
    if (track !== 'inbound') return;
    // Invalid base64 decodes to whatever valid prefix it has, often nothing.
    const audio = Buffer.from(payload, 'base64');
    if (audio.byteLength === 0) {
      emptyMediaFrames += 1;
      if (emptyMediaFrames === 1) log.warn('twilio.empty_media', 'media whose payload decodes to no audio ignored (counted in call.end; logged once per call)');
      return;
    }
    call.pipeline.callerAudio(audio);
  }

  function onStop(streamSid: string): void {
    if (call !== undefined && streamSid !== call.streamSid) {
      log.warn('twilio.wrong_stream', `stop for streamSid ${streamSid} ignored; this stream is ${call.streamSid}`);
      return;
    }
    void end('stop');
  }

  function onMark(name: string): void {
    const echo = playback.markEchoed(name);
    if (echo === 'unknown') log.warn('twilio.unknown_mark', `mark '${name}' was never sent on this stream`);
    else call?.pipeline.markEchoed(name, echo);
  }

  function fail(reason: string): void {
    if (phase === 'ended') return;
    log.error('upstream.failed', `${reason}; hanging up`);
    void end('upstream_failed');
  }

  function receiveText(text: string): void {
    if (phase === 'ended') return;
    try {
      dispatch(text);
    } catch (error) {
      log.error('internal', `handling a Twilio ${frameKind(text)} frame failed: ${describeError(error)}; hanging up this call`);
      void end('agent_error');
    }
  }

  function dispatch(text: string): void {
    const parsed = parseTwilioToAgent(text);
    if (!parsed.ok) {
      log.warn('twilio.invalid_message', `invalid Twilio message ignored: ${parsed.error}`);
      return;
    }
    const message = parsed.value;
    switch (message.event) {
      case 'connected':
        return;
      case 'start':
        onStart(message);
        return;
      case 'media':
        onMedia(message.streamSid, message.media.track, message.media.payload);
        return;
      case 'mark':
        onMark(message.mark.name);
        return;
      case 'dtmf':
        return;
      case 'stop':
        onStop(message.streamSid);
        return;
      default:
        assertNever(message);
    }
  }

  function end(reason: CallEndReason): Promise<void> {
    if (ending !== undefined) return ending;
    const wasLive = call;
    phase = 'ended';
    cancelStartTimer();
    wasLive?.twilio.seal();
    // Whatever fails from here on, the socket is closed and onEnded runs: the call is released.
    log.guard('stopping the pipeline', () => wasLive?.pipeline.stop());
    // Hang up first: the caller must not wait on the upstreams' graceful close.
    log.guard('closing the Twilio socket', () => {
      if (socket.isOpen) socket.close(CLOSE_CODES[reason], reason);
    });
    ending = (async () => {
      if (wasLive !== undefined) {
        await wasLive.pipeline.close().catch((error: unknown) => log.error('internal', `closing the pipeline failed: ${describeError(error)}`));
        log.emit({
          type: 'call.end',
          streamSid: wasLive.streamSid,
          reason,
          turns: wasLive.pipeline.turns,
          durationMs: clock.now() - wasLive.startedAt,
          suppressedWarnings: log.suppressedWarnings,
          emptyMediaFrames,
        });
      }
      deps.onEnded();
    })();
    return ending;
  }

  return {
    receiveText,
    receiveBinary() {
      if (phase !== 'ended') log.warn('twilio.binary_frame', 'binary frame ignored (Twilio sends JSON text frames only)');
    },
    socketClosed() {
      void end('twilio_closed');
    },
    end,
  };
}

/** The `event` of a frame, for error messages, without trusting it. */
function frameKind(text: string): string {
  const match = /"event"\s*:\s*"([a-z_]{1,20})"/.exec(text);
  return match?.[1] ?? 'unparsed';
}
