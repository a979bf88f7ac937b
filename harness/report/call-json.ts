/**
 * calls/<n>/timeline.json: everything recorded of one call, for a person or a script to dig into
 * what the tables only count: its state, the caller's timeline (what the fake Twilio sent, heard
 * and did), the mock journal entries tied to it (what the agent asked of Deepgram and OpenAI and
 * what they answered), its verdicts (the teardown verdict included), samples and turn kinds.
 * Times are the run's clock in ms; `origin` is when `start` was sent, the zero of the checks'
 * evidence ("at 6.040 s"). The audio is in call.wav, never here. Pure.
 */
import { callOrigin } from '../checks/check.ts';
import type { CollectedCall } from './report-collector.ts';

export function renderCallJson(call: CollectedCall): string {
  const { record } = call;
  const data = {
    n: call.n,
    scenario: record.scenario,
    index: record.index,
    callSid: record.callSid,
    state: record.state,
    ...(record.state === 'failed' ? { error: record.error } : {}),
    ...(record.state === 'stopped' ? { reason: record.reason } : {}),
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    origin: callOrigin(record.timeline),
    samples: record.samples,
    turns: record.turns,
    greeting: record.greeting ?? null,
    unansweredTurns: record.unansweredTurns,
    verdicts: [...record.verdicts, ...call.lateVerdicts],
    timeline: record.timeline,
    journal: record.journal,
  };
  // NaN (a voiced sample that was never sent) has no JSON form: null, as JSON.stringify writes it.
  return `${JSON.stringify(data, null, 1)}\n`;
}
