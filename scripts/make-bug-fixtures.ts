/**
 * Records the shipped bug reproductions of fixtures/bugs/bugs.json: for each bug, one call of its
 * scenario placed by callbench's caller to the planted agent with that bug alone
 * (test/agents/planted.mjs, PLANT=<knob>), through callbench record's capture proxies, the mocks
 * behind them on the bug's profile. The capture goes to fixtures/bugs/<id>/. A recording whose call
 * did not show the bug (its check did not fail) is an error: nothing is written over the old one.
 *
 *   npx tsx scripts/make-bug-fixtures.ts [ID ...]
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXTURES_DIR } from '../harness/cli/paths.ts';
import { createSystemClock } from '../harness/clock.ts';
import { PROFILES } from '../harness/mocks/profiles.ts';
import { recordScriptedCall } from '../harness/record/record-scripted-call.ts';
import { createProcessAgentTarget } from '../harness/runner/process-agent.ts';
import { loadPlannedScenario } from '../harness/scenario/plan.ts';
import { BUGS_DIR, plantedCommand, readBugFixtures, ROOT } from '../test/helpers/bug-fixtures.ts';

const AUTH_TOKEN = 'callbench-bug-fixtures-auth-token';
const clock = createSystemClock();
const wanted = process.argv.slice(2);
const bugs = readBugFixtures().filter((bug) => wanted.length === 0 || wanted.includes(bug.id));
if (bugs.length === 0) {
  console.error(`no bug named ${wanted.join(', ')}; known: ${readBugFixtures().map((b) => b.id).join(', ')}`);
  process.exit(2);
}

let failed = 0;
for (const bug of bugs) {
  const work = await mkdtemp(path.join(tmpdir(), `callbench-bug-${bug.id}-`));
  try {
    const planned = await loadPlannedScenario(path.join(ROOT, bug.scenario), FIXTURES_DIR);
    const agent = createProcessAgentTarget({ command: plantedCommand(bug), cwd: ROOT, clock });
    const out = path.join(work, bug.id);
    const { call } = await recordScriptedCall(agent, planned, out, { clock, authToken: AUTH_TOKEN, profile: PROFILES[bug.profile]!, callbenchVersion: 'fixtures' });
    const verdict = call?.verdicts.find((v) => v.id === bug.check);
    if (verdict?.status !== 'failed') {
      failed += 1;
      console.error(`${bug.id}: the recorded call did not show the bug: ${bug.check} ${verdict?.status ?? 'was not judged'}; kept the old capture`);
      continue;
    }
    const target = path.join(BUGS_DIR, bug.id);
    await rm(target, { recursive: true, force: true });
    await cp(out, target, { recursive: true });
    console.log(`${bug.id}: recorded (${bug.check} failed: ${verdict.evidence[0] ?? ''})`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
process.exit(failed === 0 ? 0 : 1);
