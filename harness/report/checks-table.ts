/**
 * The terminal's conformance section: one line per check, ✓ (passed on every call it applied
 * to), ✗ (failed on some) or – (applied to none), with its severity and counts, then the first
 * evidence lines of each failed check with the scenario and call they come from:
 *
 *   Conformance checks (3 calls): 1 error failed.
 *     ✓ twilio.protocol               error    3 passed
 *     ✗ bargein.no-leak               error    1 of 1 failed, 2 skipped
 *     – realtime.truncate-accepted    error    3 skipped
 *   bargein.no-leak:
 *     barge-in-mid-sentence #1: clear at 6.040 s (barge-in 'wait-stop'): 50 ms of the interrupted reply arrived after it at 6.100 s
 *   Skipped:
 *     realtime.truncate-accepted: the call sent no conversation.item.truncate (3 calls)
 */
import { CHECK_IDS } from '../checks/check.ts';
import type { CheckSummary, ChecksSummary } from '../checks/summary.ts';

const MARK = { passed: '✓', failed: '✗', skipped: '–' } as const;

function counts(s: CheckSummary): string {
  const applied = s.failed > 0 ? `${s.failed} of ${s.checked} failed` : s.checked > 0 ? `${s.checked} passed` : '';
  const skipped = s.skipped > 0 ? `${s.skipped} skipped` : '';
  return [applied, skipped].filter((part) => part !== '').join(', ') || 'not run';
}

function headline(checks: ChecksSummary): string {
  const calls = Math.max(0, ...CHECK_IDS.map((id) => checks[id].checked + checks[id].skipped));
  const failed = (severity: 'error' | 'warning'): number => CHECK_IDS.filter((id) => checks[id].severity === severity && checks[id].failed > 0).length;
  const errors = failed('error');
  const warnings = failed('warning');
  const verdict =
    errors + warnings === 0
      ? 'no check failed.'
      : [errors > 0 ? `${errors} error check(s) failed` : '', warnings > 0 ? `${warnings} warning check(s) failed` : ''].filter((p) => p !== '').join(', ') + '.';
  return `Conformance checks (${calls} call(s)): ${verdict}`;
}

export function renderChecks(checks: ChecksSummary): string {
  // A check that gave no verdict on any call (not even a skip) is counted, not listed.
  const shown = CHECK_IDS.filter((id) => checks[id].checked + checks[id].skipped > 0);
  const width = Math.max(0, ...shown.map((id) => id.length));
  const lines = [headline(checks)];
  for (const id of shown) {
    const s = checks[id];
    lines.push(`  ${MARK[s.status]} ${id.padEnd(width)}  ${s.severity.padEnd(7)}  ${counts(s)}`);
  }
  const unjudged = CHECK_IDS.length - shown.length;
  if (unjudged > 0) lines.push(`  (${unjudged} more check${unjudged === 1 ? '' : 's'} judged none of these calls)`);
  const failed = CHECK_IDS.filter((id) => checks[id].failed > 0);
  for (const id of failed) {
    lines.push(`${id}:`);
    for (const e of checks[id].evidence) lines.push(`  ${e.scenario} #${e.call}: ${e.line}`);
  }
  // An absence is never silent: every reason a check could not apply, once, with the checks and calls it covers.
  const byReason = new Map<string, Array<{ id: string; calls: number }>>();
  for (const id of CHECK_IDS) for (const r of checks[id].skipReasons) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), { id, calls: r.calls }]);
  if (byReason.size > 0) {
    lines.push('Skipped:');
    for (const [reason, skipped] of byReason) {
      const calls = new Set(skipped.map((s) => s.calls));
      const count = calls.size === 1 ? `${skipped[0]?.calls ?? 0} call${skipped[0]?.calls === 1 ? '' : 's'}` : skipped.map((s) => `${s.id} ${s.calls}`).join(', ');
      lines.push(`  ${reason}: ${skipped.map((s) => s.id).join(', ')} (${count})`);
    }
  }
  if (failed.some((id) => checks[id].severity === 'error')) lines.push('A failed error check fails the run (exit 3); warnings never change the exit code.');
  return lines.join('\n');
}
