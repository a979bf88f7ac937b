/**
 * junit.xml parsed back (fast-xml-parser): testsuites / testsuite / testcase with the counts CI
 * servers read consistent at every level; per call a `call` case and one case per check verdict
 * (a failed error check a <failure> with its evidence, a skip <skipped> with its reason, a failed
 * warning a pass with its evidence in <system-out>, as it never fails a run); one case per
 * threshold; the run's own case; and every value from outside escaped, so the file parses.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { passed, skipped, verdictOf } from '../../harness/checks/check.ts';
import type { ThresholdResult } from '../../harness/gate/evaluate.ts';
import { renderJunit } from '../../harness/report/junit.ts';
import { summarize, type RunSummary } from '../../harness/report/summary.ts';
import type { RunOutcome } from '../../harness/report/fold.ts';
import { runOutcome } from './helpers/run-outcome.ts';

type Node = Record<string, unknown>;
const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function outcome(): RunOutcome {
  return runOutcome([
    {
      name: 'barge-in',
      values: { 'bargein.clear_ms': [120] },
      extra: {
        calls: 3,
        failedCalls: 1,
        errors: ['call 3: step 2 (wait_for_agent): the agent did not finish a turn within 8000 ms <& "quoted">'],
        checks: [
          { call: 1, verdicts: [passed('twilio.protocol'), verdictOf('bargein.no-leak', ['clear at 6.040 s: 300 ms <arrived> & "leaked"\u0007']), skipped('realtime.truncate-accepted', 'the call has no Realtime connection')] },
          { call: 2, verdicts: [passed('twilio.protocol'), verdictOf('bargein.no-spurious-clear', ['clear at 1.000 s with nothing playing']), passed('bargein.no-leak')] },
        ],
      },
    },
    { name: 'greeting', values: { 'greeting.first_audio_ms': [200] }, extra: { checks: [{ call: 1, verdicts: [passed('twilio.protocol')] }] } },
  ]);
}

const gate: ThresholdResult[] = [
  { metric: 'turn.response_ms', expression: 'p(95)<1500', observed: 1612.4, ok: false, samples: 30 },
  { metric: 'bargein.clear_ms', scenario: 'barge-in', expression: 'max<300', observed: 120, ok: true, samples: 1 },
  { metric: 'turn.gap_ms', expression: 'count>=1', observed: null, ok: false, samples: 0 },
];

function parse(xml: string): Node {
  expect(XMLValidator.validate(xml)).toBe(true);
  return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseAttributeValue: false, trimValues: false }).parse(xml) as Node;
}

function render(summary?: RunSummary): { doc: Node; suites: Node[] } {
  const o = outcome();
  const doc = parse(renderJunit(o, summary ?? summarize(o, '1.0.0', { resamples: 10 }), gate));
  const root = doc['testsuites'] as Node;
  return { doc, suites: asArray(root['testsuite'] as Node | Node[]) };
}

const cases = (suite: Node | undefined): Node[] => asArray(suite?.['testcase'] as Node | Node[] | undefined);

describe('junit.xml', () => {
  it('has counts consistent with its testcases at every level', () => {
    const { doc, suites } = render();
    const root = doc['testsuites'] as Node;
    let tests = 0;
    let failures = 0;
    let skips = 0;
    for (const suite of suites) {
      const all = cases(suite);
      const f = all.filter((c) => c['failure'] !== undefined).length;
      const s = all.filter((c) => c['skipped'] !== undefined).length;
      expect(Number(suite['@tests'])).toBe(all.length);
      expect(Number(suite['@failures'])).toBe(f);
      expect(Number(suite['@skipped'])).toBe(s);
      expect(suite['@errors']).toBe('0');
      tests += all.length;
      failures += f;
      skips += s;
    }
    expect(Number(root['@tests'])).toBe(tests);
    expect(Number(root['@failures'])).toBe(failures);
    expect(Number(root['@skipped'])).toBe(skips);
    expect(suites.map((s) => s['@name'])).toEqual(['callbench.barge-in', 'callbench.greeting', 'callbench.thresholds', 'callbench.run']);
  });

  it('gives each call a case and each of its verdicts one, with the evidence and the skip reason', () => {
    const { suites } = render();
    const barge = cases(suites[0]);
    expect(barge.map((c) => `${String(c['@classname'])} ${String(c['@name'])}`)).toEqual([
      'callbench.barge-in.call-1 call',
      'callbench.barge-in.call-1 twilio.protocol',
      'callbench.barge-in.call-1 bargein.no-leak',
      'callbench.barge-in.call-1 realtime.truncate-accepted',
      'callbench.barge-in.call-2 call',
      'callbench.barge-in.call-2 twilio.protocol',
      'callbench.barge-in.call-2 bargein.no-spurious-clear',
      'callbench.barge-in.call-2 bargein.no-leak',
      // Call 3 never connected: no verdicts, only its failure.
      'callbench.barge-in.call-3 call',
    ]);
    const leak = barge[2]?.['failure'] as Node;
    // Escaped on the way out, read back as written; the control character is shown, not dropped.
    expect(leak['@message']).toBe('clear at 6.040 s: 300 ms <arrived> & "leaked"\\u0007');
    expect(leak['@type']).toBe('error');
    expect(leak['#text']).toBe('clear at 6.040 s: 300 ms <arrived> & "leaked"\\u0007');
    expect((barge[3]?.['skipped'] as Node)['@message']).toBe('the call has no Realtime connection');
    // A failed warning passes (warnings never fail a run), its evidence kept.
    expect(barge[6]?.['failure']).toBeUndefined();
    expect(String(barge[6]?.['system-out'])).toContain('clear at 1.000 s with nothing playing');
    expect((barge[8]?.['failure'] as Node)['@message']).toBe('step 2 (wait_for_agent): the agent did not finish a turn within 8000 ms <& "quoted">');
  });

  it('gives each threshold a case, failed with what it observed', () => {
    const { suites } = render();
    const thresholds = cases(suites[2]);
    expect(thresholds.map((c) => c['@name'])).toEqual(['turn.response_ms p(95)<1500', 'bargein.clear_ms{scenario:barge-in} max<300', 'turn.gap_ms count>=1']);
    expect((thresholds[0]?.['failure'] as Node)['@message']).toBe('turn.response_ms p(95)<1500: observed 1612.4');
    expect(thresholds[1]?.['failure']).toBeUndefined();
    expect((thresholds[2]?.['failure'] as Node)['@message']).toBe('turn.gap_ms count>=1: no samples');
  });

  it('fails the run case of a partial run, and carries the trust warnings', () => {
    const o = outcome();
    const summary: RunSummary = {
      ...summarize(o, '1.0.0', { resamples: 10 }),
      partial: true,
      stopped: { reason: 'interrupted', message: 'interrupted by SIGINT' },
      warnings: [{ code: 'pacing.late', message: 'the caller’s frames went out late' }],
    };
    const { suites } = render(summary);
    const run = suites[3];
    expect((cases(run)[0]?.['failure'] as Node)['@message']).toBe('partial run: interrupted by SIGINT');
    expect(String(run?.['system-err'])).toContain('pacing.late: the caller’s frames went out late');
  });
});
