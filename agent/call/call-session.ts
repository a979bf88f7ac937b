/**
 * One call: the state behind one Twilio media-stream socket, and nothing shared with any other.
 *
 * awaiting_start ──start──▶ live ──stop / socket closed / upstream failed / agent closing──▶ ended
 *
 * Every frame is parsed once, here at the edge; a malformed or unexpected frame is logged and the
 * call goes on. Nothing goes to Twilio before `start`, and everything after carries its streamSid.
 */
import { assertNever, parseTwilioToAgent, type ListenServerMessage, type TwilioStart } from '../../harness/protocol/index.ts';
import type { BargeInTrigger, CallEndReason, ReplyTrigger } from '../log-events.ts';
import { createCallLogger, describeError, type AgentLogger, type CallLogger } from '../logger.ts';
import type { ResolvedAgentOptions } from '../options.ts';
import { startReplyRun, type ReplyRun } from '../reply/reply-run.ts';
import type { SpeechChannel } from '../reply/speech-channel.ts';
import type { Speech } from '../reply/speech.ts';
import { createTextSegmenter, effectiveTextMode } from '../reply/text-segmenter.ts';
import { createChatStreamer, type ChatStreamer } from '../upstream/chat-stream.ts';
import { createUpstreamClients } from '../upstream/upstream-clients.ts';
import type { AudioOut } from './audio-out.ts';
import { createCallSpeech } from './call-speech.ts';
import { createCallUpstreams, type CallUpstreams } from './call-upstreams.ts';
import { createConversation, type Conversation } from './conversation.ts';
import { createPlaybackTracker, type PlaybackTracker } from './playback-tracker.ts';
import { createTurnDetector, type TurnDetector } from './turn-detector.ts';
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
  upstreams: CallUpstreams;
  speech: Speech;
  /** The WebSocket TTS channel (undefined with REST TTS). */
  wsSpeech: SpeechChannel | undefined;
  out: AudioOut;
  chat: ChatStreamer;
}

export function createCallSession(deps: CallSessionDeps): CallSession {
  const { socket, options } = deps;
  const { clock } = options;
  const log: CallLogger = createCallLogger(deps.logger);
  const playback: PlaybackTracker = createPlaybackTracker();
  const turns: TurnDetector = createTurnDetector();
  const conversation: Conversation = createConversation(options.systemPrompt);
  let phase: 'awaiting_start' | 'live' | 'ended' = 'awaiting_start';
  let call: LiveCall | undefined;
  let reply: ReplyRun | undefined;
  let turnCount = 0;
  let ending: Promise<void> | undefined;

  function onStart(message: TwilioStart): void {
    if (phase !== 'awaiting_start') {
      log.warn('twilio.duplicate_start', `ignoring a second start (streamSid ${message.start.streamSid}) on this stream`);
      return;
    }
    phase = 'live';
    const { callSid, streamSid } = message.start;
    log.setCallSid(callSid);
    log.emit({ type: 'call.start', streamSid });
    const clients = createUpstreamClients(options, callSid);
    const twilio = createTwilioOut(socket, streamSid);
    const upstreams = createCallUpstreams(clients.deepgram, options, log, {
      listenMessage: onListenMessage,
      speakAudio: (audio) => call?.wsSpeech?.audio(audio),
      speakControl: (control) => call?.wsSpeech?.control(control),
      speakReplaced() {
        call?.wsSpeech?.reset();
        cancelReply();
      },
      failed: (reason) => fail(reason),
    });
    const { speech, ws, out } = createCallSpeech({ options, deepgram: clients.deepgram, tts: upstreams.tts, twilio, playback, log });
    const chat = createChatStreamer({ client: clients.openai, model: options.llmModel, clock, idleTimeoutMs: options.tuning.llmIdleTimeoutMs });
    call = { streamSid, startedAt: clock.now(), twilio, upstreams, speech, wsSpeech: ws, out, chat };
    upstreams.start().then(
      () => log.guard('speaking the greeting', speakGreeting),
      (error: unknown) => fail(describeError(error)),
    );
  }

  function speakGreeting(): void {
    if (phase !== 'live' || call === undefined || options.greeting === '') return;
    call.speech.say(0, { text: options.greeting, flush: true });
    conversation.addAssistant(options.greeting);
  }

  function onListenMessage(message: ListenServerMessage): void {
    if (phase !== 'live') return;
    for (const decision of turns.handle(message, { agentSpeaking: playback.isSpeaking() })) {
      switch (decision.kind) {
        case 'barge_in':
          bargeIn(decision.trigger);
          break;
        case 'reply':
          startReply(decision.transcript, decision.trigger);
          break;
        default:
          assertNever(decision);
      }
    }
  }

  /** Stops whatever the agent is saying or preparing to say. */
  function interrupt(): void {
    if (call === undefined) return;
    if (playback.isSpeaking()) {
      call.twilio.clear();
      playback.cleared();
    }
    cancelReply();
    call.speech.cancel();
  }

  function bargeIn(trigger: BargeInTrigger): void {
    if (call === undefined || !playback.isSpeaking()) return;
    const turn = call.speech.lastAudioTurn ?? reply?.turn ?? turnCount;
    interrupt();
    log.emit({ type: 'bargein', turn, trigger });
  }

  function cancelReply(): void {
    reply?.cancel();
    reply = undefined;
  }

  function startReply(transcript: string, trigger: ReplyTrigger): void {
    if (call === undefined) return;
    const live = call;
    turnCount += 1;
    const turn = turnCount;
    log.emit({ type: 'stt.final', turn, trigger, transcript });
    // A new utterance supersedes anything still being prepared or played.
    if (reply?.active === true || live.speech.busy || live.out.pending || playback.isSpeaking()) interrupt();
    conversation.addUser(transcript);
    reply = startReplyRun({
      turn,
      messages: conversation.messages(),
      model: options.llmModel,
      chat: live.chat,
      segmenter: createTextSegmenter(effectiveTextMode(options.reply)),
      say: (sayTurn, segment) => live.speech.say(sayTurn, segment),
      log,
      fallbackReply: options.fallbackReply,
      onSettled: (spokenText) => conversation.addAssistant(spokenText),
    });
  }

  function onMark(name: string): void {
    if (playback.markEchoed(name) === 'unknown') log.warn('twilio.unknown_mark', `mark '${name}' was never sent on this stream`);
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
        call.upstreams.sendAudio(Buffer.from(message.media.payload, 'base64'));
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
    cancelReply();
    wasLive?.twilio.seal();
    wasLive?.speech.dispose();
    wasLive?.out.dispose();
    // Hang up first: the caller must not wait on the upstreams' graceful close.
    if (socket.isOpen) socket.close(reason === 'upstream_failed' ? 1011 : 1000, reason);
    ending = (async () => {
      if (wasLive !== undefined) {
        try {
          await wasLive.upstreams.close();
        } catch (error) {
          log.error('internal', `closing upstreams failed: ${describeError(error)}`);
        }
        log.emit({
          type: 'call.end',
          streamSid: wasLive.streamSid,
          reason,
          turns: turnCount,
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
