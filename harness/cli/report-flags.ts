/**
 * The report flags of `callbench run`: which targets every table and report judges (the seed's,
 * scenarios/targets.json, unless `--targets FILE`), whether they also gate the run
 * (`--targets-gate`: they become thresholds, exit 99 on a breach), and whether each call's audio
 * is kept for calls/<n>/call.wav (`--call-audio`). A targets file has the thresholds file's
 * format (k6's `thresholds` object) and the same one-line errors (file and field, exit 2).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseThresholdFile, type Threshold } from '../gate/thresholds.ts';
import { InputError } from '../scenario/errors.ts';
import { SCENARIOS_DIR } from './paths.ts';

/** The seed analysis's "Expected Performance After Fixes", each on the metric that measures it (README "Targets"). */
export const DEFAULT_TARGETS_FILE = path.join(SCENARIOS_DIR, 'targets.json');

/** parseArgs option specs. */
export const REPORT_OPTIONS = {
  targets: { type: 'string' },
  'targets-gate': { type: 'boolean', default: false },
  'call-audio': { type: 'boolean', default: false },
} as const;

export interface ReportFlagValues {
  targets?: string | undefined;
  'targets-gate'?: boolean | undefined;
  'call-audio'?: boolean | undefined;
}

export const REPORT_HELP = `Reports (reports/<run-id>/: result.json, summary.md, junit.xml, report.html, histograms.hlog, calls/<n>/):
  --targets FILE        the targets judged in every table and report, instead of the seed's
                        (scenarios/targets.json: agent.stt_to_llm_ms, llm.ttft_ms, tts.ttfb_ms,
                        turn.after_final_ms, bargein.clear_ms); the thresholds file's format.
                        Informational: a target column (✓/✗), never the exit code
  --targets-gate        make the targets thresholds too: exit 99 when one is missed
  --call-audio          keep each call's audio for calls/<n>/call.wav (stereo: the caller left, the
                        agent as the caller heard it right; about 16 KB per second of call)`;

export interface ReportFlags {
  targets: Threshold[];
  /** Where they came from, for messages. */
  targetsFile: string;
  targetsGate: boolean;
  callAudio: boolean;
}

async function readTargets(file: string): Promise<Threshold[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(file, '', `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); --targets expects a JSON file of k6 thresholds`);
  }
  const parsed = parseThresholdFile(file, text);
  if (!parsed.ok) throw new InputError(file, parsed.error.source.kind === 'file' ? parsed.error.source.field : '', parsed.error.expected);
  return parsed.value;
}

/** Throws InputError for a targets file that cannot be read or is not a thresholds file. */
export async function parseReportFlags(values: ReportFlagValues): Promise<ReportFlags> {
  const targetsFile = values.targets ?? DEFAULT_TARGETS_FILE;
  return { targets: await readTargets(targetsFile), targetsFile, targetsGate: values['targets-gate'] === true, callAudio: values['call-audio'] === true };
}
