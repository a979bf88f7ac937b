/**
 * The shipped bug reproductions (fixtures/bugs, listed in bugs.json): each is a capture of a call
 * to the planted agent with one bug of REFERENCE-AGENTS §6, recorded through callbench record's
 * proxies (scripts/make-bug-fixtures.ts). Replayed as a user replays it, the mocks answering from
 * the capture:
 *
 * - against the planted agent with that bug, the check that names it fails, with evidence;
 * - against the reference agent (in its worker thread, in the capture's mode), the same check
 *   passes, and no error check fails.
 *
 * Every case at once: they wait on the recorded audio's real time, not on the CPU. The README of
 * fixtures/bugs must name every reproduction and its check.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECK_IDS } from '../../harness/checks/check.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { readCapture } from '../../harness/record/capture-reader.ts';
import { runReplay, type ReplayOutcome } from '../../harness/replay/run-replay.ts';
import type { AgentTarget } from '../../harness/runner/agent-target.ts';
import { createProcessAgentTarget } from '../../harness/runner/process-agent.ts';
import { createWorkerAgentTarget } from '../../harness/runner/worker-agent.ts';
import { BUGS_DIR, plantedCommand, readBugFixtures, ROOT, type BugFixture } from '../helpers/bug-fixtures.ts';

const clock = createSystemClock();
const BUGS = readBugFixtures();

async function replay(bug: BugFixture, agent: AgentTarget): Promise<ReplayOutcome> {
  const capture = await readCapture(path.join(BUGS_DIR, bug.id));
  return runReplay(capture, { clock, agent, calls: 1, authToken: `bug-fixture-${bug.id}` });
}

/** One line per verdict that is not passed, for messages. */
function notPassed(outcome: ReplayOutcome): string {
  const lines = outcome.calls.flatMap(({ call, verdicts }) => verdicts.filter((v) => v.status !== 'passed').map((v) => `${call.state} ${v.id} ${v.status}: ${v.evidence.join(' | ')}`));
  return `run ${outcome.result.state}; ${lines.join('\n') || 'every check passed'}`;
}

describe('the shipped bug reproductions', () => {
  it('bugs.json lists at least five bug classes, each check in the catalogue, each capture intact, each in fixtures/bugs/README.md', async () => {
    expect(new Set(BUGS.map((b) => b.bugClass)).size).toBeGreaterThanOrEqual(5);
    const readme = await readFile(path.join(BUGS_DIR, 'README.md'), 'utf8');
    for (const bug of BUGS) {
      expect(CHECK_IDS, bug.id).toContain(bug.check);
      // readCapture checks the format version and every file's sha256.
      const capture = await readCapture(path.join(BUGS_DIR, bug.id));
      expect(capture.manifest.upstream, bug.id).toBe('mocks');
      const row = readme.split('\n').find((line) => line.includes(`\`${bug.id}\``));
      expect(row, `fixtures/bugs/README.md has no row for ${bug.id}`).toBeDefined();
      expect(row).toContain(`\`${bug.check}\``);
      expect(row).toContain(bug.plant);
    }
  });
});

describe.concurrent('each reproduction replayed', { timeout: 120_000 }, () => {
  for (const bug of BUGS) {
    it(`${bug.id} (bug class ${bug.bugClass}): ${bug.check} fails on the planted agent (PLANT=${bug.plant}), with evidence`, async () => {
      const outcome = await replay(bug, createProcessAgentTarget({ command: plantedCommand(bug), cwd: ROOT, clock }));
      const context = notPassed(outcome);
      expect(outcome.calls, context).toHaveLength(1);
      const verdict = outcome.calls[0]!.verdicts.find((v) => v.id === bug.check);
      expect(verdict?.status, context).toBe('failed');
      expect(verdict?.evidence.length, context).toBeGreaterThan(0);
    });

    it(`${bug.id}: ${bug.check} passes on the reference agent (${bug.mode}), and no error check fails`, async () => {
      const outcome = await replay(bug, createWorkerAgentTarget({ mode: bug.mode }));
      const context = notPassed(outcome);
      expect(outcome.calls.map(({ call }) => call.state), context).toEqual(['completed']);
      const verdicts = outcome.calls[0]!.verdicts;
      expect(verdicts.find((v) => v.id === bug.check)?.status, context).toBe('passed');
      expect(verdicts.filter((v) => v.status === 'failed' && v.severity === 'error').map((v) => v.id), context).toEqual([]);
    });
  }
});
