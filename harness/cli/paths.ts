/** Where callbench's own data lives: scenarios/ and fixtures/ beside the package root. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCENARIOS_DIR = path.join(PACKAGE_ROOT, 'scenarios');
export const FIXTURES_DIR = path.join(PACKAGE_ROOT, 'fixtures', 'utterances');
