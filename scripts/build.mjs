// npm run build: tsc into dist.tmp, then swapped in for dist/ in one rename, so that a CLI started
// meanwhile finds the old build or the new one, never half of one. The build's start time is kept
// in dist/build-started: a source edited while tsc ran is newer than the build's start, so
// bin/build-state.js calls that build stale, though its files were written after the edit.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const startedAt = Date.now();
rmSync('dist.tmp', { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', 'dist.tmp'], { stdio: 'inherit' });
if (result.status !== 0) {
  rmSync('dist.tmp', { recursive: true, force: true });
  process.exit(result.status ?? 1);
}
mkdirSync('dist.tmp', { recursive: true });
writeFileSync('dist.tmp/build-started', `${startedAt}\n`);
rmSync('dist', { recursive: true, force: true });
renameSync('dist.tmp', 'dist');
