/**
 * The list of shipped bug reproductions (fixtures/bugs/bugs.json), read and checked in one place
 * for the script that records them (scripts/make-bug-fixtures.ts) and the test that replays them
 * (test/integration/bug-fixtures.test.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const BUGS_DIR = path.join(ROOT, 'fixtures', 'bugs');

const Bug = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  bugClass: z.number().int().positive(),
  what: z.string().min(1),
  mode: z.enum(['cascaded', 'realtime']),
  plant: z.string().regex(/^[a-z]+$/),
  scenario: z.string().endsWith('.json'),
  profile: z.enum(['instant', 'reference', 'twilio-2025', 'slow']),
  check: z.string().min(1),
});
export type BugFixture = z.infer<typeof Bug>;

export function readBugFixtures(): BugFixture[] {
  const file = path.join(BUGS_DIR, 'bugs.json');
  const parsed = z.object({ bugs: z.array(Bug).min(1) }).safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data.bugs;
}

/** The planted agent with the bug, as an --agent-cmd (run in ROOT). */
export function plantedCommand(bug: Pick<BugFixture, 'mode' | 'plant'>): string {
  return `AGENT_MODE=${bug.mode} PLANT=${bug.plant} node test/agents/planted.mjs`;
}
