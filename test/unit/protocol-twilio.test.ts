/** Twilio Media Streams wire messages (PROTOCOLS.md §1.3-1.4), both directions. */
import { describe, expect, it } from 'vitest';
import { parseAgentToTwilio, parseTwilioToAgent, SID_PATTERN } from '../../harness/protocol/index.ts';

const STREAM = 'MZ0123456789abcdef0123456789abcdef';
const CALL = 'CA0123456789abcdef0123456789abcdef';
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';

const connected = { event: 'connected', protocol: 'Call', version: '1.0.0' };
const start = {
  event: 'start',
  sequenceNumber: '1',
  start: {
    accountSid: ACCOUNT,
    streamSid: STREAM,
    callSid: CALL,
    tracks: ['inbound'],
    mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    customParameters: { callerId: '+15551234567' },
  },
  streamSid: STREAM,
};
const media = {
  event: 'media',
  sequenceNumber: '4',
  media: { track: 'inbound', chunk: '2', timestamp: '5', payload: 'no+JhoaJjpzS' },
  streamSid: STREAM,
};
const mark = { event: 'mark', sequenceNumber: '5', streamSid: STREAM, mark: { name: 'reply-1' } };
const dtmf = { event: 'dtmf', streamSid: STREAM, sequenceNumber: '6', dtmf: { track: 'inbound_track', digit: '1' } };
const stop = { event: 'stop', sequenceNumber: '7', streamSid: STREAM, stop: { accountSid: ACCOUNT, callSid: CALL } };

const json = (value: unknown): string => JSON.stringify(value);

function errorOf(text: string): string {
  const parsed = parseTwilioToAgent(text);
  if (parsed.ok) throw new Error(`expected a rejection of ${text}`);
  return parsed.error;
}

describe('parseTwilioToAgent', () => {
  it.each([
    ['connected', connected],
    ['start', start],
    ['media', media],
    ['mark', mark],
    ['dtmf', dtmf],
    ['stop', stop],
  ])('accepts a %s message as Twilio sends it', (event, message) => {
    const parsed = parseTwilioToAgent(json(message));
    expect(parsed).toEqual({ ok: true, value: message });
    expect(parsed.ok && parsed.value.event).toBe(event);
  });

  it('narrows on event: a start carries its parameters and media format', () => {
    const parsed = parseTwilioToAgent(json(start));
    if (!parsed.ok || parsed.value.event !== 'start') throw new Error('not a start');
    expect(parsed.value.start.customParameters).toEqual({ callerId: '+15551234567' });
    expect(parsed.value.start.mediaFormat.sampleRate).toBe(8000);
  });

  it('defaults customParameters to {} when a start has none', () => {
    const { customParameters: _omit, ...bare } = start.start;
    const parsed = parseTwilioToAgent(json({ ...start, start: bare }));
    expect(parsed.ok && parsed.value.event === 'start' && parsed.value.start.customParameters).toEqual({});
  });

  it('rejects a numeric sequenceNumber, naming the field', () => {
    expect(errorOf(json({ ...media, sequenceNumber: 4 }))).toMatch(/^sequenceNumber: .*string/);
  });

  it('rejects numeric chunk and timestamp, and non-decimal strings, naming the nested field', () => {
    expect(errorOf(json({ ...media, media: { ...media.media, chunk: 2 } }))).toMatch(/media\.chunk/);
    expect(errorOf(json({ ...media, media: { ...media.media, timestamp: '5.5' } }))).toMatch(/media\.timestamp: expected a decimal string/);
  });

  it('rejects a message without streamSid, naming the field', () => {
    const { streamSid: _omit, ...noSid } = media;
    expect(errorOf(json(noSid))).toMatch(/^streamSid: /);
    expect(errorOf(json({ ...stop, streamSid: '' }))).toMatch(/^streamSid: /);
  });

  it('rejects a start whose media format is not 8 kHz mono mu-law, naming each field', () => {
    const wrong = { ...start, start: { ...start.start, mediaFormat: { encoding: 'audio/l16', sampleRate: 16000, channels: 2 } } };
    const error = errorOf(json(wrong));
    expect(error).toContain('start.mediaFormat.encoding');
    expect(error).toContain('start.mediaFormat.sampleRate');
    expect(error).toContain('start.mediaFormat.channels');
  });

  it('rejects an unknown event, naming the event field', () => {
    expect(errorOf(json({ event: 'hangup', streamSid: STREAM }))).toMatch(/^event: /);
    expect(errorOf(json({ streamSid: STREAM }))).toMatch(/^event: /);
  });

  it('rejects text that is not JSON, and JSON that is not an object', () => {
    expect(errorOf('{"event": "media",')).toMatch(/^not JSON: /);
    expect(errorOf('')).toMatch(/^not JSON/);
    expect(errorOf('42')).toMatch(/^\(root\)|^event/);
    expect(errorOf('null')).toMatch(/^\(root\)|^event/);
  });

  it('does not accept agent-side messages as Twilio ones (clear is agent -> Twilio only)', () => {
    expect(errorOf(json({ event: 'clear', streamSid: STREAM }))).toMatch(/^event: /);
    expect(errorOf(json({ event: 'media', streamSid: STREAM, media: { payload: 'AAAA' } }))).toMatch(/sequenceNumber/);
  });
});

describe('parseAgentToTwilio', () => {
  it('accepts media, mark and clear as an agent sends them', () => {
    const messages = [
      { event: 'media', streamSid: STREAM, media: { payload: '//////' } },
      { event: 'mark', streamSid: STREAM, mark: { name: 'end-of-reply' } },
      { event: 'clear', streamSid: STREAM },
    ];
    for (const message of messages) expect(parseAgentToTwilio(json(message))).toEqual({ ok: true, value: message });
  });

  it('rejects agent messages missing streamSid or their body, naming the field', () => {
    const error = (text: string): string => {
      const parsed = parseAgentToTwilio(text);
      return parsed.ok ? '' : parsed.error;
    };
    expect(error(json({ event: 'clear' }))).toMatch(/^streamSid: /);
    expect(error(json({ event: 'media', streamSid: STREAM }))).toMatch(/^media: /);
    expect(error(json({ event: 'media', streamSid: STREAM, media: { payload: 7 } }))).toMatch(/^media\.payload: /);
    expect(error(json({ event: 'mark', streamSid: STREAM, mark: {} }))).toMatch(/^mark\.name: /);
    expect(error(json({ event: 'start', streamSid: STREAM }))).toMatch(/^event: /);
    expect(error('not json')).toMatch(/^not JSON/);
  });
});

describe('SID_PATTERN', () => {
  it('matches Twilio SIDs: two letters and 32 hex digits', () => {
    expect(SID_PATTERN.stream.test(STREAM)).toBe(true);
    expect(SID_PATTERN.call.test(CALL)).toBe(true);
    expect(SID_PATTERN.account.test(ACCOUNT)).toBe(true);
    expect(SID_PATTERN.stream.test(CALL)).toBe(false);
    expect(SID_PATTERN.call.test(`${CALL}0`)).toBe(false);
    expect(SID_PATTERN.account.test('AC0123')).toBe(false);
  });
});
