/**
 * The X-Twilio-Signature the fake Twilio puts on its requests, as Twilio documents it: HMAC-SHA1,
 * keyed by the auth token, of the full URL followed by each POST parameter's name and value in
 * the names' sorted order, base64. Made here with node:crypto rather than the `twilio` package so
 * that the harness does not need the reference agent's SDK (twilio is an optional peer); the unit
 * tests hold it to `twilio.validateRequest`.
 */
import { createHmac } from 'node:crypto';

export function twilioSignature(authToken: string, url: string, params: Readonly<Record<string, string>>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, name) => acc + name + params[name], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}
