/**
 * The progress lines of a run, as a fold over its events: the CLI prints what this returns on
 * stderr. A call's line says how it ended and which error-severity checks failed on it; the
 * teardown verdict, decided after the last call, gets a line of its own when it fails:
 *
 *   [start] greeting #1 CA0123…
 *   [1/1] greeting #1 FAILED checks: twilio.protocol, turn.answered
 *   [teardown] greeting #1 FAILED upstream.closed-after-hangup: deepgram.listen listen-1 (opened at 0.010 s) still open …
 *
 * An `interval` gives a line only when nothing else was printed since the last one, so a quiet
 * stretch of long calls still shows the run is alive.
 */
import type { CheckVerdict } from '../checks/check.ts';
import type { CallRecord, CallRef, RunEvent } from '../runner/events.ts';

function name(call: CallRef): string {
  return `${call.scenario} #${call.index + 1}`;
}

function failedIds(verdicts: readonly CheckVerdict[], severity: CheckVerdict['severity']): string[] {
  return verdicts.filter((v) => v.status === 'failed' && v.severity === severity).map((v) => v.id);
}

/** How a call ended, as its progress line says it after the counter. */
export function callVerdictText(call: CallRecord): string {
  if (call.state === 'stopped') return `stopped: ${call.reason}`;
  const errors = failedIds(call.verdicts, 'error');
  const warnings = failedIds(call.verdicts, 'warning');
  const warned = warnings.length > 0 ? ` (warning: ${warnings.join(', ')})` : '';
  if (call.state === 'failed') return `FAILED: ${call.error}${errors.length > 0 ? `; failed checks: ${errors.join(', ')}` : ''}${warned}`;
  return `${errors.length > 0 ? `FAILED checks: ${errors.join(', ')}` : 'ok'}${warned}`;
}

export function createProgressPrinter(): (event: RunEvent) => string[] {
  let planned: number | undefined;
  let done = 0;
  let quiet = true;
  const lines = (event: RunEvent): string[] => {
    switch (event.type) {
      case 'run-started':
        planned = event.info.plannedCalls;
        return [];
      case 'call-started':
        return [`  [start] ${name(event.call)}${event.call.warmup ? ' (warm-up)' : ''} ${event.call.callSid}`];
      case 'call-ended': {
        const call = event.call;
        if (!call.warmup && call.state !== 'stopped') done++;
        const counter = call.warmup ? 'warm-up' : call.state === 'stopped' ? 'stopped' : planned === undefined ? String(done) : `${done}/${planned}`;
        return [`  [${counter}] ${name(call)} ${callVerdictText(call)}`];
      }
      case 'call-dropped':
        return [`  [dropped] ${name(event.call)}: ${event.reason === 'late' ? `${Math.round(event.lagMs)} ms late` : 'too many calls in flight'}`];
      case 'check-verdict': {
        const { verdict } = event;
        if (verdict.status !== 'failed') return [];
        const [first, ...rest] = verdict.evidence;
        const more = rest.length > 0 ? ` (and ${rest.length} more)` : '';
        return [`  [teardown] ${name(event.call)} FAILED ${verdict.id}${first === undefined ? '' : `: ${first}`}${more}`];
      }
      case 'interval':
        if (!quiet) return [];
        return [`  [${Math.round(event.elapsedMs / 1000)} s] ${event.done} call(s) done, ${event.inFlight} in flight, ${event.failed} failed${event.dropped > 0 ? `, ${event.dropped} dropped` : ''}`];
      case 'upstream':
      case 'event-loop':
      case 'run-ended':
        return [];
    }
  };
  return (event) => {
    const out = lines(event);
    if (event.type === 'interval') quiet = true;
    else if (out.length > 0) quiet = false;
    return out;
  };
}
