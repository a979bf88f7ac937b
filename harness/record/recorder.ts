/**
 * What the capture proxies (twilio-proxy.ts, upstream-proxy.ts) tell, assembled into one capture
 * per call. The Twilio side begins a call at its webhook and ends it when the media stream closes;
 * each upstream connection is given to the call that is live when the agent opens it (agents open
 * their upstream sockets once Twilio connects), or, opened while none is, to the next call to begin
 * (an agent that keeps a connection ready between calls). A connection opened while several calls
 * are live goes to the newest, and both captures say `overlapped`: record one call at a time.
 *
 * A finished call is written once every upstream connection it holds has closed, or GRACE_MS after
 * its stream closed, whichever is first; close() writes whatever is left.
 *
 * Lines are kept with absolute clock times and moved to the call's origin (the `start` forwarded)
 * when the capture is written. Nothing reaches the recorder unredacted: the proxies redact first.
 */
import type { Clock } from '../clock.ts';
import { createPlaybackModel, type PlaybackModel } from '../caller/playback.ts';
import type { TimelineEvent } from '../caller/timeline.ts';
import { heardChunks } from '../report/call-wav.ts';
import type { CallerScript, CaptureManifest, CaptureService, TwilioLine, UpstreamLine } from './capture-format.ts';
import { writeCapture } from './capture-writer.ts';

/** How long after its stream closed a call waits for its upstream connections to close before it is written anyway. */
export const GRACE_MS = 2000;
const BYTES_PER_MS = 8;
const MULAW_SILENCE = 0xff;

type Omit_t<T> = T extends unknown ? Omit<T, 't'> : never;
export type TwilioInput = Omit_t<TwilioLine>;
export type UpstreamInput = Omit_t<UpstreamLine>;

export interface RecordedCall {
  callSid: string;
  dir: string;
  manifest: CaptureManifest;
}

export interface RecorderOptions {
  clock: Clock;
  /** Where a call's capture goes. */
  dirFor(callSid: string, index: number): string;
  upstream: CaptureManifest['upstream'];
  callbenchVersion: string;
  /** Told each capture written (or the error writing it). */
  onWritten?: (call: RecordedCall) => void;
  onError?: (callSid: string, error: Error) => void;
  graceMs?: number;
  /**
   * Callbench's own caller places the calls and annotate()s each with its script once the call
   * has ended: a finished call then also waits for its script before it is written (close() writes
   * it regardless). Without this a call whose connections closed before the run's call-ended event
   * was written without its script, and its replay fell back to finding the utterances by VAD.
   */
  scripted?: boolean;
}

export interface CallTap {
  readonly callSid: string;
  /** Records a line at `at` (default now). */
  twilio(line: TwilioInput, at?: number): void;
  /** The stream's `start` is being forwarded: the capture's time origin, returned. */
  started(streamSid: string | null): number;
  /** A caller `media` payload: appended to caller.wav; returns its offset there in ms. */
  callerAudio(bytes: Uint8Array): number;
  /** An agent `media` payload: played through the playback model; returns when it plays. */
  agentAudio(bytes: Uint8Array): { playStart: number; playEnd: number };
  /** The agent's `clear`: what is queued is dropped. */
  clear(): void;
  streamUrl(url: string): void;
  /** The media stream closed (or the call ended without one). */
  end(): void;
}

export interface Recorder {
  beginCall(callSid: string, webhookPath: string): CallTap;
  /** A new upstream connection; returns its id in upstream.jsonl. */
  openUpstream(service: CaptureService): string;
  upstream(line: UpstreamInput): void;
  /** The connection has closed on both sides: a finished call may be written once all of its have. */
  closeUpstream(conn: string): void;
  /** What the caller said and expected (callbench's own caller), for the call's capture.json. */
  annotate(callSid: string, script: CallerScript): void;
  /** Writes every call not written yet; resolves once all are on disk. */
  close(): Promise<RecordedCall[]>;
  readonly written: readonly RecordedCall[];
}

interface CallState {
  callSid: string;
  index: number;
  webhookPath: string;
  beganAt: number;
  origin: number | undefined;
  streamSid: string | null;
  streamUrl: string | null;
  endedAt: number | undefined;
  twilio: Array<{ at: number; line: TwilioInput }>;
  caller: Uint8Array[];
  callerBytes: number;
  agent: Uint8Array[];
  playback: PlaybackModel;
  /** The agent's audio and clears as timeline events, for the heard-audio render (harness/report/call-wav.ts). */
  heard: TimelineEvent[];
  conns: Set<string>;
  overlapped: boolean;
  script: CallerScript | undefined;
  writing: Promise<void> | undefined;
  cancelGrace: (() => void) | undefined;
  /** GRACE_MS have passed since the stream closed: the call is written without waiting for its connections. */
  graceOver: boolean;
}

export function createRecorder(options: RecorderOptions): Recorder {
  const { clock } = options;
  const calls: CallState[] = [];
  const lines: Array<{ at: number; line: UpstreamInput }> = [];
  const serviceOf = new Map<string, CaptureService>();
  const ownerOf = new Map<string, CallState>();
  const unowned: string[] = [];
  const openConns = new Set<string>();
  const written: RecordedCall[] = [];
  let nextConn = 0;

  const live = (): CallState[] => calls.filter((c) => c.endedAt === undefined);

  const render = (call: CallState, origin: number): Uint8Array => {
    const chunks = heardChunks(call.heard).filter((c) => c.samples > 0);
    let length = 0;
    for (const chunk of chunks) length = Math.max(length, Math.round((chunk.playStart - origin) * BYTES_PER_MS) + chunk.samples);
    const out = new Uint8Array(Math.max(0, length)).fill(MULAW_SILENCE);
    for (const chunk of chunks) {
      const bytes = call.agent[chunk.index];
      if (bytes === undefined) continue;
      const offset = Math.round((chunk.playStart - origin) * BYTES_PER_MS);
      for (let i = 0; i < chunk.samples; i++) if (offset + i >= 0 && offset + i < out.length) out[offset + i] = bytes[i] ?? MULAW_SILENCE;
    }
    return out;
  };

  const write = (call: CallState): Promise<void> => {
    call.writing ??= (async () => {
      call.cancelGrace?.();
      const origin = call.origin ?? call.beganAt;
      const endedAt = call.endedAt ?? clock.now();
      const callerAudio = new Uint8Array(call.callerBytes);
      let offset = 0;
      for (const chunk of call.caller) {
        callerAudio.set(chunk, offset);
        offset += chunk.length;
      }
      const agentAudio = render(call, origin);
      const upstream = lines.filter((l) => ownerOf.get(l.line.conn) === call).map((l) => ({ t: round(l.at - origin), ...l.line }) as UpstreamLine);
      const services = new Set<CaptureManifest['services'][number]>(['twilio']);
      for (const conn of call.conns) {
        const service = serviceOf.get(conn);
        if (service !== undefined) services.add(service);
      }
      const dir = options.dirFor(call.callSid, call.index);
      try {
        const manifest = await writeCapture(dir, {
          manifest: {
            createdAt: new Date().toISOString(),
            callbench: options.callbenchVersion,
            call: { callSid: call.callSid, streamSid: call.streamSid, webhookPath: call.webhookPath, streamUrl: call.streamUrl },
            services: [...services],
            durations: {
              callMs: round(endedAt - call.beganAt),
              streamMs: round(call.origin === undefined ? 0 : endedAt - call.origin),
              callerAudioMs: callerAudio.length / BYTES_PER_MS,
              agentAudioMs: agentAudio.length / BYTES_PER_MS,
            },
            upstream: options.upstream,
            overlapped: call.overlapped,
            ...(call.script === undefined ? {} : { caller: call.script }),
          },
          callerAudio,
          agentAudio,
          twilio: call.twilio.map((l) => ({ t: round(l.at - origin), ...l.line }) as TwilioLine),
          upstream,
        });
        const recorded = { callSid: call.callSid, dir, manifest };
        written.push(recorded);
        options.onWritten?.(recorded);
      } catch (error) {
        options.onError?.(call.callSid, error instanceof Error ? error : new Error(String(error)));
      }
    })();
    return call.writing;
  };

  /** A finished call whose connections have all closed (or whose grace is over), and that has its script if one is due, is written now. */
  const settle = (call: CallState): void => {
    if (call.endedAt === undefined || call.writing !== undefined) return;
    if (options.scripted === true && call.script === undefined) return;
    if (call.graceOver || [...call.conns].every((conn) => !openConns.has(conn))) void write(call);
  };

  const assign = (conn: string, call: CallState): void => {
    ownerOf.set(conn, call);
    call.conns.add(conn);
  };

  return {
    written,
    beginCall(callSid, webhookPath) {
      const others = live();
      const call: CallState = {
        callSid,
        index: calls.length,
        webhookPath,
        beganAt: clock.now(),
        origin: undefined,
        streamSid: null,
        streamUrl: null,
        endedAt: undefined,
        twilio: [],
        caller: [],
        callerBytes: 0,
        agent: [],
        // Marks are echoed by Twilio itself: the model is only asked when the audio plays.
        playback: createPlaybackModel(clock, () => undefined),
        heard: [],
        conns: new Set(),
        overlapped: others.length > 0,
        script: undefined,
        writing: undefined,
        cancelGrace: undefined,
        graceOver: false,
      };
      for (const other of others) other.overlapped = true;
      calls.push(call);
      // Connections the agent opened while no call was live (kept ready between calls) go to this one.
      for (const conn of unowned.splice(0)) assign(conn, call);
      return {
        callSid,
        twilio: (line, at = clock.now()) => void call.twilio.push({ at, line }),
        started(streamSid) {
          call.origin ??= clock.now();
          call.streamSid = streamSid;
          return call.origin;
        },
        callerAudio(bytes) {
          const at = call.callerBytes / BYTES_PER_MS;
          call.caller.push(Uint8Array.from(bytes));
          call.callerBytes += bytes.length;
          return at;
        },
        agentAudio(bytes) {
          const now = clock.now();
          const played = call.playback.enqueue(bytes);
          call.agent.push(Uint8Array.from(bytes));
          call.heard.push({ kind: 'agent_media', t: now, bytes: bytes.length, playStart: played.playStart, playEnd: played.playEnd, audibleFrom: played.audibleFrom, audibleTo: played.audibleTo });
          const origin = call.origin ?? call.beganAt;
          return { playStart: round(played.playStart - origin), playEnd: round(played.playEnd - origin) };
        },
        clear() {
          call.playback.clear();
          call.heard.push({ kind: 'clear', t: clock.now(), droppedMs: 0 });
        },
        streamUrl(url) {
          call.streamUrl ??= url;
        },
        end() {
          if (call.endedAt !== undefined) return;
          call.endedAt = clock.now();
          call.playback.dispose();
          call.heard.push({ kind: 'closed', t: call.endedAt, by: 'caller', code: 1000 });
          call.cancelGrace = clock.at(call.endedAt + (options.graceMs ?? GRACE_MS), () => {
            call.graceOver = true;
            settle(call);
          });
          settle(call);
        },
      };
    },
    openUpstream(service) {
      const conn = `u${++nextConn}`;
      serviceOf.set(conn, service);
      openConns.add(conn);
      const now = live();
      const newest = now[now.length - 1];
      if (newest === undefined) unowned.push(conn);
      else assign(conn, newest);
      if (now.length > 1) for (const call of now) call.overlapped = true;
      return conn;
    },
    upstream(line) {
      lines.push({ at: clock.now(), line });
    },
    closeUpstream(conn) {
      openConns.delete(conn);
      const owner = ownerOf.get(conn);
      if (owner !== undefined) settle(owner);
    },
    annotate(callSid, script) {
      const call = calls.find((c) => c.callSid === callSid);
      if (call === undefined) return;
      call.script = script;
      settle(call);
    },
    async close() {
      for (const call of calls) call.endedAt ??= clock.now();
      await Promise.all(calls.map(write));
      return written;
    },
  };
}

/** Times to the microsecond: the clock's fractions beyond that are noise in a file. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
