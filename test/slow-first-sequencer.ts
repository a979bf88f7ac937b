/**
 * The order test files start in: the longest first, so that no long file starts last and runs
 * alone while the other workers sit idle. vitest orders by the durations it cached on an earlier
 * run, but a fresh clone (CI) has no cache and falls back to file size, which says nothing of how
 * long a file plays calls for: on this project's 2-core machine the 50 s bug-fixtures file started
 * 333 s into a 424 s run.
 *
 * SLOWEST lists the files that took 10 s or more (wall time, hooks included) in a full run here
 * (2 cores, one kept busy), longest first but for the exception its comment gives; they start
 * first, in that order. Every other file keeps vitest's own order (cached durations, else size).
 * A file missing from the list only starts later than it could: refresh the list when a file
 * grows long.
 *
 * CALL_HEAVY files play many calls at once against agents that must keep real time themselves
 * (planted agents, foreign agents, replays). Three of them side by side on 2 cores starved the
 * agents: a planted bug that needs its timing (late mark echoes) did not show, a raw agent pacing
 * its audio ran dry before a barge-in. One of them starts, then two other slow files, and so on,
 * so that the workers mostly run one or two of them at a time, not all at once.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export const SLOWEST: readonly string[] = [
  'test/e2e/example-project.test.ts',
  'test/integration/planted-bugs.test.ts',
  'test/integration/foreign-agents.test.ts',
  'test/integration/bug-fixtures.test.ts',
  'test/e2e/cli-baseline.test.ts',
  'test/e2e/cli-merge.test.ts',
  'test/integration/replay.test.ts',
  'test/e2e/cli-targets.test.ts',
  // Not beside example-project: both wait on the one pack of callbench (helpers/pack.ts).
  'test/e2e/package-install.test.ts',
  'test/integration/agent-fuzz.test.ts',
  'test/integration/import-run.test.ts',
  'test/e2e/cli-replay.test.ts',
  'test/e2e/cli-capacity.test.ts',
  'test/integration/planted-agent.test.ts',
  'test/unit/checks-twilio-planted.test.ts',
  'test/e2e/cli-reports.test.ts',
  'test/e2e/cli-compare.test.ts',
  'test/integration/faults.test.ts',
  'test/integration/record-proxy.test.ts',
  'test/integration/agent-realtime.test.ts',
  'test/e2e/cli-thresholds.test.ts',
  'test/e2e/cli-user-repo.test.ts',
  'test/e2e/cli-cleanup.test.ts',
  'test/e2e/cli-mocks.test.ts',
  'test/integration/report-files.test.ts',
  'test/integration/agent-reply-bargein.test.ts',
  'test/integration/process-agent.test.ts',
  'test/integration/cli-agent.test.ts',
  'test/integration/worker-agent.test.ts',
  'test/integration/agent-bargein-policy.test.ts',
];

export const CALL_HEAVY: ReadonlySet<string> = new Set([
  'test/integration/planted-bugs.test.ts',
  'test/integration/bug-fixtures.test.ts',
  'test/integration/foreign-agents.test.ts',
  'test/integration/agent-fuzz.test.ts',
  'test/integration/planted-agent.test.ts',
  'test/unit/checks-twilio-planted.test.ts',
]);

/** SLOWEST with one call-heavy file, then two others, and so on: each part keeps its own order. */
export function startOrder(slowest: readonly string[], heavy: ReadonlySet<string>): string[] {
  const calls = slowest.filter((f) => heavy.has(f));
  const others = slowest.filter((f) => !heavy.has(f));
  const order: string[] = [];
  while (calls.length > 0 || others.length > 0) order.push(...[calls.shift(), others.shift(), others.shift()].filter((f): f is string => f !== undefined));
  return order;
}

const ORDER = startOrder(SLOWEST, CALL_HEAVY);

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const at = ORDER.indexOf(spec.moduleId.slice(spec.project.config.root.length + 1));
      return at === -1 ? ORDER.length : at;
    };
    // Groups (sequence.groupOrder) still run one after the other; within one, the slowest first.
    // Array.prototype.sort is stable: unlisted files keep vitest's order.
    return base
      .map((spec, index) => ({ spec, index }))
      .sort((a, b) => a.spec.project.config.sequence.groupOrder - b.spec.project.config.sequence.groupOrder || rank(a.spec) - rank(b.spec) || a.index - b.index)
      .map(({ spec }) => spec);
  }
}
