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
 * How much later than the caller's receipt the agent may say it sent the first media. Causally it
 * sent it before, but its reading is another thread's or process's clock: the worker's shares our
 * origin only within the offset's measured uncertainty, a few ms on a loaded machine. With 1 ms,
 * 1 run in 6 with two busy cores paired nothing (the agent's send read 1–2 ms after our receipt).
 */
const CLOCK_SLACK_MS = 10;

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
    const match = reported.find((r) => Math.abs(r.firstMediaAt - turn.firstMediaAt) <= PAIRING_WINDOW_MS && r.firstMediaAt <= turn.firstMediaAt + CLOCK_SLACK_MS);
    if (match === undefined) continue;
    errors.push(Math.abs(turn.firstMediaAt - turn.finalAt - (match.firstMediaAt - match.sttFinalAt)));
  }
  return errors;
}
