/**
 * One call placed by callbench's own caller and recorded through the capture proxies, the mocks
 * behind them standing in for the real services (they cannot tell the proxy from the agent): how
 * the shipped bug reproductions (fixtures/bugs, scripts/make-bug-fixtures.ts) and the record and
 * replay tests make a capture without a real phone number. The capture is written into `out`, with
 * the caller's script (what each utterance expected), so a replay judges the agent as the scenario did.
 */
import type { Clock } from '../clock.ts';
import type { LatencyProfile } from '../mocks/profiles.ts';
import type { AgentTarget } from '../runner/agent-target.ts';
import type { CallRecord } from '../runner/events.ts';
import type { PlannedScenario } from '../runner/run.ts';
import { startRun } from '../runner/start-run.ts';
import { callerScriptOf } from './caller-script.ts';
import type { Capture } from './capture-format.ts';
import { readCapture } from './capture-reader.ts';
import { createRecordingTarget } from './recording-target.ts';

export interface ScriptedRecordingOptions {
  clock: Clock;
  authToken: string;
  /** The mocks' latency profile behind the proxy. */
  profile: LatencyProfile;
  seed?: number;
  /** What capture.json says recorded it. */
  callbenchVersion?: string;
}

export interface ScriptedRecording {
  capture: Capture;
  /** The recorded call as callbench's caller judged it (undefined when the run placed no call). */
  call: CallRecord | undefined;
}

export async function recordScriptedCall(agent: AgentTarget, planned: PlannedScenario, out: string, options: ScriptedRecordingOptions): Promise<ScriptedRecording> {
  const { clock } = options;
  const target = createRecordingTarget(agent, { clock, dirFor: () => out, upstream: 'mocks', callbenchVersion: options.callbenchVersion ?? 'test', scripted: true });
  const run = startRun(
    { scenarios: [planned], load: { model: 'closed', calls: 1, concurrency: 1 }, profile: options.profile, seed: options.seed ?? 1, agent: target, authToken: options.authToken, callAudio: true },
    { clock },
  );
  let call: CallRecord | undefined;
  run.subscribe((event) => {
    if (event.type !== 'call-ended') return;
    call = event.call;
    // The caller's script makes the capture say what each utterance expected, for the replay's checks.
    const script = callerScriptOf(event.call, planned.scenario, planned.fixtures);
    if (script !== undefined) target.annotate(event.call.callSid, script);
  });
  await run.result;
  return { capture: await readCapture(out), call };
}
