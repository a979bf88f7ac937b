/**
 * What a call that timed out waiting for the agent adds to its error: how long the caller had
 * heard nothing when it hung up, when the agent's last audible audio arrived and finished playing,
 * and when the caller last spoke. "The agent did not finish a turn within 20000 ms" alone does not
 * say whether the agent was slow, talking on, or had gone silent (a frozen upstream, a stuck
 * pipeline); this does, from the caller's timeline. Times are seconds after `start`, as in check
 * evidence.
 */
import type { TimelineEvent } from '../caller/timeline.ts';
import { callOrigin, secondsAfter } from '../checks/check.ts';

/** Errors of the steps that wait on the agent (as run-scenario-call.ts words them): the ones a silence explains. */
const WAIT_STEP = /^step \d+ \((wait_for_agent|wait_for_agent_audio)\): /;

export function isWaitStepError(error: string): boolean {
  return WAIT_STEP.test(error);
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The note, or undefined for a timeline without a hang-up or a start to measure from. */
export function silenceNote(events: readonly TimelineEvent[]): string | undefined {
  const end = events.find((e) => e.kind === 'stop_sent')?.t ?? events.find((e) => e.kind === 'closed')?.t;
  if (end === undefined || !events.some((e) => e.kind === 'start_sent')) return undefined;
  const origin = callOrigin(events);
  const said = [...events].reverse().find((e): e is Extract<TimelineEvent, { kind: 'utterance' }> => e.kind === 'utterance');
  const caller = said === undefined ? '' : `; the caller's last voiced sample was sent at ${secondsAfter(origin, said.lastVoicedAt)}`;
  const audible = events.filter((e): e is Extract<TimelineEvent, { kind: 'agent_media' }> & { audibleTo: number } => e.kind === 'agent_media' && e.audibleTo !== undefined);
  const last = audible[audible.length - 1];
  if (last === undefined) return `the caller heard no audio from the agent in the ${secs(end - origin)} before the hang-up at ${secondsAfter(origin, end)}${caller}`;
  const quietFrom = Math.max(...audible.map((e) => e.audibleTo));
  if (quietFrom >= end) return undefined;
  return (
    `the agent had gone silent: the caller heard nothing for the last ${secs(end - quietFrom)} before the hang-up at ${secondsAfter(origin, end)} ` +
    `(its last audible audio arrived at ${secondsAfter(origin, last.t)} and finished playing at ${secondsAfter(origin, quietFrom)})${caller}`
  );
}
