/** Credentials never reach a capture; the TwiML rewrite touches only the Stream URLs. */
import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../harness/record/redact.ts';
import { rewriteStreamUrls } from '../../harness/record/twilio-proxy.ts';
import { withoutAudio } from '../../harness/record/upstream-proxy.ts';

describe('redactor', () => {
  it('replaces credential headers, query values and subprotocols, and scrubs them from any text after', () => {
    const r = createRedactor(['twilio-token-123']);
    expect(r.headers({ Authorization: 'Token dg-secret-key', 'x-api-key': 'abcdef123', 'content-type': 'application/json', 'sec-websocket-protocol': 'token, dg-other-key' })).toEqual({
      authorization: 'Token ***',
      'x-api-key': '***',
      'content-type': 'application/json',
      'sec-websocket-protocol': 'token, ***',
    });
    expect(r.url('wss://api.example.com/v1/listen?encoding=mulaw&token=qs-secret-1&model=x')).toBe('wss://api.example.com/v1/listen?encoding=mulaw&token=***&model=x');
    expect(r.url('/v1/realtime?model=gpt&api_key=qs-secret-2')).toBe('/v1/realtime?model=gpt&api_key=***');
    expect(r.protocols(['realtime', 'openai-insecure-api-key.sk-browser-key'])).toEqual(['realtime', 'openai-insecure-api-key.***']);
    const text = r.text('{"echo":"dg-secret-key","also":"qs-secret-1 dg-other-key sk-browser-key twilio-token-123","h":"Bearer sk-inline-abcdef"}');
    for (const secret of ['dg-secret-key', 'qs-secret-1', 'dg-other-key', 'sk-browser-key', 'twilio-token-123', 'sk-inline-abcdef']) expect(text).not.toContain(secret);
    expect(text).toContain('Bearer ***');
  });

  it('records Realtime audio as its size', () => {
    const audio = Buffer.alloc(320, 1).toString('base64');
    const out = withoutAudio(JSON.stringify({ type: 'input_audio_buffer.append', audio }));
    expect(out.audioBytes).toBe(320);
    expect(JSON.parse(out.text)).toEqual({ type: 'input_audio_buffer.append', audio: '<320 bytes>' });
    expect(withoutAudio(JSON.stringify({ type: 'response.output_audio.delta', delta: audio, item_id: 'i' })).audioBytes).toBe(320);
    expect(withoutAudio('{"type":"session.update"}')).toEqual({ text: '{"type":"session.update"}' });
  });
});

describe('TwiML rewrite', () => {
  it('points every <Stream url> at the proxy and leaves the rest byte for byte', () => {
    const twiml = `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hi &amp; bye</Say><Connect><Stream url="wss://agent.example/media?a=1&amp;b=2"><Parameter name="x" value="y"/></Stream></Connect></Response>`;
    const { twiml: out, urls } = rewriteStreamUrls(twiml, (url) => `wss://proxy/s/${url.length}`);
    expect(urls).toEqual(['wss://agent.example/media?a=1&b=2']);
    expect(out).toBe(twiml.replace('wss://agent.example/media?a=1&amp;b=2', 'wss://proxy/s/33'));
  });
});
