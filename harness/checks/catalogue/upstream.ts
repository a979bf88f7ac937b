/** Checks of the agent's upstream protocol use, judged from the mock journal (owned with harness/checks/upstream/). */
import type { CheckDefinition } from './definition.ts';

export const UPSTREAM_CHECKS = {} as const satisfies Record<string, CheckDefinition>;
