/** The reference agent's webhook answer: TwiML, the stream URL in it, and signature checks. */
import type { IncomingMessage } from 'node:http';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { judgeUpgrade } from '../../agent/http/media-upgrade.ts';
import { mediaStreamUrl, webhookUrl } from '../../agent/http/request-urls.ts';
import { buildStreamTwiml } from '../../agent/http/twiml.ts';
import { isValidTwilioSignature } from '../../agent/http/twilio-signature.ts';
import { resolveAgentOptions, type AgentOptions } from '../../agent/options.ts';

interface ParsedStream {
  url: string;
  parameters: Array<{ name: string; value: string }>;
}

const TwimlDoc = z.object({
  Response: z.object({
    Connect: z.object({
      Stream: z.object({
        url: z.string(),
        Parameter: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
      }),
    }),
  }),
});

/** Parses the TwiML as Twilio would: one <Connect><Stream> with its <Parameter>s. */
function parseStream(xml: string): ParsedStream {
  const doc: unknown = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'Parameter' }).parse(xml, true);
  const stream = TwimlDoc.parse(doc).Response.Connect.Stream;
  return { url: stream.url, parameters: stream.Parameter };
}

const HOSTILE = `"/><Hangup/><Say>pwned</Say><Parameter name="x" value="&amp;'`;

describe('buildStreamTwiml', () => {
  it('connects the call to the stream URL', () => {
    const xml = buildStreamTwiml({ streamUrl: 'wss://agent.example.com/media-stream', parameters: { callSid: 'CA123' } });
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream')).toBe(true);
    expect(parseStream(xml)).toEqual({ url: 'wss://agent.example.com/media-stream', parameters: [{ name: 'callSid', value: 'CA123' }] });
  });

  it('escapes hostile parameter values so they round-trip verbatim and add no verbs', () => {
    const xml = buildStreamTwiml({ streamUrl: 'wss://h/media-stream', parameters: { callSid: HOSTILE } });
    expect(xml).not.toContain('<Hangup');
    expect(xml).not.toContain('<Say');
    expect(parseStream(xml).parameters).toEqual([{ name: 'callSid', value: HOSTILE }]);
  });

  it('gives well-formed XML whatever the values hold: characters XML 1.0 forbids are dropped', () => {
    for (const bad of ['\u0000', '\u0001', '\u000B', '\u000C', '\u001F', '\uFFFE', '\uFFFF', '\uD800', '\uDFFF']) {
      const value = `CA${bad}12${bad}`;
      const xml = buildStreamTwiml({ streamUrl: `wss://h/media-stream`, parameters: { callSid: value, [`n${bad}`]: 'v' } });
      expect(XMLValidator.validate(xml), JSON.stringify(bad)).toBe(true);
      expect(parseStream(xml).parameters).toEqual([
        { name: 'callSid', value: 'CA12' },
        { name: 'n', value: 'v' },
      ]);
    }
    // What XML allows is kept: tab and newline (as character references), astral and private-use characters.
    const xml = buildStreamTwiml({ streamUrl: 'wss://h/media-stream', parameters: { x: 'a\tb\nc 😀 \uE000' } });
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('value="a&#x9;b&#xA;c 😀 \uE000"');
  });

  it("leaves out a parameter over Twilio's 500-character limit", () => {
    const xml = buildStreamTwiml({ streamUrl: 'wss://h/media-stream', parameters: { big: 'x'.repeat(600), callSid: 'CA1' } });
    expect(parseStream(xml).parameters).toEqual([{ name: 'callSid', value: 'CA1' }]);
  });
});

describe('stream and webhook URLs', () => {
  it('uses wss:// and the Host header when no public URL is set', () => {
    expect(mediaStreamUrl(null, '127.0.0.1:4100')).toBe('wss://127.0.0.1:4100/media-stream');
    expect(webhookUrl(null, 'agent.example.com', false, '/incoming-call?x=1')).toBe('http://agent.example.com/incoming-call?x=1');
    expect(webhookUrl(null, 'agent.example.com', true, '/incoming-call')).toBe('https://agent.example.com/incoming-call');
  });

  it('derives both from the public URL, https becoming wss, keeping a path prefix', () => {
    const publicUrl = new URL('https://voice.example.com/agent');
    expect(mediaStreamUrl(publicUrl, 'ignored:1')).toBe('wss://voice.example.com/agent/media-stream');
    expect(webhookUrl(publicUrl, 'ignored:1', false, '/incoming-call')).toBe('https://voice.example.com/agent/incoming-call');
  });

  it('refuses a Host header that is not a plain host[:port]', () => {
    expect(mediaStreamUrl(null, 'evil.com/"><Hangup/>')).toBeUndefined();
    expect(mediaStreamUrl(null, undefined)).toBeUndefined();
    expect(mediaStreamUrl(null, '[::1]:8080')).toBe('wss://[::1]:8080/media-stream');
  });
});

const TOKEN = 'test-auth-token';

function options(overrides: Partial<AgentOptions> = {}): ReturnType<typeof resolveAgentOptions> {
  return resolveAgentOptions({ deepgramApiKey: 'dg', openaiApiKey: 'oa', twilioAuthToken: TOKEN, ...overrides });
}

function upgradeRequest(url: string, headers: Record<string, string>): Pick<IncomingMessage, 'url' | 'headers'> {
  return { url, headers };
}

describe('signatures', () => {
  it("accepts Twilio's known test vector and rejects a tampered URL", () => {
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
    expect(isValidTwilioSignature('12345', '0/KCTR6DLpKmkAf8muzZqo1nDgQ=', url, params)).toBe(true);
    expect(isValidTwilioSignature('12345', '0/KCTR6DLpKmkAf8muzZqo1nDgQ=', `${url}&baz=3`, params)).toBe(false);
    expect(isValidTwilioSignature('12345', undefined, url, params)).toBe(false);
  });

  it('admits a media-stream upgrade signed over the exact wss URL with no params', () => {
    const host = '127.0.0.1:4100';
    const signature = twilio.getExpectedTwilioSignature(TOKEN, `wss://${host}/media-stream`, {});
    expect(judgeUpgrade(upgradeRequest('/media-stream', { host, 'x-twilio-signature': signature }), options())).toEqual({ ok: true });
  });

  it('refuses unsigned, wrongly signed and wrong-path upgrades', () => {
    const host = '127.0.0.1:4100';
    const wrongUrl = twilio.getExpectedTwilioSignature(TOKEN, `https://${host}/media-stream`, {});
    expect(judgeUpgrade(upgradeRequest('/media-stream', { host }), options())).toMatchObject({ ok: false, status: 403 });
    expect(judgeUpgrade(upgradeRequest('/media-stream', { host, 'x-twilio-signature': wrongUrl }), options())).toMatchObject({ ok: false, status: 403 });
    expect(judgeUpgrade(upgradeRequest('/other', { host }), options())).toMatchObject({ ok: false, status: 404 });
    expect(judgeUpgrade(upgradeRequest('/other', { host }), options({ twilioAuthToken: '' }))).toMatchObject({ ok: false, status: 404 });
    expect(judgeUpgrade(upgradeRequest('/media-stream', { host }), options({ twilioAuthToken: '' }))).toEqual({ ok: true });
  });

  it('checks the upgrade against the URL as dialled, query string included', () => {
    const host = '127.0.0.1:4100';
    const bare = twilio.getExpectedTwilioSignature(TOKEN, `wss://${host}/media-stream`, {});
    const withQuery = twilio.getExpectedTwilioSignature(TOKEN, `wss://${host}/media-stream?foo=bar`, {});
    expect(judgeUpgrade(upgradeRequest('/media-stream?foo=bar', { host, 'x-twilio-signature': bare }), options())).toMatchObject({ ok: false, status: 403 });
    expect(judgeUpgrade(upgradeRequest('/media-stream?foo=bar', { host, 'x-twilio-signature': withQuery }), options())).toEqual({ ok: true });
    expect(judgeUpgrade(upgradeRequest('/media-stream', { host, 'x-twilio-signature': withQuery }), options())).toMatchObject({ ok: false, status: 403 });
    expect(judgeUpgrade(upgradeRequest('/media-stream?foo=baz', { host, 'x-twilio-signature': withQuery }), options())).toMatchObject({ ok: false, status: 403 });
  });

  it('checks the upgrade against the public URL when one is set', () => {
    const signature = twilio.getExpectedTwilioSignature(TOKEN, 'wss://voice.example.com/media-stream', {});
    const request = upgradeRequest('/media-stream', { host: '10.0.0.5:3000', 'x-twilio-signature': signature });
    expect(judgeUpgrade(request, options({ publicUrl: 'https://voice.example.com' }))).toEqual({ ok: true });
    expect(judgeUpgrade(request, options())).toMatchObject({ ok: false, status: 403 });
  });
});
