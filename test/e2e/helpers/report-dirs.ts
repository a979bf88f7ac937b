/**
 * The report folders a run left in <root>/reports, for a test to remove: named
 * <start time>-<profile>-<agent> (harness/cli/report-dir.ts), found here from the start time and
 * profile a run's JSON gives, whatever the agent part.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

export function reportDirsOf(root: string, startedAt: string, profile: string): string[] {
  const prefix = `${startedAt.replace(/[:.]/g, '-')}-${profile}-`;
  const dir = path.join(root, 'reports');
  try {
    return readdirSync(dir)
      .filter((name) => name.startsWith(prefix))
      .map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}
