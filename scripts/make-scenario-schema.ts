/** Writes scenarios/scenario.schema.json from the zod scenario schema, for editor completion. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { Scenario } from '../harness/scenario/schema.ts';
import { SCENARIOS_DIR } from '../harness/cli/paths.ts';

const schema = z.toJSONSchema(Scenario, { io: 'input' });
await writeFile(path.join(SCENARIOS_DIR, 'scenario.schema.json'), `${JSON.stringify(schema, null, 2)}\n`);
