/** The Twilio-side checks of one call (catalogue/twilio.ts), judged from its caller timeline. */
import type { CallCheckInput } from '../call-checks.ts';
import type { CheckVerdict } from '../check.ts';

export function twilioChecks(_input: CallCheckInput, _origin: number): CheckVerdict[] {
  return [];
}
