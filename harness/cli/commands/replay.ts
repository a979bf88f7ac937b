/**
 * `callbench replay CAPTURE`: plays a recorded call again (harness/replay/) against an agent, the
 * caller's audio on its recorded schedule and the mocks answering as the recorded services did,
 * then judges it as any run: the checks' verdicts on every replayed call, whether they were the
 * same on each, and how closely the upstream events kept to their recorded timing.
 */
import path from 'node:path';
import type { AgentMode } from '../../../agent/index.ts';
import { createSystemClock } from '../../clock.ts';
import { CHECKS, type CheckId } from '../../checks/check.ts';
import { readCapture } from '../../record/capture-reader.ts';
import { runReplay, type ReplayOutcome } from '../../replay/run-replay.ts';
import { renderTiming } from '../../replay/timing.ts';
import type { AgentTarget } from '../../runner/agent-target.ts';
import { createProcessAgentTarget } from '../../runner/process-agent.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { choiceFlag, intFlag } from '../options.ts';
import { parseFlagsAndArgs } from '../parse-flags.ts';
import { UsageError } from '../usage-error.ts';

export const REPLAY_HELP = `Usage: callbench replay CAPTURE [options]

Plays the call recorded in CAPTURE (a directory callbench record wrote) again: the caller sends
the recorded caller audio on its recorded schedule; the mocks answer from the recording (Deepgram
listen's results at their recorded positions on the audio, chat's tokens with their recorded
gaps, speak's and Realtime's recorded delays to first audio, speaking what the agent sends now).
Then every conformance check judges each replayed call, as in callbench run.

Options:
  --calls N            replay it N times, one after the other (default 1)
  --agent-cmd CMD      the agent to replay against, run with sh -c (it gets the mocks' environment
                       and PORT, as with callbench run); default: the reference agent, in-process
  --agent-cwd DIR      with --agent-cmd: the directory CMD runs in
  --webhook-path PATH  with --agent-cmd: its voice-webhook path (default /incoming-call)
  --agent-mode MODE    the reference agent's mode, cascaded or realtime (default: the one the
                       capture's upstream shows)
  --json               one JSON object on stdout: verdicts per call, identity, timing
  -h, --help           show this help

Exit codes: 0 no error check failed, 3 an error-severity check failed on a replayed call (the bug
the capture shows is still there) or a call failed, 2 usage or input error (a capture with a missing
file, a file whose sha256 does not match capture.json, a newer format version: one line naming the
file and what is wrong).`;

const OPTIONS = {
  calls: { type: 'string' },
  'agent-cmd': { type: 'string' },
  'agent-cwd': { type: 'string' },
  'webhook-path': { type: 'string' },
  'agent-mode': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The token the replay signs with and gives the agent. */
const AUTH_TOKEN = 'callbench-twilio-auth-token';

export async function replayCommand(argv: string[], io: CommandIo, cwd: string, signal?: AbortSignal): Promise<number> {
  const { values, args } = parseFlagsAndArgs(argv, OPTIONS, { names: ['CAPTURE'], usage: 'callbench replay CAPTURE' });
  if (values.help) {
    io.out(REPLAY_HELP);
    return EXIT.ok;
  }
  const calls = intFlag('calls', values.calls, 1, 1, 1000);
  const command = values['agent-cmd'];
  if (command !== undefined && command.trim() === '') throw new UsageError("--agent-cmd expects a command line, got ''");
  if (command === undefined && (values['agent-cwd'] !== undefined || values['webhook-path'] !== undefined)) throw new UsageError('--agent-cwd and --webhook-path apply to --agent-cmd only');
  if (command !== undefined && values['agent-mode'] !== undefined) throw new UsageError("--agent-mode sets the reference agent's mode; an --agent-cmd agent is configured by its own command");
  const capture = await readCapture(path.resolve(cwd, args[0] ?? ''));
  const clock = createSystemClock();
  const detected: AgentMode = capture.manifest.services.includes('openai.realtime') && !capture.manifest.services.includes('deepgram.listen') ? 'realtime' : 'cascaded';
  const mode = choiceFlag<AgentMode>('agent-mode', values['agent-mode'], detected, ['cascaded', 'realtime']);
  let agent: AgentTarget;
  if (command !== undefined) {
    agent = createProcessAgentTarget({
      command,
      clock,
      cwd: path.resolve(cwd, values['agent-cwd'] ?? '.'),
      ...(values['webhook-path'] === undefined ? {} : { webhookPath: values['webhook-path'] }),
    });
  } else {
    // The reference agent's SDKs are optional: loaded only when it is the agent.
    const { createReferenceAgentTarget } = await import('../../runner/reference-agent.ts');
    agent = createReferenceAgentTarget({ clock, mode });
  }
  io.progress(`callbench replay: ${capture.dir} (call ${capture.manifest.call.callSid}, ${(capture.manifest.durations.callerAudioMs / 1000).toFixed(1)} s of caller audio), ${calls} call(s) against ${agent.describe()}`);
  const outcome = await runReplay(capture, { clock, agent, calls, authToken: AUTH_TOKEN, ...(signal === undefined ? {} : { signal }) });
  if (values.json) io.out(JSON.stringify(replayJson(outcome)));
  else io.out(renderReplay(outcome));
  const failedCall = outcome.calls.some(({ call }) => call.state !== 'completed');
  const failedError = outcome.calls.some(({ verdicts }) => verdicts.some((v) => v.status === 'failed' && v.severity === 'error'));
  if (outcome.result.state === 'interrupted') return outcome.result.reason === 'SIGTERM' ? 143 : 130;
  return failedCall || failedError || outcome.calls.length === 0 ? EXIT.conformance : EXIT.ok;
}

function replayJson(outcome: ReplayOutcome): unknown {
  return {
    capture: outcome.plan.planned.scenario.description,
    script: outcome.plan.script,
    utterances: outcome.plan.utterances,
    faults: outcome.plan.faults,
    run: outcome.result,
    calls: outcome.calls.map(({ call, verdicts }) => ({
      callSid: call.callSid,
      state: call.state,
      ...(call.state === 'failed' ? { error: call.error } : {}),
      verdicts: verdicts.map((v) => ({ id: v.id, severity: v.severity, status: v.status, evidence: v.evidence, ...(v.status === 'skipped' ? { reason: v.reason } : {}) })),
    })),
    identical: outcome.identical,
    timing: outcome.timing,
  };
}

export function renderReplay(outcome: ReplayOutcome): string {
  const n = outcome.calls.length;
  const lines: string[] = [];
  lines.push(`Replayed ${n} call(s): ${outcome.plan.utterances.length} caller utterance(s) from ${outcome.plan.script === 'capture' ? "the caller's script in capture.json" : 'the VAD'}${outcome.plan.faults.length > 0 ? `; faults armed as recorded: ${outcome.plan.faults.map((f) => `${f.type} ${f.service}`).join(', ')}` : ''}.`);
  for (const { call } of outcome.calls) if (call.state !== 'completed') lines.push(`  call ${call.callSid}: ${call.state}${call.state === 'failed' ? `: ${call.error}` : ''}`);
  lines.push('');
  lines.push(`Conformance checks (${n} replayed call(s)):`);
  const width = Math.max(...Object.keys(CHECKS).map((id) => id.length));
  for (const [id, statuses] of outcome.statuses) {
    const failed = statuses.filter((s) => s === 'failed').length;
    const passedCount = statuses.filter((s) => s === 'passed').length;
    const mark = failed > 0 ? '✗' : passedCount > 0 ? '✓' : '–';
    const severity = CHECKS[id as CheckId]?.severity ?? 'error';
    lines.push(`  ${mark} ${id.padEnd(width)}  ${severity.padEnd(7)}  ${failed > 0 ? `${failed} of ${statuses.length} failed` : passedCount > 0 ? `${passedCount} passed` : `${statuses.length} skipped`}`);
  }
  const evidence = outcome.calls[0]?.verdicts.filter((v) => v.status === 'failed') ?? [];
  for (const verdict of evidence) {
    lines.push(`${verdict.id}:`);
    for (const line of verdict.evidence.slice(0, 3)) lines.push(`  ${line}`);
  }
  lines.push('');
  lines.push(n > 1 ? (outcome.identical ? `Verdicts identical on all ${n} replays.` : `Verdicts DIFFER between replays: the replay is not deterministic for this agent.`) : 'One replay (--calls N to check that the verdicts repeat).');
  lines.push('');
  lines.push(renderTiming(outcome.timing));
  return lines.join('\n');
}
