/**
 * A package-lock.json for a scratch project that installs callbench (and, when asked, the
 * reference agent's SDKs) from callbench's own lockfile, so `npm install --offline` needs only
 * the tarballs `npm ci` left in the npm cache. Without it npm resolves each new dependency from
 * its full registry document, which `npm ci` never fetched (it caches the abbreviated ones), and
 * an offline install fails with ENOTCACHED.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  [key: string]: unknown;
}

interface Lock {
  packages: Record<string, LockEntry>;
}

/** The lock location `name` resolves to from `from`, as Node looks it up (nearest node_modules first). */
function resolveIn(packages: Record<string, LockEntry>, name: string, from: string): string | undefined {
  for (let at = from; ; ) {
    const candidate = `${at === '' ? '' : `${at}/`}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (at === '') return undefined;
    const cut = at.lastIndexOf('/node_modules/');
    at = cut < 0 ? '' : at.slice(0, cut);
  }
}

/** Every lock entry `names` need, with callbench's dev/peer flags dropped (they are the project's dependencies now). */
function closure(lock: Lock, names: readonly string[]): Record<string, LockEntry> {
  const out: Record<string, LockEntry> = {};
  const visit = (name: string, from: string, optional: boolean): void => {
    const at = resolveIn(lock.packages, name, from);
    if (at === undefined) {
      if (optional) return;
      throw new Error(`${name} (needed from ${from || 'the root'}) is not in callbench's package-lock.json`);
    }
    if (out[at] !== undefined) return;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = lock.packages[at] ?? {};
    out[at] = entry;
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(dep, at, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(dep, at, true);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) visit(dep, at, entry.peerDependenciesMeta?.[dep]?.optional === true);
  };
  for (const name of names) visit(name, '', false);
  return out;
}

interface CallbenchPackage {
  version: string;
  license: string;
  dependencies: Record<string, string>;
  engines: unknown;
  peerDependencies: unknown;
  peerDependenciesMeta: unknown;
}

function readCallbench(root: string): { lock: Lock; pkg: CallbenchPackage } {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as Lock;
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as CallbenchPackage;
  return { lock, pkg };
}

/** callbench's own lock entry, installed from `spec` (a file: tarball). */
function callbenchEntry(pkg: CallbenchPackage, spec: string): LockEntry {
  return {
    version: pkg.version,
    resolved: spec,
    license: pkg.license,
    dependencies: pkg.dependencies,
    peerDependencies: pkg.peerDependencies as Record<string, string>,
    peerDependenciesMeta: pkg.peerDependenciesMeta as Record<string, { optional?: boolean }>,
    bin: { callbench: 'bin/callbench.js' },
    engines: pkg.engines,
  };
}

export interface ScratchProject {
  packageJson: Record<string, unknown>;
  lock: Record<string, unknown>;
}

/**
 * package.json and package-lock.json of a project depending on callbench at `tarball` (and on
 * `extra`, each at the version callbench's lock has), its tree taken from callbench's lock.
 */
export function scratchProject(root: string, tarball: string, extra: readonly string[] = []): ScratchProject {
  const { lock, pkg } = readCallbench(root);
  const spec = `file:${tarball}`;
  const dependencies: Record<string, string> = { callbench: spec };
  for (const name of extra) dependencies[name] = lock.packages[`node_modules/${name}`]?.version ?? '*';
  const packages: Record<string, unknown> = {
    '': { name: 'callbench-user', version: '1.0.0', dependencies },
    'node_modules/callbench': callbenchEntry(pkg, spec),
    ...closure(lock, [...Object.keys(pkg.dependencies), ...extra]),
  };
  return {
    packageJson: { name: 'callbench-user', version: '1.0.0', private: true, type: 'module', dependencies },
    lock: { name: 'callbench-user', version: '1.0.0', lockfileVersion: 3, requires: true, packages },
  };
}

export interface ProjectPackage {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/**
 * package-lock.json for a project with a package.json of its own (an example project) whose
 * callbench dependency is the tarball at `spec` (as package.json writes it, e.g.
 * `file:vendor/callbench.tgz`); every other dependency at the version callbench's lock has.
 */
export function projectLock(root: string, project: ProjectPackage): Record<string, unknown> {
  const { lock, pkg } = readCallbench(root);
  const spec = project.devDependencies?.['callbench'] ?? project.dependencies?.['callbench'];
  if (spec === undefined) throw new Error(`${project.name} does not depend on callbench`);
  const others = [...Object.keys(project.dependencies ?? {}), ...Object.keys(project.devDependencies ?? {})].filter((name) => name !== 'callbench');
  const packages: Record<string, unknown> = {
    '': { name: project.name, version: project.version, dependencies: project.dependencies ?? {}, devDependencies: project.devDependencies ?? {} },
    'node_modules/callbench': callbenchEntry(pkg, spec),
    ...closure(lock, [...Object.keys(pkg.dependencies), ...others]),
  };
  return { name: project.name, version: project.version, lockfileVersion: 3, requires: true, packages };
}
