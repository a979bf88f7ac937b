/**
 * `callbench replay CAPTURE`: plays a recorded call again (harness/replay/) against an agent, the
 * caller's audio on its recorded schedule and the mocks answering as the recorded services did,
 * then judges and reports it as any run. It is `callbench run --scenario CAPTURE` with the capture
 * as its argument: the same flags (but those a replay cannot honour), the same report, plus the
 * replay's own part (whether the verdicts repeated, and each replayed upstream event's offset
 * error against its recorded offset).
 */
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { parseFlagsAndArgs } from '../parse-flags.ts';
import { RUN_OPTIONS, runWithFlags } from './run.ts';

export const REPLAY_HELP = `Usage: callbench replay CAPTURE [options]

Plays the call recorded in CAPTURE (a directory callbench record wrote) again, against an agent,
on the mocks: the caller sends the recorded caller audio on its recorded schedule, frame for frame;
the mocks answer from the recording: Deepgram listen's SpeechStarted, Results and UtteranceEnd at
their recorded positions on the audio the agent sends (not wall time), chat's tokens with their
recorded gaps, speak's and Realtime's recorded delays to first audio (speaking what the agent sends
now), the faults the recorded services showed. Then the metrics and every conformance check run as
in callbench run, with the same report, and a Replay section: whether each check gave the same
verdict on every replay, and each replayed upstream event's offset error against its recorded
offset (p50, p95, max, how many within ±5 ms; a figure, not a pass/fail bound).

Options:
  --calls N             replay it N times, one after the other (default 1)
  --agent-cmd CMD       the agent to replay against, run with sh -c, as in callbench run (default:
                        the reference agent, in its worker thread); --agent-url, --webhook-path,
                        --agent-cwd, --agent-in-process as in callbench run
  --agent-mode MODE     the reference agent's mode, cascaded or realtime (default: the one the
                        capture's upstream shows)
  --json                one JSON object on stdout (result.json, with a "replay" object: capture,
                        utterances, faults, identical, statuses per check, timing)
  --out DIR             write the report files into DIR (default ./reports/<time>-replay-<agent>/)
  -h, --help            show this help

Every other flag of callbench run applies (callbench run --help): the design flags, thresholds,
targets, report and baseline flags, --warmup, --strict, --mock-port. Refused: --profile (the
recorded delays are the profile), --upstream real, --concurrency above 1 and --arrival-rate (a
capture replays one call at a time).

Exit codes: as callbench run: 0 ok, 3 a call failed or an error-severity check failed on a replayed
call (the bug the capture shows is still there), 99 a threshold failed, 2 usage or input error: a
capture with a missing file, a file whose sha256 does not match capture.json, a newer format
version: one line naming the file and what is wrong.`;

/** run's flags but --scenario (the capture is the argument); --profile stays, to be refused with its reason. */
const { scenario: _scenario, ...REPLAY_OPTIONS } = RUN_OPTIONS;

export async function replayCommand(argv: string[], io: CommandIo, env: Readonly<Record<string, string | undefined>> = {}, signal?: AbortSignal): Promise<number> {
  const { values, args } = parseFlagsAndArgs(argv, REPLAY_OPTIONS, { names: ['CAPTURE'], usage: 'callbench replay CAPTURE' });
  if (values.help) {
    io.out(REPLAY_HELP);
    return EXIT.ok;
  }
  const capture = args[0] ?? '';
  return runWithFlags({ ...values, scenario: [capture] }, io, env, signal, { arg: capture, how: 'callbench replay' });
}
