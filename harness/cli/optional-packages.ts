/**
 * The reference agent's SDKs (openai, @deepgram/sdk, twilio) are optional peer dependencies: a team that
 * measures its own agent never loads them, and need not install them. The modules that import
 * them are loaded here, on first use; when one is missing the user gets one line naming the
 * packages to install (at the versions callbench's mocks are tested against) and the way round
 * them, instead of Node's stack trace.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from './paths.ts';

/** The SDKs only the reference agent needs (package.json peerDependenciesMeta: optional); the fake Twilio signs with node:crypto. */
export const REFERENCE_AGENT_SDKS = ['openai', '@deepgram/sdk', 'twilio'] as const;

/** An optional package a command needs is not installed. */
export class MissingPackageError extends Error {
  readonly packages: readonly string[];
  constructor(message: string, packages: readonly string[]) {
    super(message);
    this.name = 'MissingPackageError';
    this.packages = packages;
  }
}

/** The versions the mocks are tested against: callbench's exact devDependencies pins. */
function testedVersions(): Readonly<Record<string, string>> {
  try {
    const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
    return pkg.devDependencies ?? {};
  } catch {
    return {};
  }
}

/** `a`, `a and b`, `a, b and c`. */
function listed(names: readonly string[]): string {
  return names.length <= 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The package a failed import could not find, from Node's ERR_MODULE_NOT_FOUND message. */
function missingPackageOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || (error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') return undefined;
  return /Cannot find package '([^']+)'/.exec(error.message)?.[1];
}

/** Which of `packages` cannot be resolved from here (the same node_modules lookup the agent's modules get). */
export function unresolvable(packages: readonly string[]): string[] {
  return packages.filter((name) => {
    try {
      import.meta.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

/**
 * `load()`, or a MissingPackageError naming every SDK of `packages` that is not installed when
 * the import fails for want of one of them. `what` is who needs them ("the reference agent"),
 * `instead` the way to do without ("or measure your own agent with --agent-cmd or --agent-url").
 */
export async function loadWithOptional<T>(load: () => Promise<T>, packages: readonly string[], what: string, instead: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const missing = missingPackageOf(error);
    if (missing === undefined || !packages.includes(missing)) throw error;
    const absent = unresolvable(packages);
    throw missingPackages(absent.includes(missing) ? absent : [missing, ...absent], what, instead);
  }
}

/**
 * The same refusal as loadWithOptional's, decided by resolving `packages` rather than importing
 * what needs them: for the reference agent in its worker thread, which imports the SDKs itself,
 * so the harness's thread need not spend a second loading them only to learn they are there.
 */
export function requireInstalled(packages: readonly string[], what: string, instead: string): void {
  const absent = unresolvable(packages);
  if (absent.length > 0) throw missingPackages(absent, what, instead);
}

function missingPackages(names: readonly string[], what: string, instead: string): MissingPackageError {
  const versions = testedVersions();
  const install = names.map((name) => (versions[name] === undefined ? name : `${name}@${versions[name]}`)).join(' ');
  return new MissingPackageError(
    `${what} needs ${listed(names)}, which ${names.length === 1 ? 'is' : 'are'} not installed: npm install --save-dev ${install} (the version${names.length === 1 ? '' : 's'} callbench is tested with)${instead === '' ? '' : `, ${instead}`}`,
    names,
  );
}
