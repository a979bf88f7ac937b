/**
 * POST /incoming-call: Twilio's voice webhook. Reads the form body within a deadline, validates
 * the signature when an auth token is set, refuses a CallSid that is not Twilio's shape (it is
 * echoed into the TwiML), then answers with TwiML that connects the call to this agent's media
 * stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentLogger } from '../logger.ts';
import type { ResolvedAgentOptions } from '../options.ts';
import { BodyTimeoutError, BodyTooLargeError, readFormBody } from './read-form.ts';
import { mediaStreamUrl, webhookUrl } from './request-urls.ts';
import { buildStreamTwiml } from './twiml.ts';
import { isValidTwilioSignature, signatureHeader } from './twilio-signature.ts';

export function sendText(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  response.end(body);
}

/** Twilio's CallSid: `CA` and 32 hex digits. */
export const CALL_SID_PATTERN = /^CA[0-9a-fA-F]{32}$/;

/** Whether the request came in over TLS (an https server); a plain http server says no. */
function isEncrypted(request: IncomingMessage): boolean {
  const { socket } = request;
  return 'encrypted' in socket && socket.encrypted === true;
}

export async function handleIncomingCall(
  request: IncomingMessage,
  response: ServerResponse,
  options: ResolvedAgentOptions,
  logger: AgentLogger,
): Promise<void> {
  if (request.method !== 'POST') {
    sendText(response, 405, 'Method Not Allowed\n', { allow: 'POST' });
    return;
  }
  let params: Record<string, string>;
  try {
    params = await readFormBody(request, { clock: options.clock, timeoutMs: options.tuning.webhookBodyTimeoutMs });
  } catch (error) {
    if (error instanceof BodyTimeoutError) {
      logger.warn(null, 'webhook.timeout', `${error.message}; dropping the request`);
      // The client may still be sending: `connection: close` has Node end the socket once the answer is out.
      sendText(response, 408, 'Request Timeout\n', { connection: 'close' });
    } else if (error instanceof BodyTooLargeError) sendText(response, 413, 'Payload Too Large\n', { connection: 'close' });
    else sendText(response, 400, 'Bad Request\n');
    return;
  }
  const host = request.headers.host;
  const streamUrl = mediaStreamUrl(options.publicUrl, host);
  const signedUrl = webhookUrl(options.publicUrl, host, isEncrypted(request), request.url ?? '/');
  if (streamUrl === undefined || signedUrl === undefined) {
    sendText(response, 400, 'Bad Request: missing or invalid Host header\n');
    return;
  }
  const callSid = params['CallSid'] ?? null;
  if (options.twilioAuthToken !== null) {
    if (!isValidTwilioSignature(options.twilioAuthToken, signatureHeader(request.headers), signedUrl, params)) {
      logger.warn(callSid, 'webhook.rejected', `invalid or missing X-Twilio-Signature for ${signedUrl}`);
      sendText(response, 403, 'Forbidden\n');
      return;
    }
  }
  if (callSid !== null && !CALL_SID_PATTERN.test(callSid)) {
    logger.warn(null, 'webhook.rejected', `CallSid ${JSON.stringify(callSid.slice(0, 80))} is not CA followed by 32 hex digits`);
    sendText(response, 400, 'Bad Request: CallSid must be CA followed by 32 hex digits\n');
    return;
  }
  const twiml = buildStreamTwiml({ streamUrl, parameters: callSid === null ? {} : { callSid } });
  response.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
  response.end(twiml);
  logger.emit({ type: 'webhook.answered', callSid, streamUrl });
}
