/** The voice webhook Twilio POSTs when a call comes in: form-encoded and signed. */
import twilio from 'twilio';
import type { Clock } from '../clock.ts';
import { parseTwiml, type TwimlDocument } from './twiml.ts';

export interface WebhookRequest {
  url: string;
  authToken: string;
  callSid: string;
  accountSid: string;
  from: string;
  to: string;
  signal?: AbortSignal;
}

export type WebhookResult =
  | { ok: true; status: number; sentAt: number; durationMs: number; twiml: TwimlDocument }
  | { ok: false; status: number; sentAt: number; durationMs: number; error: string };

/** Twilio gives up on the initial webhook after 15 s (error 31408). */
export const WEBHOOK_TIMEOUT_MS = 15_000;

export async function postVoiceWebhook(clock: Clock, request: WebhookRequest): Promise<WebhookResult> {
  const params: Record<string, string> = {
    CallSid: request.callSid,
    AccountSid: request.accountSid,
    From: request.from,
    To: request.to,
    CallStatus: 'ringing',
    ApiVersion: '2010-04-01',
    Direction: 'inbound',
  };
  const signature = twilio.getExpectedTwilioSignature(request.authToken, request.url, params);
  const started = clock.now();
  const timeout = AbortSignal.timeout(WEBHOOK_TIMEOUT_MS);
  const signal = request.signal === undefined ? timeout : AbortSignal.any([timeout, request.signal]);
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
      signal,
    });
  } catch (error) {
    return { ok: false, status: 0, sentAt: started, durationMs: clock.now() - started, error: `webhook ${request.url} failed: ${(error as Error).message}` };
  }
  const body = await response.text();
  const durationMs = clock.now() - started;
  if (!response.ok) return { ok: false, status: response.status, sentAt: started, durationMs, error: `webhook ${request.url} answered HTTP ${response.status}` };
  const twiml = parseTwiml(body);
  if (!twiml.ok) return { ok: false, status: response.status, sentAt: started, durationMs, error: twiml.error };
  return { ok: true, status: response.status, sentAt: started, durationMs, twiml: twiml.value };
}

/** The signature Twilio puts on the media-stream upgrade: the wss URL as written, no params. */
export function streamSignature(authToken: string, streamUrl: string): string {
  return twilio.getExpectedTwilioSignature(authToken, streamUrl, {});
}
