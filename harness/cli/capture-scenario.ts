/**
 * A capture directory where a scenario is expected (`callbench run --scenario CAPTURE`, and
 * `callbench replay CAPTURE`, which is that run): the capture is read and checked whole
 * (harness/record/capture-reader.ts: a missing file, a sha256 that does not match, a newer format
 * version is one InputError naming the file, exit 2), turned into the scenario that plays its
 * caller audio on its recorded schedule, and the recording the mocks answer from.
 *
 * Scenarios are files, so a directory given as one is a capture. A replay plays one call at a time
 * (a connection not yet tied to a call is the one live call's: harness/mocks/replay/source.ts) on
 * the mocks, with the recorded delays as its profile: the flags that would change that are refused.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { AgentMode } from '../../agent/options.ts';
import { createReplaySource, type ReplaySource } from '../mocks/replay/source.ts';
import { readCapture } from '../record/capture-reader.ts';
import type { Capture } from '../record/capture-format.ts';
import { planReplay, type ReplayPlan } from '../replay/replay-plan.ts';
import type { LoadPlan } from '../runner/run.ts';
import { UsageError } from './usage-error.ts';

export interface CaptureScenario {
  /** The directory, absolute. */
  dir: string;
  /** As given on the command line. */
  arg: string;
  capture: Capture;
  plan: ReplayPlan;
  /** What the mocks answer from; it also times every event it replays. */
  source: ReplaySource;
  /** The reference agent's mode the capture's upstream shows (Realtime alone: realtime). */
  mode: AgentMode;
}

/** A directory holding a capture.json: a capture (any other directory is no scenario, said as such by the scenario resolver). */
function isCaptureDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory() && statSync(path.join(dir, 'capture.json')).isFile();
  } catch {
    return false;
  }
}

/** The `--scenario` value that is a capture directory, if one is; refuses a capture among other scenarios. */
export function captureArgOf(args: readonly string[], cwd: string): string | undefined {
  const capture = args.find((arg) => isCaptureDirectory(path.resolve(cwd, arg)));
  if (capture !== undefined && args.length > 1) {
    throw new UsageError(`--scenario '${capture}' is a capture directory: a capture replays alone, give no other --scenario with it`);
  }
  return capture;
}

/** Reads the capture in `arg` (relative to `cwd`) and plans its replay; throws InputError for a bad capture. */
export async function loadCaptureScenario(arg: string, cwd: string): Promise<CaptureScenario> {
  const dir = path.resolve(cwd, arg);
  const capture = await readCapture(dir);
  const plan = planReplay(capture);
  const services = capture.manifest.services;
  const mode: AgentMode = services.includes('openai.realtime') && !services.includes('deepgram.listen') ? 'realtime' : 'cascaded';
  return { dir, arg, capture, plan, source: createReplaySource(plan.recording), mode };
}

/** The flags a replay cannot honour, refused by name (`how` is how the capture was given, for the message). */
export function checkReplayFlags(values: { profile?: string | undefined; upstream?: string | undefined }, load: LoadPlan, how: string): void {
  if (values.profile !== undefined) throw new UsageError(`--profile does not apply to ${how}: the mocks keep the recorded delays (every other one is the instant profile's)`);
  if (values.upstream !== undefined && values.upstream !== 'mocks') throw new UsageError(`--upstream ${values.upstream} does not apply to ${how}: the mocks answer from the capture`);
  if (load.model === 'open') throw new UsageError(`--arrival-rate does not apply to ${how}: a capture replays one call at a time (use --calls N)`);
  if (load.concurrency !== 1) throw new UsageError(`--concurrency ${load.concurrency}: ${how} replays one call at a time (the mocks tie an untied connection to the one live call); give --concurrency 1 or leave it out`);
}
