/**
 * One call: the state behind one Twilio media-stream socket, and nothing shared with any other.
 *
 * awaiting_start ──start──▶ live ──stop / socket closed / upstream failed / agent closing──▶ ended
 *
 * Every frame is parsed once, here at the edge; a malformed or unexpected frame is logged and the
 * call goes on. Nothing goes to Twilio before `start`, and everything after carries its streamSid.
 */
import { assertNever, parseTwilioToAgent, type TwilioStart } from '../../harness/protocol/index.ts';
import type { CallEndReason } from '../log-events.ts';
import { createCallLogger, describeError, type AgentLogger, type CallLogger } from '../logger.ts';
import type { ResolvedAgentOptions } from '../options.ts';
import { createRealtimePipeline } from '../realtime/realtime-pipeline.ts';
import { createCascadedPipeline } from './cascaded-pipeline.ts';
import type { CallPipeline } from './call-pipeline.ts';
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

  function onStart(message: TwilioStart): void {
    if (phase !== 'awaiting_start') {
      log.warn('twilio.duplicate_start', `ignoring a second start (streamSid ${message.start.streamSid}) on this stream`);
      return;
    }
    phase = 'live';
    const { callSid, streamSid } = message.start;
    log.setCallSid(callSid);
    log.emit({ type: 'call.start', streamSid, mode: options.mode });
    const twilio = createTwilioOut(socket, streamSid);
    const pipelineDeps = { options, log, callSid, twilio, playback, fail };
    const pipeline = options.mode === 'realtime' ? createRealtimePipeline(pipelineDeps) : createCascadedPipeline(pipelineDeps);
    call = { streamSid, startedAt: clock.now(), twilio, pipeline };
    pipeline.start().catch((error: unknown) => fail(describeError(error)));
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
        if (call === undefined) {
          log.warn('twilio.before_start', 'media before start ignored');
          return;
        }
        if (message.streamSid !== call.streamSid) {
          log.warn('twilio.wrong_stream', `media for streamSid ${message.streamSid} ignored; this stream is ${call.streamSid}`);
          return;
        }
        if (message.media.track !== 'inbound') return;
        call.pipeline.callerAudio(message.media.payload);
        return;
      case 'mark':
        onMark(message.mark.name);
        return;
      case 'dtmf':
        return;
      case 'stop':
        void end('stop');
        return;
      default:
        assertNever(message);
    }
  }

  function end(reason: CallEndReason): Promise<void> {
    if (ending !== undefined) return ending;
    const wasLive = call;
    phase = 'ended';
    wasLive?.twilio.seal();
    wasLive?.pipeline.stop();
    // Hang up first: the caller must not wait on the upstreams' graceful close.
    if (socket.isOpen) socket.close(reason === 'upstream_failed' ? 1011 : 1000, reason);
    ending = (async () => {
      if (wasLive !== undefined) {
        await wasLive.pipeline.close();
        log.emit({
          type: 'call.end',
          streamSid: wasLive.streamSid,
          reason,
          turns: wasLive.pipeline.turns,
          durationMs: clock.now() - wasLive.startedAt,
          suppressedWarnings: log.suppressedWarnings,
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
