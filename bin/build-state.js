// Whether the compiled CLI in dist/ is what the sources say. An installed package has no
// sources, only its build. A clone has both: its build is stale once any source under harness/
// or agent/ (or a tsconfig) is newer than the build's start (dist/build-started, written by
// scripts/build.mjs: a file edited while tsc ran is not in the build), or, for a build without
// that stamp, than its entry point.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const SOURCE_DIRS = ['harness', 'agent'];
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json'];

/** The newest mtime (ms) of any .ts file under `dir`, 0 when there is none. */
function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The build's start (ms since the epoch) from its stamp, undefined without one. */
function startedAt(file) {
  try {
    const ms = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

/**
 * 'package' (no sources: an installed package, run its build), 'fresh', 'stale' (a source is
 * newer than the build) or 'missing' (sources but no build).
 * @param {string} root the package root
 */
export function buildState(root) {
  const entry = mtime(path.join(root, 'dist', 'harness', 'cli', 'main.js'));
  const started = startedAt(path.join(root, 'dist', 'build-started'));
  const built = entry === undefined ? undefined : (started ?? entry);
  if (mtime(path.join(root, 'harness', 'cli', 'main.ts')) === undefined) return 'package';
  if (built === undefined) return 'missing';
  const configs = CONFIG_FILES.map((name) => mtime(path.join(root, name)) ?? 0);
  const newest = Math.max(...configs, ...SOURCE_DIRS.map((dir) => newestSource(path.join(root, dir))));
  return newest > built ? 'stale' : 'fresh';
}
