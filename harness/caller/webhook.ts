/** The voice webhook Twilio POSTs when a call comes in: form-encoded and signed. */
import type { Clock } from '../clock.ts';
import { fetchErrorMessage } from '../net/fetch-error.ts';
import { twilioSignature } from './twilio-signature.ts';
import { parseTwiml, type TwimlDocument } from './twiml.ts';

export interface WebhookRequest {
  url: string;
  authToken: string;
  callSid: string;
  accountSid: string;
  from: string;
  to: string;
  /** More form parameters, or other values of From, To or the like (a scenario's twilio.webhookParams); CallSid and AccountSid stay the call's. */
  extraParams?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

/** What every answer has: when it was asked, how long it took, what came back. */
interface WebhookFacts {
  status: number;
  sentAt: number;
  durationMs: number;
  /** The answer's Content-Type (undefined: none, or no answer at all). */
  contentType: string | undefined;
  bodyBytes: number;
  /** The parameters posted. */
  params: Readonly<Record<string, string>>;
}

export type WebhookResult =
  | ({ ok: true; twiml: TwimlDocument } & WebhookFacts)
  /** `stage`: the request itself failed (`webhook`) or its answer is no usable TwiML (`twiml`). */
  | ({ ok: false; stage: 'webhook' | 'twiml'; error: string } & WebhookFacts);

/** Twilio gives up on the initial webhook after 15 s (error 31408). */
export const WEBHOOK_TIMEOUT_MS = 15_000;
/** Twilio refuses a TwiML body over 64 kB (error 11750). */
export const MAX_TWIML_BYTES = 64 * 1024;
/**
 * Whether Twilio would read a body of this media type as TwiML. An answer with no Content-Type is
 * error 12300 (Twilio's words: "You must return a Content-Type for all requests"); so is one it
 * cannot read as a document (JSON, audio). XML types, text/html and text/plain are let through.
 */
function readsAsTwiml(mediaType: string): boolean {
  return mediaType.endsWith('/xml') || mediaType.endsWith('+xml') || mediaType === 'text/html' || mediaType === 'text/plain';
}

export async function postVoiceWebhook(clock: Clock, request: WebhookRequest): Promise<WebhookResult> {
  const params: Record<string, string> = {
    CallSid: request.callSid,
    AccountSid: request.accountSid,
    From: request.from,
    To: request.to,
    CallStatus: 'ringing',
    ApiVersion: '2010-04-01',
    Direction: 'inbound',
    ...request.extraParams,
  };
  // The call's identifiers stay the harness's own (faults and journals are tied by them), in their place.
  params['CallSid'] = request.callSid;
  params['AccountSid'] = request.accountSid;
  const signature = twilioSignature(request.authToken, request.url, params);
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
    const facts: WebhookFacts = { status: 0, sentAt: started, durationMs: clock.now() - started, contentType: undefined, bodyBytes: 0, params };
    const why = timeout.aborted ? `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s: Twilio gives up on a voice webhook then` : fetchErrorMessage(error);
    return { ok: false, stage: 'webhook', error: `webhook ${request.url} failed: ${why}`, ...facts };
  }
  let body: Buffer;
  try {
    body = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    const facts: WebhookFacts = { status: response.status, sentAt: started, durationMs: clock.now() - started, contentType: response.headers.get('content-type') ?? undefined, bodyBytes: 0, params };
    return { ok: false, stage: 'webhook', error: `webhook ${request.url} failed while its answer was read: ${fetchErrorMessage(error)}`, ...facts };
  }
  const contentType = response.headers.get('content-type') ?? undefined;
  const facts: WebhookFacts = { status: response.status, sentAt: started, durationMs: clock.now() - started, contentType, bodyBytes: body.length, params };
  if (!response.ok) return { ok: false, stage: 'webhook', error: `webhook ${request.url} answered HTTP ${response.status}`, ...facts };
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === undefined || mediaType === '') return { ok: false, stage: 'twiml', error: 'the webhook answered TwiML with no Content-Type (Twilio error 12300)', ...facts };
  if (!readsAsTwiml(mediaType)) return { ok: false, stage: 'twiml', error: `the webhook answered Content-Type ${JSON.stringify(contentType)}, not text/xml (Twilio error 12300)`, ...facts };
  if (body.length > MAX_TWIML_BYTES) return { ok: false, stage: 'twiml', error: `the webhook answered ${body.length} bytes of TwiML, over Twilio's 64 kB (error 11750)`, ...facts };
  const twiml = parseTwiml(body.toString('utf8'));
  if (!twiml.ok) return { ok: false, stage: 'twiml', error: twiml.error, ...facts };
  return { ok: true, twiml: twiml.value, ...facts };
}

/** The signature Twilio puts on the media-stream upgrade: the wss URL as written, no params. */
export function streamSignature(authToken: string, streamUrl: string): string {
  return twilioSignature(authToken, streamUrl, {});
}
