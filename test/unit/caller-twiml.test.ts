/**
 * What the fake Twilio reads from TwiML: <Connect><Stream url> and its <Parameter>s, with
 * Twilio's rules on the URL (wss only, no query string) and XML entities decoded. TwiML built by
 * the twilio library itself must parse, hostile parameter values included.
 */
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { parseStreamTwiml } from '../../harness/caller/twiml.ts';

function twimlWith(parameters: Array<{ name: string; value: string }>, url = 'wss://agent.example.com/media-stream'): string {
  const response = new twilio.twiml.VoiceResponse();
  const connect = response.connect({ action: 'https://agent.example.com/after' });
  const stream = connect.stream({ url, name: 'bot', statusCallback: 'https://agent.example.com/status' });
  for (const parameter of parameters) stream.parameter(parameter);
  return response.toString();
}

function parsedOk(xml: string): { url: string; parameters: Record<string, string> } {
  const result = parseStreamTwiml(xml);
  if (!result.ok) throw new Error(`expected TwiML to parse, got: ${result.error}`);
  return result.value;
}

function parseError(xml: string): string {
  const result = parseStreamTwiml(xml);
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}

describe('parseStreamTwiml on the twilio library\'s own output', () => {
  it('reads the stream url and every parameter', () => {
    const value = parsedOk(twimlWith([
      { name: 'callerId', value: '+15551234567' },
      { name: 'tenant', value: 'acme' },
    ]));
    expect(value).toEqual({ url: 'wss://agent.example.com/media-stream', parameters: { callerId: '+15551234567', tenant: 'acme' } });
  });

  it('reads a stream with no parameters as an empty map', () => {
    expect(parsedOk(twimlWith([]))).toEqual({ url: 'wss://agent.example.com/media-stream', parameters: {} });
  });

  it('decodes a hostile value back to exactly what was put in: a&b"<c>\'', () => {
    const xml = twimlWith([{ name: 'token', value: `a&b"<c>'` }]);
    expect(xml).toContain('&amp;'); // the library escaped it; the parser must undo exactly that
    expect(parsedOk(xml).parameters).toEqual({ token: `a&b"<c>'` });
  });

  it('keeps values verbatim: leading and trailing spaces, digits with leading zeros, the empty string', () => {
    const parameters = parsedOk(twimlWith([
      { name: 'padded', value: '  two  spaces  ' },
      { name: 'zeros', value: '007' },
      { name: 'bool', value: 'true' },
      { name: 'empty', value: '' },
    ])).parameters;
    expect(parameters).toEqual({ padded: '  two  spaces  ', zeros: '007', bool: 'true', empty: '' });
  });

  it('decodes the character references the library writes for newlines and tabs', () => {
    const xml = twimlWith([{ name: 'multi', value: 'line one\nline two\tend' }]);
    expect(xml).toContain('&#xA;');
    expect(parsedOk(xml).parameters).toEqual({ multi: 'line one\nline two\tend' });
  });

  it('keeps an escaped entity literal: &amp;lt; is the text "&lt;", not "<"', () => {
    expect(parsedOk(twimlWith([{ name: 'x', value: '&lt;&#38;' }])).parameters).toEqual({ x: '&lt;&#38;' });
  });

  it('reads parameter names that are Object.prototype keys as ordinary names', () => {
    const parameters = parsedOk(twimlWith([
      { name: '__proto__', value: 'p' },
      { name: 'constructor', value: 'c' },
    ])).parameters;
    expect(Object.keys(parameters)).toEqual(['__proto__', 'constructor']);
    expect(JSON.parse(JSON.stringify(parameters))).toEqual(JSON.parse('{"__proto__":"p","constructor":"c"}'));
  });

  it('decodes entities in the url too', () => {
    const value = parsedOk(twimlWith([], 'wss://agent.example.com/media&stream'));
    expect(value.url).toBe('wss://agent.example.com/media&stream');
  });
});

describe('parseStreamTwiml on hand-written TwiML', () => {
  it('accepts pretty-printed TwiML with an XML declaration and other verbs around <Connect>', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say>Connecting you now.</Say>
  <Connect>
    <Stream url="wss://agent.example.com/ws">
      <Parameter name="a" value="1" />
      <Parameter name="b" value="two words" />
    </Stream>
  </Connect>
</Response>
`;
    expect(parsedOk(xml)).toEqual({ url: 'wss://agent.example.com/ws', parameters: { a: '1', b: 'two words' } });
  });

  it('decodes decimal and hex character references and the five XML entities', () => {
    const xml = '<Response><Connect><Stream url="wss://h.example/s"><Parameter name="v" value="&#60;&#x3E;&amp;&quot;&apos;&#233;" /></Stream></Connect></Response>';
    expect(parsedOk(xml).parameters).toEqual({ v: `<>&"'é` });
  });

  it('reads a <Parameter> without a value as the empty string', () => {
    expect(parsedOk('<Response><Connect><Stream url="wss://h.example/s"><Parameter name="flag"/></Stream></Connect></Response>').parameters).toEqual({ flag: '' });
  });

  it('uses the first <Stream> of the first <Connect>', () => {
    const xml = '<Response><Connect><Stream url="wss://first.example/s"/><Stream url="wss://second.example/s"/></Connect></Response>';
    expect(parsedOk(xml).url).toBe('wss://first.example/s');
  });
});

describe('parseStreamTwiml errors', () => {
  it('rejects a ws:// url (Twilio error 31922)', () => {
    const error = parseError(twimlWith([], 'ws://agent.example.com/media'));
    expect(error).toContain('31922');
    expect(error).toContain('ws://agent.example.com/media');
  });

  it('rejects an https:// url (Twilio error 31922)', () => {
    expect(parseError(twimlWith([], 'https://agent.example.com/media'))).toContain('wss://');
  });

  it('rejects a url with a query string, naming <Parameter> as the way', () => {
    const error = parseError(twimlWith([], 'wss://agent.example.com/media?tenant=acme'));
    expect(error).toContain('query string');
    expect(error).toContain('<Parameter>');
  });

  it('rejects a url that is not absolute (Twilio error 31923)', () => {
    expect(parseError('<Response><Connect><Stream url="not a url"/></Connect></Response>')).toContain('31923');
  });

  it('rejects <Start><Stream> (unidirectional): a bidirectional stream needs <Connect>', () => {
    const response = new twilio.twiml.VoiceResponse();
    response.start().stream({ url: 'wss://agent.example.com/media' });
    expect(parseError(response.toString())).toContain('<Connect>');
  });

  it('rejects <Connect> without a <Stream url>', () => {
    expect(parseError('<Response><Connect><Stream name="x"/></Connect></Response>')).toContain('<Stream url=');
    expect(parseStreamTwiml('<Response><Connect></Connect></Response>').ok).toBe(false);
  });

  it('rejects a document without <Response>', () => {
    expect(parseError('<Reply><Connect><Stream url="wss://h.example/s"/></Connect></Reply>')).toContain('<Response>');
  });

  it('rejects XML that is not well-formed', () => {
    expect(parseError('<Response><Connect><Stream url="wss://h.example/s"></Connect></Response>')).toContain('not well-formed');
    expect(parseError('{"url":"wss://h.example/s"}')).not.toBe('');
  });
});
