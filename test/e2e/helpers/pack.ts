/**
 * callbench packed as `npm pack` makes it (the tarball a registry serves), shared by the e2e
 * tests that install it (package-install, example-project): the build and the pack are the slow
 * part, and two test files building into dist/ at once would spoil each other's build.
 *
 * Under a lock (one test file at a time, across vitest's workers): the build is refreshed when a
 * source is newer, then the tarball is made once per content. The cache is keyed by the
 * tarball's integrity, which `npm pack --dry-run` computes without writing it (npm fixes every
 * entry's mtime, so the same files give the same hash); one tarball is kept, the older removed.
 */
import { spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { buildState } from '../../../bin/build-state.js';
import { processAlive } from '../../../harness/process-alive.ts';
import { ROOT, type Exit } from './callbench.ts';

export interface PackInfo {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  integrity: string;
  files: Array<{ path: string; size: number }>;
}

export interface Packed {
  /** Absolute path of the tarball (read-only: shared with the other test files of the run). */
  tarball: string;
  info: PackInfo;
}

const CACHE = path.join(tmpdir(), `callbench-pack-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`);
const LOCK = path.join(CACHE, 'lock');

function run(command: string, args: readonly string[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(command: string, args: readonly string[]): Promise<Exit> {
  const result = await run(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result;
}

/** Resolves once something in CACHE changes (the lock's removal among them), or after a second in case the event was missed. */
function changeInCache(): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(CACHE);
    const done = (): void => {
      clearTimeout(timer);
      watcher.close();
      resolve();
    };
    const timer = setTimeout(done, 1000);
    watcher.once('change', done);
    watcher.once('error', done);
  });
}

/** Runs `fn` holding the cache's lock: a directory made atomically, holding its owner's pid, taken over when that process is gone. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  await mkdir(CACHE, { recursive: true });
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(await readFile(path.join(LOCK, 'pid'), 'utf8').catch(() => 'NaN'));
      if (Number.isInteger(owner) && !processAlive(owner)) await rm(LOCK, { recursive: true, force: true });
      else await changeInCache();
    }
  }
  try {
    await writeFile(path.join(LOCK, 'pid'), String(process.pid));
    return await fn();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

function packInfo(stdout: string): PackInfo {
  const [info] = JSON.parse(stdout) as PackInfo[];
  if (info === undefined) throw new Error(`npm pack printed no package: ${stdout}`);
  return info;
}

/** The tarball of callbench as its sources stand now (built first when the build is stale). */
export function packedCallbench(): Promise<Packed> {
  return withLock(async () => {
    // The build is what ships: rebuilt when a source is newer (then packed without running prepare again).
    if (buildState(ROOT) !== 'fresh') await ok('npm', ['run', 'build']);
    const planned = packInfo((await ok('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'])).stdout);
    const key = createHash('sha256').update(planned.integrity).digest('hex').slice(0, 16);
    const dir = path.join(CACHE, key);
    const saved = await readFile(path.join(dir, 'pack.json'), 'utf8').catch(() => undefined);
    if (saved !== undefined) {
      const info = JSON.parse(saved) as PackInfo;
      return { tarball: path.join(dir, info.filename), info };
    }
    for (const entry of await readdir(CACHE)) if (entry !== 'lock') await rm(path.join(CACHE, entry), { recursive: true, force: true });
    const staging = `${dir}.tmp`;
    await mkdir(staging, { recursive: true });
    const pack = await ok('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', staging]);
    const info = packInfo(pack.stdout);
    await writeFile(path.join(staging, 'pack.json'), JSON.stringify(info));
    await rename(staging, dir);
    return { tarball: path.join(dir, info.filename), info };
  });
}
