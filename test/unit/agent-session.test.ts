/**
 * The reference agent's media-stream edge before `start`: whatever arrives, nothing goes back to
 * Twilio and the call stays up; bad frames are reported as warnings. Also its configuration from
 * the environment. No sockets: a fake Twilio socket and no `start`, so no upstream is opened.
 */
import { describe, expect, it } from 'vitest';
import { createCallSession } from '../../agent/call/call-session.ts';
import type { TwilioSocket } from '../../agent/call/twilio-out.ts';
import { agentOptionsFromEnv } from '../../agent/env-options.ts';
import type { AgentLogEvent } from '../../agent/log-events.ts';
import { createAgentLogger, WARNINGS_PER_CODE } from '../../agent/logger.ts';
import { resolveAgentOptions } from '../../agent/options.ts';
import { createManualClock } from '../../harness/clock.ts';

function session() {
  const sent: string[] = [];
  const closes: number[] = [];
  const socket: TwilioSocket = {
    send: (text) => sent.push(text),
    close: (code) => closes.push(code),
    isOpen: true,
  };
  const events: AgentLogEvent[] = [];
  const clock = createManualClock();
  const options = resolveAgentOptions({ deepgramApiKey: 'dg', openaiApiKey: 'oa', clock });
  let ended = 0;
  const call = createCallSession({ socket, options, logger: createAgentLogger((event) => events.push(event), clock), onEnded: () => (ended += 1) });
  const warnings = (): string[] => events.flatMap((event) => (event.type === 'warning' ? [event.code] : []));
  return { call, sent, closes, events, warnings, ended: () => ended };
}

const SID = 'MZ00000000000000000000000000000001';
const media = JSON.stringify({
  event: 'media',
  sequenceNumber: '2',
  streamSid: SID,
  media: { track: 'inbound', chunk: '1', timestamp: '0', payload: Buffer.alloc(160, 0xff).toString('base64') },
});

describe('call session before start', () => {
  it('sends nothing and stays up through connected, junk, binary frames, media and marks', () => {
    const { call, sent, closes, warnings } = session();
    call.receiveText(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    call.receiveText('{not json');
    call.receiveText(JSON.stringify({ event: 'mystery', streamSid: SID }));
    call.receiveBinary();
    call.receiveText(media);
    call.receiveText(JSON.stringify({ event: 'mark', sequenceNumber: '3', streamSid: SID, mark: { name: 'x' } }));
    expect(sent).toEqual([]);
    expect(closes).toEqual([]);
    expect(warnings()).toEqual([
      'twilio.invalid_message',
      'twilio.invalid_message',
      'twilio.binary_frame',
      'twilio.before_start',
      'twilio.unknown_mark',
    ]);
  });

  it('caps a repeated warning per call', () => {
    const { call, warnings } = session();
    for (let i = 0; i < 50; i += 1) call.receiveText('garbage');
    expect(warnings()).toHaveLength(WARNINGS_PER_CODE);
  });

  it('ends once on socket close and ignores frames afterwards', async () => {
    const { call, sent, warnings, ended, events } = session();
    call.socketClosed();
    await call.end('twilio_closed');
    call.receiveText('garbage');
    expect(ended()).toBe(1);
    expect(sent).toEqual([]);
    expect(warnings()).toEqual([]);
    expect(events.some((event) => event.type === 'call.end')).toBe(false);
  });
});

describe('agentOptionsFromEnv', () => {
  it('names every missing key and never echoes a value', () => {
    const result = agentOptionsFromEnv({ OPENAI_API_KEY: 'sk-secret' });
    expect(result).toEqual({ ok: false, error: 'missing required environment variable: DEEPGRAM_API_KEY' });
    expect(agentOptionsFromEnv({})).toEqual({ ok: false, error: 'missing required environment variables: DEEPGRAM_API_KEY, OPENAI_API_KEY' });
  });

  it('reads the harness contract with defaults', () => {
    const result = agentOptionsFromEnv({
      DEEPGRAM_API_KEY: 'dg',
      OPENAI_API_KEY: 'oa',
      DEEPGRAM_API_URL: 'http://127.0.0.1:4001',
      OPENAI_BASE_URL: 'http://127.0.0.1:4002/v1',
      TWILIO_AUTH_TOKEN: 'tok',
      PORT: '0',
    });
    expect(result).toEqual({
      ok: true,
      value: {
        port: 0,
        host: '127.0.0.1',
        options: {
          mode: 'cascaded',
          deepgramApiKey: 'dg',
          openaiApiKey: 'oa',
          deepgramApiUrl: 'http://127.0.0.1:4001',
          openaiBaseUrl: 'http://127.0.0.1:4002/v1',
          twilioAuthToken: 'tok',
        },
      },
    });
  });

  it('reads CALLBENCH_CALL_HEADER: 0 turns the x-callbench-call header off, 1 keeps it, anything else is refused', () => {
    const keys = { DEEPGRAM_API_KEY: 'dg', OPENAI_API_KEY: 'oa' };
    const callHeader = (raw: string | undefined) => {
      const result = agentOptionsFromEnv({ ...keys, CALLBENCH_CALL_HEADER: raw });
      return result.ok ? result.value.options.callHeader : result.error;
    };
    expect(callHeader(undefined)).toBeUndefined();
    expect(callHeader('0')).toBe(false);
    expect(callHeader('1')).toBe(true);
    expect(callHeader('off')).toBe("CALLBENCH_CALL_HEADER must be one of 0, 1, got 'off'");
    expect(resolveAgentOptions({ deepgramApiKey: 'dg', openaiApiKey: 'oa' }).callHeader).toBe(true);
  });

  it('refuses a bad port or URL, naming the variable', () => {
    expect(agentOptionsFromEnv({ DEEPGRAM_API_KEY: 'dg', OPENAI_API_KEY: 'oa', PORT: '70000' })).toMatchObject({ ok: false, error: expect.stringContaining('PORT') });
    expect(agentOptionsFromEnv({ DEEPGRAM_API_KEY: 'dg', OPENAI_API_KEY: 'oa', DEEPGRAM_API_URL: 'ftp://x' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^DEEPGRAM_API_URL must be/),
    });
  });

  it('reads the reply knobs: a preset, with explicit knobs over it', () => {
    const keys = { DEEPGRAM_API_KEY: 'dg', OPENAI_API_KEY: 'oa' };
    const reply = (env: Record<string, string>) => {
      const result = agentOptionsFromEnv({ ...keys, ...env });
      return result.ok ? result.value.options.reply : result.error;
    };
    expect(reply({})).toBeUndefined();
    expect(reply({ AGENT_PRESET: 'seed-current' })).toEqual({ text: 'full', tts: 'rest', restBody: 'buffer', playout: 'poll' });
    expect(reply({ AGENT_PRESET: 'seed-current', AGENT_PLAYOUT: 'direct', AGENT_TEXT: 'sentence' })).toEqual({ text: 'sentence', tts: 'rest', restBody: 'buffer', playout: 'direct' });
    expect(reply({ AGENT_TTS: 'rest', AGENT_REST_BODY: 'stream' })).toEqual({ tts: 'rest', restBody: 'stream' });
    expect(reply({ AGENT_TTS: 'grpc' })).toBe("AGENT_TTS must be one of ws, rest, got 'grpc'");
    expect(reply({ AGENT_PRESET: 'fast' })).toBe("AGENT_PRESET must be one of seed-current, seed-fixed, got 'fast'");
  });

  it('reads realtime mode: no Deepgram key needed, its settings, and no cascaded knobs beside it', () => {
    const result = agentOptionsFromEnv({
      AGENT_MODE: 'realtime',
      OPENAI_API_KEY: 'oa',
      OPENAI_REALTIME_BASE_URL: 'https://127.0.0.1:4003/v1',
      OPENAI_REALTIME_MODEL: 'gpt-realtime-mini',
      OPENAI_REALTIME_VOICE: 'cedar',
      AGENT_VAD_SILENCE_MS: '400',
    });
    expect(result).toMatchObject({
      ok: true,
      value: {
        options: {
          mode: 'realtime',
          openaiRealtimeBaseUrl: 'https://127.0.0.1:4003/v1',
          realtime: { model: 'gpt-realtime-mini', voice: 'cedar', silenceDurationMs: 400 },
        },
      },
    });
    expect(agentOptionsFromEnv({ AGENT_MODE: 'realtime', OPENAI_API_KEY: 'oa', AGENT_TTS: 'rest' })).toEqual({
      ok: false,
      error: 'AGENT_TTS applies to AGENT_MODE=cascaded only, but AGENT_MODE is realtime',
    });
    expect(agentOptionsFromEnv({ AGENT_MODE: 'speech', OPENAI_API_KEY: 'oa' })).toEqual({ ok: false, error: "AGENT_MODE must be one of cascaded, realtime, got 'speech'" });
    expect(agentOptionsFromEnv({ AGENT_MODE: 'realtime', OPENAI_API_KEY: 'oa', AGENT_VAD_SILENCE_MS: 'soon' })).toMatchObject({ ok: false, error: expect.stringMatching(/^AGENT_VAD_SILENCE_MS/) });
    expect(agentOptionsFromEnv({ AGENT_MODE: 'realtime' })).toEqual({ ok: false, error: 'missing required environment variable: OPENAI_API_KEY' });
  });
});

describe('reply options', () => {
  it('accepts every combination of knobs and refuses values outside them, naming the knob', () => {
    for (const text of ['token', 'sentence', 'full'] as const) {
      for (const tts of ['ws', 'rest'] as const) {
        for (const restBody of ['stream', 'buffer'] as const) {
          for (const playout of ['direct', 'poll'] as const) {
            expect(resolveAgentOptions({ deepgramApiKey: 'dg', openaiApiKey: 'oa', reply: { text, tts, restBody, playout } }).reply).toEqual({ text, tts, restBody, playout });
          }
        }
      }
    }
    expect(() => resolveAgentOptions({ deepgramApiKey: 'dg', openaiApiKey: 'oa', reply: { tts: 'smoke' as never } })).toThrow(/reply\.tts must be one of ws, rest/);
  });
});
