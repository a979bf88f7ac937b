/**
 * What the fake Twilio reads from TwiML: <Connect><Stream url> and its <Parameter>s, with
 * Twilio's rules on the URL (wss only, no query string) and XML entities decoded; the verbs
 * around it in document order (<Say>, <Pause>, <Play> typed), one note naming what is skipped,
 * and the verbs that make the stream impossible refused. TwiML built by the twilio library itself
 * must parse, hostile parameter values included.
 */
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { parseTwiml, type TwimlDocument } from '../../harness/caller/twiml.ts';

function twimlWith(parameters: Array<{ name: string; value: string }>, url = 'wss://agent.example.com/media-stream'): string {
  const response = new twilio.twiml.VoiceResponse();
  const connect = response.connect({ action: 'https://agent.example.com/after' });
  const stream = connect.stream({ url, name: 'bot', statusCallback: 'https://agent.example.com/status' });
  for (const parameter of parameters) stream.parameter(parameter);
  return response.toString();
}

function documentOk(xml: string): TwimlDocument {
  const result = parseTwiml(xml);
  if (!result.ok) throw new Error(`expected TwiML to parse, got: ${result.error}`);
  return result.value;
}

function parsedOk(xml: string): { url: string; parameters: Record<string, string> } {
  return documentOk(xml).stream;
}

function parseError(xml: string): string {
  const result = parseTwiml(xml);
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}

describe('parseTwiml on the twilio library\'s own output', () => {
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

describe('parseTwiml on hand-written TwiML', () => {
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

describe('parseTwiml errors', () => {
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
    expect(parseTwiml('<Response><Connect></Connect></Response>').ok).toBe(false);
  });

  it('rejects a document without <Response>', () => {
    expect(parseError('<Reply><Connect><Stream url="wss://h.example/s"/></Connect></Reply>')).toContain('<Response>');
  });

  it('rejects XML that is not well-formed', () => {
    expect(parseError('<Response><Connect><Stream url="wss://h.example/s"></Connect></Response>')).toContain('not well-formed');
    expect(parseError('{"url":"wss://h.example/s"}')).not.toBe('');
  });
});

describe('parseTwiml: the verbs around <Connect>, in document order', () => {
  it('reads the twilio-samples greeting: <Say voice>, <Pause>, <Say>, then the stream; nothing to note', () => {
    const response = new twilio.twiml.VoiceResponse();
    response.say({ voice: 'Google.en-US-Chirp3-HD-Aoede' }, 'Please wait while we connect your call to the A. I. voice assistant');
    response.pause({ length: 1 });
    response.say({ voice: 'Google.en-US-Chirp3-HD-Aoede' }, 'O.K. you can start talking!');
    response.connect().stream({ url: 'wss://agent.example.com/media-stream' });
    const doc = documentOk(response.toString());
    expect(doc.before).toEqual([
      { verb: 'Say', text: 'Please wait while we connect your call to the A. I. voice assistant', voice: 'Google.en-US-Chirp3-HD-Aoede', language: undefined, loop: 1, ssml: false },
      { verb: 'Pause', lengthS: 1 },
      { verb: 'Say', text: 'O.K. you can start talking!', voice: 'Google.en-US-Chirp3-HD-Aoede', language: undefined, loop: 1, ssml: false },
    ]);
    expect(doc.stream).toEqual({ url: 'wss://agent.example.com/media-stream', parameters: {} });
    expect(doc.after).toEqual([]);
    expect(doc.verbs.map((v) => v.verb)).toEqual(['Say', 'Pause', 'Say', 'Connect']);
    expect(doc.note).toBeUndefined();
  });

  it('keeps the verbs after <Connect> parsed and notes that Twilio runs them only once the stream ends', () => {
    const doc = documentOk(`<Response>
      <Say>Speak now.</Say>
      <Connect><Stream url="wss://h.example/streams"><Parameter name="a" value="b"/></Stream></Connect>
      <Say>Goodbye.</Say>
      <Hangup/>
    </Response>`);
    expect(doc.before).toEqual([{ verb: 'Say', text: 'Speak now.', voice: undefined, language: undefined, loop: 1, ssml: false }]);
    expect(doc.after).toEqual([
      { verb: 'Say', text: 'Goodbye.', voice: undefined, language: undefined, loop: 1, ssml: false },
      { verb: 'Other', name: 'Hangup', label: '<Hangup>' },
    ]);
    expect(doc.note).toBe('TwiML: the fake Twilio does not run <Say>, <Hangup> after <Connect> (Twilio runs them once the stream ends)');
  });

  it('decodes XML entities and character references in <Say> text, the twilio library\'s escaping included', () => {
    const response = new twilio.twiml.VoiceResponse();
    response.say(`Tom & Jerry's <café> "open"`);
    response.connect().stream({ url: 'wss://h.example/s' });
    const built = documentOk(response.toString()).before[0];
    expect(built).toMatchObject({ verb: 'Say', text: `Tom & Jerry's <café> "open"` });

    const hand = documentOk('<Response><Say>A &amp; B &lt;c&gt; &#233;&#x21; &amp;lt;</Say><Connect><Stream url="wss://h.example/s"/></Connect></Response>').before[0];
    expect(hand).toMatchObject({ verb: 'Say', text: 'A & B <c> é! &lt;' });
  });

  it('collapses whitespace in <Say> text and keeps digits as written', () => {
    const doc = documentOk('<Response><Say>\n   Call   007\n  now  </Say><Connect><Stream url="wss://h.example/s"/></Connect></Response>');
    expect(doc.before[0]).toMatchObject({ text: 'Call 007 now' });
  });

  it('reads loop, voice and language of <Say>, length of <Pause> (default 1 s), URL and loop of <Play>', () => {
    const doc = documentOk(`<Response>
      <Say loop="3" voice="Polly.Amy" language="en-GB">Hello</Say>
      <Pause/>
      <Pause length="4"/>
      <Play loop="2">http://127.0.0.1:8080/hold.wav?x=1&amp;y=2</Play>
      <Play>/relative.wav</Play>
      <Connect><Stream url="wss://h.example/s"/></Connect>
    </Response>`);
    expect(doc.before).toEqual([
      { verb: 'Say', text: 'Hello', voice: 'Polly.Amy', language: 'en-GB', loop: 3, ssml: false },
      { verb: 'Pause', lengthS: 1 },
      { verb: 'Pause', lengthS: 4 },
      { verb: 'Play', url: 'http://127.0.0.1:8080/hold.wav?x=1&y=2', loop: 2 },
      { verb: 'Play', url: '/relative.wav', loop: 1 },
    ]);
    expect(doc.note).toBeUndefined();
  });

  it('reads SSML inside <Say> as its text and says so in the note', () => {
    const doc = documentOk('<Response><Say>Hello <break time="1s"/> <prosody rate="slow">there</prosody></Say><Connect><Stream url="wss://h.example/s"/></Connect></Response>');
    expect(doc.before[0]).toMatchObject({ verb: 'Say', text: 'Hello there', ssml: true });
    expect(doc.note).toBe('TwiML: the fake Twilio reads the SSML inside <Say> as plain text');
  });

  it('names everything it does not play in ONE line: <Gather>, <Dial>, <Record>, <Start><Stream>, <Play digits>, unknown elements', () => {
    const doc = documentOk(`<Response>
      <Gather input="speech"><Say>Say something</Say></Gather>
      <Dial>+15550100003</Dial>
      <Record maxLength="5"/>
      <Start><Stream url="wss://h.example/listen"/></Start>
      <Play digits="ww1"/>
      <Gather/>
      <Dance/>
      <Connect><Stream url="wss://h.example/s"/></Connect>
      <Say>Bye</Say>
    </Response>`);
    expect(doc.before.map((v) => v.verb)).toEqual(['Other', 'Other', 'Other', 'Other', 'Other', 'Other', 'Other']);
    expect(doc.note).toBe(
      'TwiML: the fake Twilio skips <Gather>, <Dial>, <Record>, <Start><Stream> (unidirectional; not opened), <Play digits> (DTMF tones), <Dance> (not a TwiML verb) before <Connect>; ' +
        'does not run <Say> after <Connect> (Twilio runs them once the stream ends)',
    );
    expect(doc.note).not.toContain('\n');
    expect(doc.stream.url).toBe('wss://h.example/s');
  });

  it('reads a second <Connect> as a verb after the stream, unvalidated', () => {
    const doc = documentOk('<Response><Connect><Stream url="wss://h.example/s"/></Connect><Connect><Stream url="ws://bad"/></Connect></Response>');
    expect(doc.after).toEqual([{ verb: 'Other', name: 'Connect', label: '<Connect>' }]);
  });
});

describe('parseTwiml: TwiML that makes the stream impossible fails, in one line', () => {
  const connect = '<Connect><Stream url="wss://h.example/s"/></Connect>';

  it('refuses <Hangup>, <Reject> and <Redirect> before <Connect>, naming the verb', () => {
    expect(parseError(`<Response><Say>Bye</Say><Hangup/>${connect}</Response>`)).toBe('TwiML <Hangup> before <Connect>: Twilio would hang up before the stream opens');
    expect(parseError(`<Response><Reject reason="busy"/>${connect}</Response>`)).toMatch(/^TwiML <Reject> before <Connect>: /);
    expect(parseError(`<Response><Redirect>https://h.example/next</Redirect>${connect}</Response>`)).toMatch(/^TwiML <Redirect> before <Connect>: .*does not follow redirects/);
    // The first verb that ends the call wins, even with no <Connect> at all.
    expect(parseError('<Response><Hangup/></Response>')).toMatch(/<Hangup> before <Connect>/);
  });

  it('accepts <Hangup> after <Connect> (noted, not run)', () => {
    expect(documentOk(`<Response>${connect}<Hangup/></Response>`).note).toContain('<Hangup> after <Connect>');
  });

  it('refuses loop="0" on <Say> or <Play> before <Connect> (repeats until the call ends), accepts it after', () => {
    expect(parseError(`<Response><Say loop="0">Hold on</Say>${connect}</Response>`)).toBe('TwiML <Say loop="0"> before <Connect> repeats until the call ends: the stream would never open');
    expect(parseError(`<Response><Play loop="0">http://127.0.0.1/a.wav</Play>${connect}</Response>`)).toContain('<Play loop="0">');
    expect(documentOk(`<Response>${connect}<Say loop="0">Bye</Say></Response>`).after[0]).toMatchObject({ verb: 'Say', loop: 0 });
  });

  it('refuses attributes that are not whole numbers, naming the attribute and what it must be', () => {
    expect(parseError(`<Response><Pause length="0"/>${connect}</Response>`)).toBe('TwiML <Pause length="0">: length must be a whole number ≥ 1');
    expect(parseError(`<Response><Pause length="1.5"/>${connect}</Response>`)).toContain('length must be a whole number');
    expect(parseError(`<Response><Say loop="-1">x</Say>${connect}</Response>`)).toBe('TwiML <Say loop="-1">: loop must be a whole number ≥ 0');
    expect(parseError(`<Response><Play loop="two">http://127.0.0.1/a.wav</Play>${connect}</Response>`)).toContain('<Play loop="two">');
  });

  it('refuses <Play> without a URL', () => {
    expect(parseError(`<Response><Play></Play>${connect}</Response>`)).toBe('TwiML <Play> has no URL');
  });

  it('names what a <Connect> holds when it is not a <Stream>', () => {
    expect(parseError('<Response><Connect><ConversationRelay url="wss://h.example/cr"/></Connect></Response>')).toBe(
      'TwiML <Connect> has no <Stream url="..."> (it holds <ConversationRelay>; the fake Twilio opens only media streams)',
    );
  });
});
