/** The upstream-protocol checks of one call (catalogue/upstream.ts), judged from its mock journal. */
import type { CallCheckInput } from '../call-checks.ts';
import type { CheckVerdict } from '../check.ts';

export function upstreamChecks(_input: CallCheckInput, _origin: number): CheckVerdict[] {
  return [];
}
