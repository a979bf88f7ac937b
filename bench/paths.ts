/**
 * The per-20-ms-frame hot paths of a simulated call, each as a factory that returns one
 * benchmark operation: a closure that does one frame's work with the harness's own functions and
 * keeps its state (pacer, VAD, recogniser, turn detector) in the closure, so successive calls
 * walk through a conversation the way a real call does. Read each op's latency as the CPU the
 * harness spends on one frame of that path; what each path leaves out is said at its factory.
 */
import { Duplex } from 'node:stream';
import * as wsModule from 'ws';
import { createManualClock } from '../harness/clock.ts';
import { createStreamingVad, decodeRaw, FRAME_MS, silenceFrame, toFrames } from '../harness/audio/index.ts';
import { inboundMediaMessage } from '../harness/caller/media-message.ts';
import { createFramePacer } from '../harness/caller/pacer.ts';
import { createPlaybackModel } from '../harness/caller/playback.ts';
import { parseListenParams, type ListenParams } from '../harness/mocks/deepgram/listen-params.ts';
import { byEnvelope, createRecognizer } from '../harness/mocks/deepgram/recognizer.ts';
import { DEFAULT_SERVER_VAD, vadParams, type AudioFormat } from '../harness/mocks/openai/realtime/session.ts';
import { createTurnDetector, decodeInput, type VadSettings } from '../harness/mocks/openai/realtime/turns.ts';
import type { ConversationScript, RegisteredUtterance } from '../harness/mocks/script.ts';
import { rawDataToBuffer } from '../harness/net/raw-data.ts';
import { parseAgentToTwilio } from '../harness/protocol/twilio.ts';
import { AGENT_DEFAULTS } from '../agent/options.ts';
import { listenQuery } from '../agent/upstream/listen-link.ts';
import { GAP_FRAMES, type Fixture } from './inputs.ts';

/** One benchmark operation: one 20 ms frame of work. */
export type FrameOp = () => void;

/** The options `WebSocket#send` gives ws's frame writer for a text message on a client socket without compression. */
interface SendOptions {
  binary: boolean;
  mask: boolean;
  compress: boolean;
  fin: boolean;
}

/** The part of ws's frame writer (its `Sender` export, which @types/ws does not declare) that `WebSocket#send` calls. */
interface FrameWriter {
  send(data: string, options: SendOptions): void;
}
type FrameWriterConstructor = new (socket: Duplex) => FrameWriter;

function frameWriterClass(): FrameWriterConstructor {
  const sender: unknown = Reflect.get(wsModule, 'Sender');
  if (typeof sender !== 'function') throw new Error("ws no longer exports Sender");
  return sender as FrameWriterConstructor;
}

/** A socket that accepts and drops every write: ws's framing and the stream machinery run, the kernel is never called. */
function discardingSocket(): Duplex {
  return new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      callback();
    },
    writev(_chunks, callback) {
      callback();
    },
  });
}

/**
 * Caller, outbound: the frame pacer's tick (the real `createFramePacer`, on a manual clock moved
 * 20 ms per op) picks the next frame (`toFrames` of the next utterance, `silenceFrame` in the
 * gaps), builds the Twilio `media` message with its base64 payload, `JSON.stringify`s it and hands
 * it to ws's frame writer with the options a client `WebSocket#send` uses (masked, uncompressed),
 * writing into a socket that drops the bytes.
 * Left out: the timer that wakes the pacer, the per-frame listeners of `say`, the write system
 * call and the TCP stack.
 */
export function callerSendFrame(fixtures: readonly Fixture[], streamSid: string): FrameOp {
  const clock = createManualClock();
  const Writer = frameWriterClass();
  const writer = new Writer(discardingSocket());
  const options: SendOptions = { binary: false, mask: true, compress: false, fin: true };
  const outgoing: Uint8Array[] = [];
  let sequence = 0;
  let nextFixture = 0;
  let silentFrames = 0;

  // The pacer callback of harness/caller/call.ts, with ws.send's frame writer in place of ws.send.
  const pacer = createFramePacer(clock, (index) => {
    const frame = outgoing.shift() ?? silenceFrame();
    writer.send(JSON.stringify(inboundMediaMessage(streamSid, ++sequence, index, frame)), options);
  });
  pacer.start();

  return () => {
    // The scenario: after each gap of silence the caller says the next fixture (call.ts `say`).
    if (outgoing.length === 0 && ++silentFrames >= GAP_FRAMES) {
      const fixture = fixtures[nextFixture++ % fixtures.length];
      if (fixture !== undefined) outgoing.push(...toFrames(fixture.audio));
      silentFrames = 0;
    }
    clock.advance(FRAME_MS);
  };
}

/**
 * Caller, inbound: one agent `media` message as the socket delivers it (a Buffer), turned into
 * text (`rawDataToBuffer`), parsed and validated at the edge (`parseAgentToTwilio`, zod), its
 * base64 payload decoded, and queued on the caller's playback model, which decodes the mu-law
 * and finds its audible edges (`createPlaybackModel().enqueue`), as call.ts does per message.
 * Left out: ws's frame parsing and the timeline record.
 */
export function callerReceiveMedia(messages: readonly Buffer[], streamSid: string): FrameOp {
  const clock = createManualClock();
  const playback = createPlaybackModel(clock, () => undefined);
  let next = 0;
  return () => {
    const data = messages[next++ % messages.length];
    if (data === undefined) throw new Error('no agent messages');
    const parsed = parseAgentToTwilio(rawDataToBuffer(data).toString('utf8'));
    if (!parsed.ok || parsed.value.event !== 'media' || parsed.value.streamSid !== streamSid) throw new Error('unexpected agent message');
    playback.enqueue(Buffer.from(parsed.value.media.payload, 'base64'));
    clock.advance(FRAME_MS);
  };
}

/** The listen parameters the reference agent asks Deepgram for (mu-law 8 kHz, interim results, endpointing 300 ms, …). */
export function referenceListenParams(): ListenParams {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(listenQuery(AGENT_DEFAULTS.sttModel))) query.set(name, String(value));
  const parsed = parseListenParams(query);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

/**
 * Mock Deepgram listen: one binary frame of caller audio decoded (`decodeRaw`), pushed through
 * the streaming VAD (`createStreamingVad`, 10 ms windows) and the recogniser (`createRecognizer`,
 * which asks `script.match` every 50 ms until it knows the utterance), as listen.ts feeds them.
 * Left out: the sha256 of the audio, the idle timer, building and sending results, the journal.
 */
export function deepgramListenFrame(frames: readonly Buffer[], script: ConversationScript, params: ListenParams): FrameOp {
  const vad = createStreamingVad(params.sampleRate, { windowMs: 10 });
  const recognizer = createRecognizer(params, byEnvelope(script));
  let next = 0;
  return () => {
    const bytes = frames[next++ % frames.length];
    if (bytes === undefined) throw new Error('no caller frames');
    recognizer.push(vad.push(decodeRaw(bytes, params.encoding)));
  };
}

/** The reference agent's Realtime session input: G.711 mu-law, server VAD with its `--vad-silence-ms` default. */
export const REALTIME_INPUT: Readonly<AudioFormat> = { type: 'audio/pcmu' };

/** The reference agent's server-VAD settings as the mock reads them. */
export function referenceVadSettings(): VadSettings {
  return vadParams({ ...DEFAULT_SERVER_VAD, silence_duration_ms: AGENT_DEFAULTS.realtime.silenceDurationMs });
}

/**
 * Mock OpenAI Realtime input: 160 bytes of appended mu-law decoded (`decodeInput`) and pushed
 * into the server-VAD turn detector (`createTurnDetector`), as connection.ts does per append.
 * Left out: the JSON parse and base64 decode of `input_audio_buffer.append`, and the journal.
 */
export function realtimeInputFrame(frames: readonly Buffer[], script: ConversationScript): FrameOp {
  const detector = createTurnDetector(8000, byEnvelope(script), referenceVadSettings());
  let next = 0;
  return () => {
    const bytes = frames[next++ % frames.length];
    if (bytes === undefined) throw new Error('no caller frames');
    detector.push(decodeInput(bytes, REALTIME_INPUT));
  };
}

/**
 * The conversation script's envelope match with every fixture registered, on the envelopes the
 * mocks really pass it (recorded by `recordMatches`), in the order they did.
 */
export function scriptMatch(envelopes: readonly (readonly number[])[], script: ConversationScript): FrameOp {
  let next = 0;
  return () => {
    const envelope = envelopes[next++ % envelopes.length];
    if (envelope === undefined) throw new Error('no envelopes');
    script.match(envelope);
  };
}

/** What one pass over the conversation asked of `script.match`. */
export interface MatchRecord {
  /** Calls of `match` in the pass. */
  calls: number;
  /** The envelope of each call, copied. */
  envelopes: number[][];
  /** The distinct utterances recognised. */
  recognised: Set<string>;
  /** Seconds of audio in the pass. */
  seconds: number;
}

/** A script that forwards to `script` and records every `match` call in `record`. */
function recordingScript(script: ConversationScript, record: MatchRecord): ConversationScript {
  return {
    ...script,
    match(envelope) {
      record.calls++;
      record.envelopes.push(Array.from(envelope));
      const found: RegisteredUtterance | undefined = script.match(envelope);
      if (found !== undefined) record.recognised.add(found.id);
      return found;
    },
  };
}

/**
 * Runs one untimed pass of the conversation through a fresh copy of each mock path and records
 * how it used `match`: how often (to charge the match's cost per call-second) and on which
 * envelopes (the inputs of the match benchmark).
 */
export function recordMatches(frames: readonly Buffer[], script: ConversationScript, params: ListenParams): { deepgram: MatchRecord; realtime: MatchRecord } {
  const seconds = (frames.length * FRAME_MS) / 1000;
  const deepgram: MatchRecord = { calls: 0, envelopes: [], recognised: new Set(), seconds };
  const realtime: MatchRecord = { calls: 0, envelopes: [], recognised: new Set(), seconds };
  const listen = deepgramListenFrame(frames, recordingScript(script, deepgram), params);
  const input = realtimeInputFrame(frames, recordingScript(script, realtime));
  for (let k = 0; k < frames.length; k++) {
    listen();
    input();
  }
  return { deepgram, realtime };
}
