/**
 * The agent's own timings against the harness's measurements. An agent that reports, per reply,
 * when it got the STT final and when it sent the first media, claims a latency; the harness
 * measured the same span from outside (mock final sent → caller received first media). The
 * difference is what the agent's own dashboard does not see.
 */

/** One reply as the agent reports it, on its clock (ms; a clock comparable to the harness's). */
export interface SelfReportedTurn {
  sttFinalAt: number;
  firstMediaAt: number;
}

/** Agent-reported and harness-measured turns are paired when their first-media times are this close. */
const PAIRING_WINDOW_MS = 250;

/**
 * |measured − reported| for every reply that both sides saw: measured spans from the mock's STT
 * final to the caller's receipt of the first media message.
 */
export function selfReportErrors(
  measured: ReadonlyArray<{ finalAt: number; firstMediaAt: number }>,
  reported: readonly SelfReportedTurn[],
): number[] {
  const errors: number[] = [];
  for (const turn of measured) {
    const match = reported.find((r) => Math.abs(r.firstMediaAt - turn.firstMediaAt) <= PAIRING_WINDOW_MS && r.firstMediaAt <= turn.firstMediaAt + 1);
    if (match === undefined) continue;
    errors.push(Math.abs(turn.firstMediaAt - turn.finalAt - (match.firstMediaAt - match.sttFinalAt)));
  }
  return errors;
}
