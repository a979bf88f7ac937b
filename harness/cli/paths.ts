/**
 * Where callbench's own data lives: scenarios/ and fixtures/ beside the package root. The root
 * is the nearest folder above this module holding callbench's package.json, so the same code
 * finds it from the sources (harness/cli/) and from the build (dist/harness/cli/), in a clone
 * and in node_modules/callbench. A user's own files are found from the working directory
 * instead (harness/scenario/resolve.ts); nothing is ever written here.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function isCallbenchRoot(dir: string): boolean {
  const file = path.join(dir, 'package.json');
  if (!existsSync(file)) return false;
  try {
    const pkg: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof pkg === 'object' && pkg !== null && 'name' in pkg && pkg.name === 'callbench';
  } catch {
    return false;
  }
}

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (isCallbenchRoot(dir)) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no callbench package.json above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
export const SCENARIOS_DIR = path.join(PACKAGE_ROOT, 'scenarios');
export const FIXTURES_DIR = path.join(PACKAGE_ROOT, 'fixtures', 'utterances');

/** callbench's version, from its package.json. */
export function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
