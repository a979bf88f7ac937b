/** Checks of the Twilio side of a call, judged from the caller's timeline (owned with harness/checks/twilio/). */
import type { CheckDefinition } from './definition.ts';

export const TWILIO_CHECKS = {} as const satisfies Record<string, CheckDefinition>;
