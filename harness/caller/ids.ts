/** Twilio-shaped identifiers: two letters and 32 lowercase hex digits. */
import { randomBytes } from 'node:crypto';

export function twilioSid(prefix: 'CA' | 'AC' | 'MZ'): string {
  return prefix + randomBytes(16).toString('hex');
}
