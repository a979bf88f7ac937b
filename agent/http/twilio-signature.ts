/** Twilio request signatures (`X-Twilio-Signature`, lowercase on the WebSocket upgrade). */
import type { IncomingHttpHeaders } from 'node:http';
import twilio from 'twilio';

export function signatureHeader(headers: IncomingHttpHeaders): string | undefined {
  const value = headers['x-twilio-signature'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Whether `signature` is Twilio's for `url` and `params` (`{}` for the media-stream upgrade). */
export function isValidTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Readonly<Record<string, string>>,
): boolean {
  if (signature === undefined) return false;
  try {
    return twilio.validateRequest(authToken, signature, url, params);
  } catch {
    return false;
  }
}
