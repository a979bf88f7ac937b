/**
 * The reference agent's SDKs are optional: an import that fails for want of one becomes one line
 * naming every SDK missing, the versions to install (callbench's exact devDependencies pins) and
 * the way round them; any other failure is left as it is.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWithOptional, MissingPackageError, REFERENCE_AGENT_SDKS, requireInstalled, unresolvable } from '../../harness/cli/optional-packages.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

/** What Node throws when an import names a package that is not installed. */
function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find package '${name}' imported from /somewhere/dist/agent/upstream/upstream-clients.js`), { code: 'ERR_MODULE_NOT_FOUND' });
}

describe('loadWithOptional', () => {
  it('turns a missing SDK into one line naming the packages, their tested versions and the way round', async () => {
    const error = await loadWithOptional(() => Promise.reject(notFound('openai')), ['openai', 'no-such-sdk-callbench-test'], 'the reference agent', 'or measure your own agent with --agent-cmd').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MissingPackageError);
    // openai is installed here (a devDependency), so only the package the import missed and the one that cannot be resolved are named.
    expect((error as MissingPackageError).packages).toEqual(['openai', 'no-such-sdk-callbench-test']);
    expect((error as Error).message).toBe(
      `the reference agent needs openai and no-such-sdk-callbench-test, which are not installed: npm install --save-dev openai@${pkg.devDependencies['openai']} no-such-sdk-callbench-test (the versions callbench is tested with), or measure your own agent with --agent-cmd`,
    );
  });

  it('leaves any other failure as it is', async () => {
    const other = new Error('boom');
    await expect(loadWithOptional(() => Promise.reject(other), ['openai'], 'x', '')).rejects.toBe(other);
    const unrelated = notFound('left-pad');
    await expect(loadWithOptional(() => Promise.reject(unrelated), ['openai'], 'x', '')).rejects.toBe(unrelated);
    await expect(loadWithOptional(() => Promise.resolve(42), ['openai'], 'x', '')).resolves.toBe(42);
  });

  it('resolves the installed SDKs from here, and not an absent one', () => {
    expect(unresolvable([...REFERENCE_AGENT_SDKS, 'no-such-sdk-callbench-test'])).toEqual(['no-such-sdk-callbench-test']);
  });
  it('requireInstalled (the worker thread\'s check, which imports nothing): the same line for what does not resolve, nothing when all do', () => {
    expect(() => requireInstalled(REFERENCE_AGENT_SDKS, 'the reference agent', '')).not.toThrow();
    let error: unknown;
    try {
      requireInstalled(['openai', 'no-such-sdk-callbench-test'], 'the reference agent', 'or measure your own agent with --agent-cmd');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingPackageError);
    expect((error as MissingPackageError).packages).toEqual(['no-such-sdk-callbench-test']);
    expect((error as Error).message).toBe(
      'the reference agent needs no-such-sdk-callbench-test, which is not installed: npm install --save-dev no-such-sdk-callbench-test (the version callbench is tested with), or measure your own agent with --agent-cmd',
    );
  });
});

describe('package.json', () => {
  it('makes the SDKs optional peers, pinned exactly for development, and keeps them out of the runtime dependencies', () => {
    for (const name of REFERENCE_AGENT_SDKS) {
      expect(pkg.dependencies[name], name).toBeUndefined();
      expect(pkg.peerDependenciesMeta[name]?.optional, name).toBe(true);
      expect(pkg.devDependencies[name], name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(pkg.peerDependencies[name], name).toBe(`^${pkg.devDependencies[name]}`);
    }
    expect(pkg.dependencies['tsx']).toBeUndefined();
  });
});
