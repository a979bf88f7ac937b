/**
 * The cascaded pipeline of one call: Deepgram listen decides when the caller has finished (or
 * barged in), OpenAI chat writes the reply, Deepgram speak (WebSocket or REST) voices it, and the
 * audio goes to Twilio directly or through the poll queue, as the reply options say.
 */
import { assertNever, type ListenServerMessage } from '../../harness/protocol/index.ts';
import type { BargeInTrigger, ReplyTrigger } from '../log-events.ts';
import { describeError } from '../logger.ts';
import { startReplyRun, type ReplyRun } from '../reply/reply-run.ts';
import { createTextSegmenter, effectiveTextMode } from '../reply/text-segmenter.ts';
import { createChatStreamer } from '../upstream/chat-stream.ts';
import { createUpstreamClients } from '../upstream/upstream-clients.ts';
import { createCallSpeech } from './call-speech.ts';
import type { CallPipeline, CallPipelineDeps } from './call-pipeline.ts';
import { createCallUpstreams } from './call-upstreams.ts';
import { createConversation } from './conversation.ts';
import { createTurnDetector } from './turn-detector.ts';

export function createCascadedPipeline(deps: CallPipelineDeps): CallPipeline {
  const { options, log, twilio, playback, fail } = deps;
  const { clock } = options;
  const turns = createTurnDetector(options.bargeIn);
  const conversation = createConversation(options.systemPrompt);
  const clients = createUpstreamClients(options, deps.callSid);
  let stopped = false;
  let reply: ReplyRun | undefined;
  let turnCount = 0;

  const upstreams = createCallUpstreams(clients.deepgram, options, log, {
    listenMessage: onListenMessage,
    speakAudio: (audio) => ws?.audio(audio),
    speakControl: (control) => ws?.control(control),
    speakReplaced() {
      // The reply goes on: the unfinished speech is spoken again on the new socket.
      ws?.reset();
    },
    failed: (reason) => fail(reason),
  });
  const { speech, ws, out } = createCallSpeech({ options, deepgram: clients.deepgram, tts: upstreams.tts, twilio, playback, log });
  const chat = createChatStreamer({ client: clients.openai, model: options.llmModel, clock, idleTimeoutMs: options.tuning.llmIdleTimeoutMs });

  function speakGreeting(): void {
    if (stopped || options.greeting === '') return;
    speech.say(0, { text: options.greeting, flush: true });
    conversation.addAssistant(options.greeting);
  }

  function onListenMessage(message: ListenServerMessage): void {
    if (stopped) return;
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
    if (playback.isSpeaking()) {
      twilio.clear();
      playback.cleared();
    }
    cancelReply();
    speech.cancel();
  }

  function bargeIn(trigger: BargeInTrigger): void {
    if (!playback.isSpeaking()) return;
    const turn = speech.lastAudioTurn ?? reply?.turn ?? turnCount;
    interrupt();
    log.emit({ type: 'bargein', turn, trigger });
  }

  function cancelReply(): void {
    reply?.cancel();
    reply = undefined;
  }

  function startReply(transcript: string, trigger: ReplyTrigger): void {
    turnCount += 1;
    const turn = turnCount;
    log.emit({ type: 'stt.final', turn, trigger, transcript });
    // A new utterance supersedes anything still being prepared or played.
    if (reply?.active === true || speech.busy || out.pending || playback.isSpeaking()) interrupt();
    conversation.addUser(transcript);
    reply = startReplyRun({
      turn,
      messages: conversation.messages(),
      model: options.llmModel,
      chat,
      segmenter: createTextSegmenter(effectiveTextMode(options.reply)),
      say: (sayTurn, segment) => speech.say(sayTurn, segment),
      log,
      fallbackReply: options.fallbackReply,
      onSettled: (spokenText) => conversation.addAssistant(spokenText),
      ...(options.tuning.replyDelayMs > 0 ? { delay: { ms: options.tuning.replyDelayMs, sleep: (ms: number, signal: AbortSignal) => clock.sleep(ms, signal) } } : {}),
    });
  }

  return {
    async start() {
      await upstreams.start();
      log.guard('speaking the greeting', speakGreeting);
    },
    callerAudio(audio) {
      upstreams.sendAudio(audio);
    },
    markEchoed() {},
    get turns() {
      return turnCount;
    },
    stop() {
      stopped = true;
      cancelReply();
      speech.dispose();
      out.dispose();
    },
    async close() {
      try {
        await upstreams.close();
      } catch (error) {
        log.error('internal', `closing upstreams failed: ${describeError(error)}`);
      }
    },
  };
}
