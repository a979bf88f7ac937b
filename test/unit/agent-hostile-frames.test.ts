/**
 * The reference agent's media-stream edge once a call is live, against frames a hostile or broken
 * peer sends: media that decodes to no audio, a stop for another stream, a start with an unusable
 * CallSid, no start at all, and the agent's own code throwing mid-call. A fake Twilio socket, a
 * fake pipeline and the manual clock: no upstream, no timers of the system.
 */
import { describe, expect, it } from 'vitest';
import type { CallPipeline, CallPipelineDeps } from '../../agent/call/call-pipeline.ts';
import { createCallSession } from '../../agent/call/call-session.ts';
import type { TwilioSocket } from '../../agent/call/twilio-out.ts';
import type { AgentLogEvent } from '../../agent/log-events.ts';
import { createAgentLogger } from '../../agent/logger.ts';
import { resolveAgentOptions, type AgentTuning } from '../../agent/options.ts';
import { createManualClock } from '../../harness/clock.ts';

const STREAM = 'MZ00000000000000000000000000000001';
const OTHER_STREAM = 'MZ00000000000000000000000000000002';
const CALL = 'CA0123456789abcdef0123456789abcdef';

function start(callSid = CALL, streamSid = STREAM): string {
  return JSON.stringify({
    event: 'start',
    sequenceNumber: '1',
    streamSid,
    start: {
      accountSid: 'AC00000000000000000000000000000000',
      streamSid,
      callSid,
      tracks: ['inbound'],
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      customParameters: {},
    },
  });
}

function media(payload: string, streamSid = STREAM): string {
  return JSON.stringify({ event: 'media', sequenceNumber: '2', streamSid, media: { track: 'inbound', chunk: '1', timestamp: '0', payload } });
}

function stop(streamSid: string): string {
  return JSON.stringify({ event: 'stop', sequenceNumber: '9', streamSid, stop: { accountSid: 'AC00000000000000000000000000000000', callSid: CALL } });
}

/** A pipeline that opens nothing and records the caller audio it is given. */
function fakePipeline(behaviour: { throwOnAudio?: boolean } = {}) {
  const audio: Buffer[] = [];
  let built = 0;
  const create = (_deps: CallPipelineDeps): CallPipeline => {
    built += 1;
    return {
      start: () => Promise.resolve(),
      callerAudio(chunk) {
        if (behaviour.throwOnAudio === true) throw new TypeError('boom in the pipeline');
        audio.push(chunk);
      },
      markEchoed() {},
      turns: 0,
      stop() {},
      close: () => Promise.resolve(),
    };
  };
  return { create, audio, built: () => built };
}

function session(options: { tuning?: Partial<AgentTuning>; throwOnAudio?: boolean } = {}) {
  const clock = createManualClock();
  const closes: Array<{ code: number; reason: string }> = [];
  let open = true;
  const socket: TwilioSocket = {
    send: () => {},
    close: (code, reason) => {
      closes.push({ code, reason });
      open = false;
    },
    get isOpen() {
      return open;
    },
  };
  const events: AgentLogEvent[] = [];
  // An unroutable upstream: should any test reach the real pipeline, it fails fast and offline.
  const resolved = resolveAgentOptions({
    deepgramApiKey: 'dg',
    openaiApiKey: 'oa',
    deepgramApiUrl: 'http://127.0.0.1:9',
    openaiBaseUrl: 'http://127.0.0.1:9/v1',
    clock,
    ...(options.tuning === undefined ? {} : { tuning: options.tuning }),
  });
  const pipeline = fakePipeline(options.throwOnAudio === true ? { throwOnAudio: true } : {});
  let ended = 0;
  const call = createCallSession({
    socket,
    options: resolved,
    logger: createAgentLogger((event) => events.push(event), clock),
    onEnded: () => (ended += 1),
    createPipeline: pipeline.create,
  });
  const warnings = (code: string) => events.filter((event) => event.type === 'warning' && event.code === code);
  return { call, clock, closes, events, warnings, pipeline, ended: () => ended };
}

describe('media whose payload decodes to no audio', () => {
  it('is never handed on, counted, and logged once per call', async () => {
    const { call, pipeline, warnings, events } = session();
    call.receiveText(start());
    for (const payload of ['', '!!!', '', '====']) call.receiveText(media(payload));
    expect(pipeline.audio).toEqual([]);
    expect(warnings('twilio.empty_media')).toHaveLength(1);

    // Real audio still goes through, decoded once at the edge.
    const frame = Buffer.alloc(160, 0xff);
    call.receiveText(media(frame.toString('base64')));
    expect(pipeline.audio).toEqual([frame]);

    await call.end('stop');
    expect(events.find((event) => event.type === 'call.end')).toMatchObject({ reason: 'stop', emptyMediaFrames: 4 });
  });
});

describe('stop for another stream', () => {
  it('is ignored with a warning, like media for another stream; the call goes on', async () => {
    const { call, closes, warnings, pipeline, ended } = session();
    call.receiveText(start());
    call.receiveText(stop(OTHER_STREAM));
    expect(closes).toEqual([]);
    expect(warnings('twilio.wrong_stream')).toHaveLength(1);
    call.receiveText(media(Buffer.alloc(160, 0x7f).toString('base64')));
    expect(pipeline.audio).toHaveLength(1);

    call.receiveText(stop(STREAM));
    expect(closes).toEqual([{ code: 1000, reason: 'stop' }]);
    await call.end('stop');
    expect(ended()).toBe(1);
  });
});

describe('start with a CallSid that cannot be used', () => {
  it('is ignored: no pipeline, nothing sent upstream with it as a header', () => {
    for (const callSid of ['CA1\r\nX-Injected: 1', '', 'CA\u0100', 'CA with spaces', `CA${'0'.repeat(80)}`]) {
      const { call, pipeline, warnings, closes } = session();
      call.receiveText(start(callSid));
      expect(pipeline.built(), JSON.stringify(callSid)).toBe(0);
      expect(warnings('twilio.invalid_start')).toHaveLength(1);
      expect(closes).toEqual([]);
      // A proper start afterwards is served.
      call.receiveText(start());
      expect(pipeline.built()).toBe(1);
    }
  });
});

describe('a socket that never sends start', () => {
  it('is closed (1008) once tuning.startTimeoutMs has passed, and not before', async () => {
    const { call, clock, closes, warnings, ended } = session({ tuning: { startTimeoutMs: 10_000 } });
    call.receiveText(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    clock.advance(9_999);
    expect(closes).toEqual([]);
    clock.advance(1);
    expect(closes).toEqual([{ code: 1008, reason: 'no_start' }]);
    expect(warnings('twilio.no_start')).toHaveLength(1);
    await call.end('no_start');
    expect(ended()).toBe(1);
  });

  it('defaults to 10 s, is disarmed by start, and can be turned off with 0', () => {
    const defaults = session();
    defaults.clock.advance(10_000);
    expect(defaults.closes).toEqual([{ code: 1008, reason: 'no_start' }]);

    const started = session();
    started.call.receiveText(start());
    started.clock.advance(60_000);
    expect(started.closes).toEqual([]);

    const unbounded = session({ tuning: { startTimeoutMs: 0 } });
    unbounded.clock.advance(3_600_000);
    expect(unbounded.closes).toEqual([]);
  });
});

describe("the agent's own code throwing mid-call", () => {
  it('hangs up that call (1011) with the error logged, and leaves another call alone', async () => {
    const failing = session({ throwOnAudio: true });
    const healthy = session();
    failing.call.receiveText(start());
    healthy.call.receiveText(start());
    const frame = media(Buffer.alloc(160, 0xff).toString('base64'));
    expect(() => failing.call.receiveText(frame)).not.toThrow();
    healthy.call.receiveText(frame);
    expect(failing.closes).toEqual([{ code: 1011, reason: 'agent_error' }]);
    const error = failing.events.find((event) => event.type === 'error');
    expect(error).toMatchObject({ code: 'internal', callSid: CALL });
    expect(error?.type === 'error' ? error.message : '').toMatch(/media frame failed: TypeError: boom in the pipeline/);
    await failing.call.end('agent_error');
    expect(failing.events.find((event) => event.type === 'call.end')).toMatchObject({ reason: 'agent_error' });
    expect(healthy.closes).toEqual([]);
    expect(healthy.pipeline.audio).toHaveLength(1);
  });
});
