/** bin/build-state.js: whether bin/callbench.js runs the build or the sources of a clone. */
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildState } from '../../bin/build-state.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A clone: one source and a build, with the given mtimes (s since the epoch) and build stamp (ms). */
async function clone(times: { source: number; entry: number }, stampMs?: number): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'callbench-build-state-'));
  dirs.push(root);
  await mkdir(path.join(root, 'harness', 'cli'), { recursive: true });
  await mkdir(path.join(root, 'dist', 'harness', 'cli'), { recursive: true });
  const source = path.join(root, 'harness', 'cli', 'main.ts');
  const entry = path.join(root, 'dist', 'harness', 'cli', 'main.js');
  await writeFile(source, '');
  await writeFile(entry, '');
  await utimes(source, times.source, times.source);
  await utimes(entry, times.entry, times.entry);
  if (stampMs !== undefined) await writeFile(path.join(root, 'dist', 'build-started'), `${stampMs}\n`);
  return root;
}

describe('buildState', () => {
  it('a build written after the last edit is fresh', async () => {
    expect(buildState(await clone({ source: 1000, entry: 2000 }, 1500_000))).toBe('fresh');
  });

  it('a source edited while tsc ran is stale, though the build was written after it', async () => {
    // Started at 1500 s, the edit at 1800 s, the build's files at 2000 s.
    expect(buildState(await clone({ source: 1800, entry: 2000 }, 1500_000))).toBe('stale');
  });

  it('a build without its stamp is judged by its entry point', async () => {
    expect(buildState(await clone({ source: 1800, entry: 2000 }))).toBe('fresh');
    expect(buildState(await clone({ source: 2100, entry: 2000 }))).toBe('stale');
  });

  it('no build in a clone is missing; no sources is an installed package', async () => {
    const root = await clone({ source: 1000, entry: 2000 });
    await rm(path.join(root, 'dist'), { recursive: true });
    expect(buildState(root)).toBe('missing');
    await rm(path.join(root, 'harness'), { recursive: true });
    expect(buildState(root)).toBe('package');
  });
});
