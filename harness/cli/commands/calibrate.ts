/** `callbench calibrate`: measure the null agent, whose reply times are known, and print the harness's measurement error. */
import { createSystemClock } from '../../clock.ts';
import { renderCalibration, runCalibration } from '../../runner/calibration.ts';
import { EXIT } from '../exit-codes.ts';
import { parseFlags } from '../parse-flags.ts';
import type { CommandIo } from '../io.ts';
import { intFlag } from '../options.ts';

export const CALIBRATE_HELP = `Usage: callbench calibrate [options]

Plays a short scenario against the null agent (no upstream: it greets with a tone and answers
each caller utterance with a tone at known times) and prints the harness's measurement error,
measured − expected, for greeting.first_audio_ms and turn.response_ms.

Options:
  --calls N        calls (default 10)
  --concurrency N  calls in flight at once (default 2)
  --json           print one JSON object on stdout instead of the table
  -h, --help       show this help`;

export async function calibrateCommand(argv: string[], io: CommandIo): Promise<number> {
  const values = parseFlags(argv, {
    calls: { type: 'string' },
    concurrency: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.out(CALIBRATE_HELP);
    return EXIT.ok;
  }
  const calls = intFlag('calls', values.calls, 10, 1, 10_000);
  const concurrency = intFlag('concurrency', values.concurrency, 2, 1, 1000);
  io.progress(`callbench calibrate: ${calls} call(s) against the null agent, concurrency ${concurrency}`);
  const result = await runCalibration(createSystemClock(), { calls, concurrency });
  if (values.json) io.out(JSON.stringify({ calls, concurrency, failedCalls: result.failedCalls, errors: result.errors }));
  else io.out(renderCalibration(result));
  return result.failedCalls > 0 ? EXIT.conformance : EXIT.ok;
}
