/**
 * The XML 1.0 rules the fake Twilio enforces on TwiML that fast-xml-parser lets through: no
 * character outside XML's Char production, raw or as a reference; a literal tab, LF or CR in an
 * attribute value reads as a space. Hostile <Parameter> values come back as Twilio would read them.
 */
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { parseTwiml } from '../../harness/caller/twiml.ts';
import { normalizeAttributeWhitespace, xmlCharError, xmlMarkupError } from '../../harness/caller/xml-rules.ts';

const stream = (value: string): string => `<Response><Connect><Stream url="wss://agent.example/media"><Parameter name="from" value="${value}"/></Stream></Connect></Response>`;

describe('xmlCharError', () => {
  it('accepts tab, LF, CR and every other character XML allows', () => {
    expect(xmlCharError('<a b="x\t\n\ry &#9;&#xA;&#13; é 😀"/>')).toBeUndefined();
  });

  it('names a raw control character, and a reference to one, with its place', () => {
    expect(xmlCharError('<a>\n<b c="x\u0007"/></a>')).toBe('character U+0007 at line 2, column 8 is not allowed in XML 1.0');
    expect(xmlCharError('<a b="&#7;"/>')).toBe('character reference &#7; (U+0007) at line 1, column 7 is not allowed in XML 1.0');
    expect(xmlCharError('<a b="&#x1b;"/>')).toBe('character reference &#x1b; (U+001B) at line 1, column 7 is not allowed in XML 1.0');
    expect(xmlCharError('<a b="\uFFFF"/>')).toMatch(/U\+FFFF/);
  });
});

describe('normalizeAttributeWhitespace', () => {
  it('turns a literal tab, LF or CR (CR LF once) inside an attribute value into a space; text and references stay', () => {
    expect(normalizeAttributeWhitespace('<a b="1\t2\n3\r\n4">x\ty\n</a>')).toBe('<a b="1 2 3 4">x\ty\n</a>');
    expect(normalizeAttributeWhitespace(`<a b='>\n' c="&#xA;"/>`)).toBe(`<a b='> ' c="&#xA;"/>`);
    expect(normalizeAttributeWhitespace('<!-- "\n" --><?pi "\n"?><a/>')).toBe('<!-- "\n" --><?pi "\n"?><a/>');
  });
});

describe('parseTwiml reads hostile <Parameter> values as Twilio does', () => {
  it('gives back a value the twilio builder escaped, tab and newline included', () => {
    const response = new twilio.twiml.VoiceResponse();
    response.connect().stream({ url: 'wss://agent.example/media' }).parameter({ name: 'from', value: `O'Brien & "Sons" <Ltd>\ttab\nline` });
    const parsed = parseTwiml(response.toString());
    expect(parsed).toMatchObject({ ok: true, value: { stream: { parameters: { from: `O'Brien & "Sons" <Ltd>\ttab\nline` } } } });
  });

  it('refuses TwiML holding a control character, as the twilio builder writes it raw', () => {
    const response = new twilio.twiml.VoiceResponse();
    response.connect().stream({ url: 'wss://agent.example/media' }).parameter({ name: 'from', value: 'bell\u0007' });
    expect(parseTwiml(response.toString())).toEqual({ ok: false, error: expect.stringMatching(/^TwiML is not well-formed XML: character U\+0007 at line 1, column \d+ is not allowed in XML 1\.0$/) });
    expect(parseTwiml(stream('bell&#7;'))).toMatchObject({ ok: false, error: expect.stringContaining('character reference &#7;') });
  });

  it('reads a literal newline in a value as a space, and unescaped markup as no TwiML', () => {
    expect(parseTwiml(stream('two\nlines'))).toMatchObject({ ok: true, value: { stream: { parameters: { from: 'two lines' } } } });
    expect(parseTwiml(stream('a & b'))).toMatchObject({ ok: false, error: expect.stringMatching(/^TwiML is not well-formed XML/) });
    expect(parseTwiml(stream('say "hi"'))).toMatchObject({ ok: false, error: expect.stringMatching(/^TwiML is not well-formed XML/) });
  });
});

describe('xmlMarkupError', () => {
  it('accepts the predefined entities and character references, in text and attribute values, and anything inside CDATA or comments', () => {
    expect(xmlMarkupError('<a b="&amp;&lt;&gt;&quot;&apos;&#38;&#x26;">Tom &amp; Jerry</a><!-- & < --><![CDATA[ & < ]]>')).toBeUndefined();
  });

  it("names a bare '&' (text or value) and a '<' inside an attribute value, with its place", () => {
    expect(xmlMarkupError('<Say>Tom & Jerry</Say>')).toBe("'&' at line 1, column 10 begins no entity or character reference (an unescaped '&'; write &amp;)");
    expect(xmlMarkupError('<a b="&nbsp;"/>')).toMatch(/^'&' at line 1, column 7 begins no entity/);
    expect(xmlMarkupError('<a b="x<y"/>')).toBe("'<' at line 1, column 8 inside an attribute value (write &lt;)");
    expect(xmlMarkupError(`<a b='say "hi" > there'/>`)).toBeUndefined();
  });
});
