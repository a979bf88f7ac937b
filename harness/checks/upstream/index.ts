/** The upstream-protocol checks of one call (catalogue/upstream.ts), judged from its mock journal. */
import type { CallCheckInput } from '../call-checks.ts';
import { skipped, type CheckId, type CheckVerdict } from '../check.ts';
import { UPSTREAM_CHECKS } from '../catalogue/upstream.ts';
import { checkKeepAlive, checkListenConfig, checkSpeakConfig } from './deepgram-config.ts';
import { checkGenerationStopped } from './generation-stopped.ts';
import { checkOneReply } from './one-reply.ts';
import { checkEventNames, checkSessionConfig } from './realtime-config.ts';
import { checkTruncateAccuracy } from './truncate-accuracy.ts';

export function upstreamChecks(input: CallCheckInput, origin: number): CheckVerdict[] {
  // On the real services the mocks see nothing: every upstream check says so.
  if (input.mocks === false) return (Object.keys(UPSTREAM_CHECKS) as CheckId[]).map((id) => skipped(id, 'no mocks (the real services): the upstream traffic is not seen'));
  return [
    checkOneReply(input, origin),
    checkGenerationStopped(input, origin),
    checkTruncateAccuracy(input, origin),
    checkListenConfig(input),
    checkKeepAlive(input, origin),
    checkSpeakConfig(input, origin),
    checkSessionConfig(input),
    checkEventNames(input, origin),
  ];
}
