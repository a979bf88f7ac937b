/**
 * What callbench's caller said on a recorded call, for its capture.json (`caller`): each
 * utterance's place in caller.wav (from the frames the caller sent: the call record keeps each
 * frame's send time, and the timeline the send time of each utterance's last frame), its words,
 * its voiced spans, and what the scenario expected of the agent. A replay says the same things at
 * the same places and judges the agent by the same expectations.
 */
import { FRAME_MS, toFrames } from '../audio/index.ts';
import { eventsOf } from '../caller/timeline.ts';
import type { Utterance } from '../caller/utterance.ts';
import type { CallRecord } from '../runner/events.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { CallerScript, CapturedUtterance } from './capture-format.ts';

/** The caller's script of `call`, or undefined when its audio was not kept (RunPlan.callAudio). */
export function callerScriptOf(call: CallRecord, scenario: Scenario, fixtures: ReadonlyMap<string, Utterance>): CallerScript | undefined {
  const sent = call.audio?.sent;
  if (sent === undefined) return undefined;
  const frameAt = new Map<number, number>();
  sent.forEach((frame, index) => frameAt.set(frame.at, index));
  const utterances: CapturedUtterance[] = [];
  for (const event of eventsOf(call.timeline, 'utterance')) {
    const fixture = fixtures.get(event.id);
    const last = frameAt.get(event.endAt);
    if (fixture === undefined || last === undefined) continue;
    const frames = toFrames(fixture.audio).length;
    const first = last - (frames - 1);
    const expectation = event.expectation;
    utterances.push({
      id: event.id,
      text: event.text,
      startMs: first * FRAME_MS,
      durationMs: frames * FRAME_MS,
      voiced: fixture.voiced.map((span) => ({ startMs: span.startMs, endMs: span.endMs })),
      ...(expectation === undefined
        ? {}
        : {
            expect: expectation.expect,
            stated: expectation.stated,
            ...(expectation.clearWithinMs === undefined ? {} : { clearWithinMs: expectation.clearWithinMs }),
            ...(expectation.replyWithinMs === undefined ? {} : { replyWithinMs: expectation.replyWithinMs }),
          }),
    });
  }
  const twilio = scenario.twilio;
  const options = {
    ...(twilio?.markEcho === undefined ? {} : { markEcho: twilio.markEcho }),
    ...(twilio?.startDelayMs === undefined ? {} : { startDelayMs: twilio.startDelayMs }),
  };
  return { scenario: scenario.name, ...(Object.keys(options).length === 0 ? {} : { twilio: options }), utterances };
}
