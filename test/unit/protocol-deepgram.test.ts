/** Deepgram listen and speak wire messages (PROTOCOLS.md §2-3, the official AsyncAPI spec). */
import { describe, expect, it } from 'vitest';
import {
  DEEPGRAM_CLOSE,
  parseListenControl,
  parseListenServerMessage,
  parseSpeakClientMessage,
  parseSpeakServerMessage,
} from '../../harness/protocol/index.ts';

const json = (value: unknown): string => JSON.stringify(value);

const results = {
  type: 'Results',
  channel_index: [0, 1],
  duration: 1.65,
  start: 0.75,
  is_final: true,
  speech_final: true,
  from_finalize: false,
  channel: {
    alternatives: [
      {
        transcript: 'Testing. 123.',
        confidence: 0.77905273,
        words: [
          { word: 'testing', start: 1.07, end: 1.57, confidence: 0.69189453, punctuated_word: 'Testing.' },
          { word: '123', start: 1.895, end: 2.395, confidence: 0.77905273, punctuated_word: '123.' },
        ],
      },
    ],
  },
  metadata: {
    request_id: '4bda55e2-4327-472c-ab7f-9933bf326c2a',
    model_info: { name: 'general-nova-3', version: '2024-12-20.0', arch: 'nova-3' },
    model_uuid: '2187e11a-3532-4498-b076-81fa530bdd49',
  },
};
const speechStarted = { type: 'SpeechStarted', channel: [0, 1], timestamp: 9.54 };
const utteranceEnd = { type: 'UtteranceEnd', channel: [0, 1], last_word_end: 2.395 };
const metadata = {
  type: 'Metadata',
  transaction_key: 'deprecated',
  request_id: 'f71f632f-df82-49d4-8459-a25671fc24d9',
  sha256: '16d20704f0d9555a56aeb0b404fcff92791c7180ff96ea7910bf6e43ac3ff06c',
  created: '2024-10-08T04:41:55.587Z',
  duration: 0,
  channels: 0,
};

function listenError(value: unknown): string {
  const parsed = parseListenServerMessage(typeof value === 'string' ? value : json(value));
  if (parsed.ok) throw new Error('expected a rejection');
  return parsed.error;
}

describe('listen: server messages', () => {
  it.each([
    ['Results', results],
    ['SpeechStarted', speechStarted],
    ['UtteranceEnd', utteranceEnd],
    ['Metadata', metadata],
  ])('accepts %s as the service sends it', (type, message) => {
    const parsed = parseListenServerMessage(json(message));
    expect(parsed).toEqual({ ok: true, value: message });
    expect(parsed.ok && parsed.value.type).toBe(type);
  });

  it('accepts an interim Results without speech_final (the docs omit it on interims)', () => {
    const { speech_final: _a, from_finalize: _b, ...interim } = { ...results, is_final: false };
    const parsed = parseListenServerMessage(json(interim));
    expect(parsed.ok && parsed.value.type === 'Results' && parsed.value.speech_final).toBeUndefined();
  });

  it('rejects a Results with a wrong field type, naming the nested path', () => {
    const badWord = structuredClone(results);
    (badWord.channel.alternatives[0]?.words[0] as { start: unknown }).start = '1.07';
    expect(listenError(badWord)).toMatch(/^channel\.alternatives\.0\.words\.0\.start: /);
    expect(listenError({ ...results, is_final: 'true' })).toMatch(/^is_final: /);
    expect(listenError({ ...results, metadata: { ...results.metadata, model_info: undefined } })).toMatch(/^metadata\.model_info: /);
  });

  it('rejects a message missing a required field or of unknown type', () => {
    expect(listenError({ type: 'UtteranceEnd', channel: [0, 1] })).toMatch(/^last_word_end: /);
    expect(listenError({ type: 'SpeechStarted', timestamp: 1 })).toMatch(/^channel: /);
    expect(listenError({ type: 'Error', description: 'x' })).toMatch(/^type: /);
    expect(listenError('{')).toMatch(/^not JSON/);
  });
});

describe('listen: client control messages', () => {
  it('accepts KeepAlive, Finalize and CloseStream and nothing else', () => {
    for (const type of ['KeepAlive', 'Finalize', 'CloseStream']) expect(parseListenControl(json({ type }))).toEqual({ ok: true, value: { type } });
    const parsed = parseListenControl(json({ type: 'Close' }));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(/^type: /);
  });
});

describe('speak: client messages', () => {
  it('accepts Speak, Flush (with or without sequence_id), Clear and Close', () => {
    const messages = [{ type: 'Speak', text: 'Hello there.' }, { type: 'Flush' }, { type: 'Flush', sequence_id: 1 }, { type: 'Clear' }, { type: 'Close' }];
    for (const message of messages) expect(parseSpeakClientMessage(json(message))).toEqual({ ok: true, value: message });
  });

  it('rejects a Speak without text or with non-string text, and unknown types', () => {
    const error = (value: unknown): string => {
      const parsed = parseSpeakClientMessage(json(value));
      return parsed.ok ? '' : parsed.error;
    };
    expect(error({ type: 'Speak' })).toMatch(/^text: /);
    expect(error({ type: 'Speak', text: 42 })).toMatch(/^text: /);
    expect(error({ type: 'Flush', sequence_id: 'one' })).toMatch(/^sequence_id: /);
    expect(error({ type: 'speak', text: 'lowercase type' })).toMatch(/^type: /);
  });
});

describe('speak: server messages', () => {
  it('accepts Metadata, Flushed, Cleared and Warning', () => {
    const messages = [
      {
        type: 'Metadata',
        request_id: '550e8400-e29b-41d4-a716-446655440000',
        model_name: 'aura-2-thalia-en',
        model_version: '2025-04-07.0',
        model_uuid: '1e9d0f4a-6b0e-4a3c-9a1b-2c3d4e5f6a7b',
      },
      { type: 'Flushed', sequence_id: 0 },
      { type: 'Cleared', sequence_id: 3 },
      { type: 'Warning', description: 'Flush limit exceeded', code: 'W-0001' },
    ];
    for (const message of messages) expect(parseSpeakServerMessage(json(message))).toEqual({ ok: true, value: message });
  });

  it('rejects Flushed without a sequence_id, naming it', () => {
    const parsed = parseSpeakServerMessage(json({ type: 'Flushed' }));
    expect(!parsed.ok && parsed.error).toMatch(/^sequence_id: /);
  });
});

describe('DEEPGRAM_CLOSE', () => {
  it('uses the documented close codes', () => {
    expect(DEEPGRAM_CLOSE.idle.code).toBe(1011);
    expect(DEEPGRAM_CLOSE.idle.reason).toContain('dpgr.am/net0001');
    expect(DEEPGRAM_CLOSE.textTooLong).toEqual({ code: 1009, reason: 'BIG-0001' });
    expect(DEEPGRAM_CLOSE.charRate).toEqual({ code: 1008, reason: 'DATA-0001' });
    // WebSocket close reasons are limited to 123 bytes.
    for (const close of Object.values(DEEPGRAM_CLOSE)) expect(Buffer.byteLength(close.reason)).toBeLessThanOrEqual(123);
  });
});
