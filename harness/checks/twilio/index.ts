/** The Twilio-side checks of one call (catalogue/twilio.ts), judged from its caller timeline. */
import type { CallCheckInput } from '../call-checks.ts';
import type { CheckVerdict } from '../check.ts';
import { checkAudioFormat } from './audio-format.ts';
import { checkExpected } from './expected.ts';
import { checkMarks } from './marks.ts';
import { checkNothingBeforeStart } from './nothing-before-start.ts';
import { checkOneClear } from './one-clear.ts';
import { checkQuietAfterStop } from './quiet-after-stop.ts';
import { checkRobustParsing } from './robust-parsing.ts';
import { checkStreamSid } from './stream-sid.ts';
import { checkTwimlValid } from './twiml-valid.ts';

export function twilioChecks(input: CallCheckInput, origin: number): CheckVerdict[] {
  return [
    checkExpected(input, origin),
    checkRobustParsing(input, origin),
    checkStreamSid(input, origin),
    checkNothingBeforeStart(input, origin),
    checkAudioFormat(input, origin),
    checkQuietAfterStop(input, origin),
    checkTwimlValid(input, origin),
    checkOneClear(input, origin),
    checkMarks(input, origin),
  ];
}
