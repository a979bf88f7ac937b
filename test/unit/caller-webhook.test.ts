/**
 * The voice webhook the fake Twilio POSTs: form-encoded, signed with X-Twilio-Signature so that
 * twilio.validateRequest accepts it, and the TwiML answer read into a stream instruction. The
 * stream-upgrade signature is the one Twilio computes over the wss URL with no params.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { twilioSignature } from '../../harness/caller/twilio-signature.ts';
import { postVoiceWebhook, streamSignature, type WebhookRequest } from '../../harness/caller/webhook.ts';
import { createManualClock, type Clock } from '../../harness/clock.ts';

const TOKEN = 'test-auth-token-0123456789';
const CALL_SID = `CA${'1'.repeat(32)}`;
const ACCOUNT_SID = `AC${'2'.repeat(32)}`;

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Reply {
  status: number;
  body: string;
}

let server: Server | undefined;

afterEach(async () => {
  const s = server;
  server = undefined;
  if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** A local webhook that records each request and answers with `reply`. */
async function startWebhook(reply: Reply): Promise<{ base: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(reply.status, { 'content-type': 'text/xml' });
      res.end(reply.body);
    });
  });
  const s = server;
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const { port } = s.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, received };
}

function streamTwiml(url: string, parameters: Record<string, string>): string {
  const response = new twilio.twiml.VoiceResponse();
  const stream = response.connect().stream({ url });
  for (const [name, value] of Object.entries(parameters)) stream.parameter({ name, value });
  return response.toString();
}

function request(url: string, extra: Partial<WebhookRequest> = {}): WebhookRequest {
  return { url, authToken: TOKEN, callSid: CALL_SID, accountSid: ACCOUNT_SID, from: '+15550100001', to: '+15550100002', ...extra };
}

/** A clock that reads `times` in turn: the webhook's duration is their difference. */
function steppingClock(times: number[]): Clock {
  const base = createManualClock(0);
  let i = 0;
  return { ...base, now: () => times[Math.min(i++, times.length - 1)] ?? 0 };
}

describe('postVoiceWebhook', () => {
  it('POSTs the call as a form whose X-Twilio-Signature twilio.validateRequest accepts', async () => {
    const { base, received } = await startWebhook({ status: 200, body: streamTwiml('wss://127.0.0.1/media', {}) });
    const url = `${base}/incoming-call`;
    const result = await postVoiceWebhook(createManualClock(0), request(url));
    expect(result.ok).toBe(true);

    expect(received).toHaveLength(1);
    const got = received[0];
    if (got === undefined) throw new Error('no request');
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/incoming-call');
    expect(got.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const params = Object.fromEntries(new URLSearchParams(got.body));
    expect(params).toEqual({
      CallSid: CALL_SID,
      AccountSid: ACCOUNT_SID,
      From: '+15550100001',
      To: '+15550100002',
      CallStatus: 'ringing',
      ApiVersion: '2010-04-01',
      Direction: 'inbound',
    });
    const signature = got.headers['x-twilio-signature'];
    expect(typeof signature).toBe('string');
    expect(twilio.validateRequest(TOKEN, String(signature), url, params)).toBe(true);
    // It is a real signature: another token, another URL or altered params do not validate.
    expect(twilio.validateRequest('another-token', String(signature), url, params)).toBe(false);
    expect(twilio.validateRequest(TOKEN, String(signature), `${base}/other`, params)).toBe(false);
    expect(twilio.validateRequest(TOKEN, String(signature), url, { ...params, From: '+15559999999' })).toBe(false);
  });

  it('signs the full URL, query string included', async () => {
    const { base, received } = await startWebhook({ status: 200, body: streamTwiml('wss://127.0.0.1/media', {}) });
    const url = `${base}/incoming-call?tenant=acme&lang=en`;
    await postVoiceWebhook(createManualClock(0), request(url));
    const got = received[0];
    if (got === undefined) throw new Error('no request');
    expect(got.url).toBe('/incoming-call?tenant=acme&lang=en');
    const params = Object.fromEntries(new URLSearchParams(got.body));
    expect(twilio.validateRequest(TOKEN, String(got.headers['x-twilio-signature']), url, params)).toBe(true);
  });

  it('returns the TwiML read into verbs and the stream it asks for, the status, the send time and the duration on the clock', async () => {
    const { base } = await startWebhook({ status: 200, body: streamTwiml('wss://127.0.0.1:4000/media', { tenant: 'acme', hostile: `a&b"<c>'` }) });
    const result = await postVoiceWebhook(steppingClock([1000, 1250.5]), request(`${base}/incoming-call`));
    const stream = { url: 'wss://127.0.0.1:4000/media', parameters: { tenant: 'acme', hostile: `a&b"<c>'` } };
    expect(result).toEqual({
      ok: true,
      status: 200,
      sentAt: 1000,
      durationMs: 250.5,
      contentType: 'text/xml',
      bodyBytes: Buffer.byteLength(streamTwiml('wss://127.0.0.1:4000/media', { tenant: 'acme', hostile: `a&b"<c>'` })),
      params: expect.objectContaining({ CallSid: CALL_SID, From: '+15550100001' }),
      twiml: { verbs: [{ verb: 'Connect', stream }], before: [], stream, after: [], note: undefined },
    });
  });

  it('fails with the TwiML\'s one line when a verb before <Connect> ends the call', async () => {
    const { base } = await startWebhook({ status: 200, body: '<Response><Hangup/><Connect><Stream url="wss://127.0.0.1/media"/></Connect></Response>' });
    const result = await postVoiceWebhook(createManualClock(0), request(`${base}/incoming-call`));
    expect(result).toMatchObject({ ok: false, status: 200, error: 'TwiML <Hangup> before <Connect>: Twilio would hang up before the stream opens' });
  });

  it('fails with the HTTP status when the webhook answers an error', async () => {
    const { base } = await startWebhook({ status: 403, body: 'forbidden' });
    const result = await postVoiceWebhook(createManualClock(0), request(`${base}/incoming-call`));
    expect(result.ok).toBe(false);
    expect(result.status).toBe(403);
    if (!result.ok) expect(result.error).toContain('HTTP 403');
  });

  it('fails with the TwiML problem when the answer has no usable <Connect><Stream>', async () => {
    const { base } = await startWebhook({ status: 200, body: streamTwiml('ws://127.0.0.1/media', {}) });
    const result = await postVoiceWebhook(createManualClock(0), request(`${base}/incoming-call`));
    expect(result.ok).toBe(false);
    expect(result.status).toBe(200);
    if (!result.ok) expect(result.error).toContain('31922');
  });

  it('fails with status 0 when nothing listens, and says why (the refusal, not only "fetch failed")', async () => {
    const { base } = await startWebhook({ status: 200, body: '' });
    const s = server;
    server = undefined;
    await new Promise<void>((resolve) => s?.close(() => resolve()));
    const result = await postVoiceWebhook(createManualClock(0), request(`${base}/incoming-call`));
    expect(result.ok).toBe(false);
    expect(result.status).toBe(0);
    if (!result.ok) expect(result.error).toContain(`${base}/incoming-call`);
    if (!result.ok) expect(result.error).toMatch(/failed: fetch failed \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/);
  });

  it('gives up when the caller\'s signal aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('test abort'));
    const { base, received } = await startWebhook({ status: 200, body: streamTwiml('wss://127.0.0.1/media', {}) });
    const result = await postVoiceWebhook(createManualClock(0), request(`${base}/incoming-call`, { signal: controller.signal }));
    expect(result.ok).toBe(false);
    expect(result.status).toBe(0);
    expect(received).toHaveLength(0);
  });
});

describe('streamSignature', () => {
  it('is the signature twilio.validateRequest accepts for the wss URL with no params', () => {
    const url = 'wss://agent.example.com:8443/media-stream';
    const signature = streamSignature(TOKEN, url);
    expect(twilio.validateRequest(TOKEN, signature, url, {})).toBe(true);
    expect(twilio.validateRequest(TOKEN, signature, 'wss://agent.example.com:8443/other', {})).toBe(false);
    expect(twilio.validateRequest('another-token', signature, url, {})).toBe(false);
  });

  it('is base64 HMAC-SHA1 of the URL as written under the auth token', () => {
    const url = 'wss://127.0.0.1:5050/media';
    expect(streamSignature(TOKEN, url)).toBe(createHmac('sha1', TOKEN).update(url).digest('base64'));
  });
});

describe('twilioSignature', () => {
  it('is the signature the twilio library computes, for sorted, empty, repeated-prefix and non-ASCII parameters', () => {
    const url = 'https://agent.example.com:8443/incoming-call?tenant=acme';
    const cases: Array<Record<string, string>> = [
      {},
      { CallSid: CALL_SID, AccountSid: ACCOUNT_SID, From: '+15550100001', To: '+15550100002' },
      { b: '2', a: '1', A: '0', ab: '', 'a b': 'x&y=z' },
      { Caller: 'Zoë «test» 📞', Digits: '', SipHeader_X: '\u0000\n' },
    ];
    for (const params of cases) expect(twilioSignature(TOKEN, url, params)).toBe(twilio.getExpectedTwilioSignature(TOKEN, url, params));
  });
});
