/**
 * Starts a worker thread on a sibling module of the caller's, in the sources and in the build
 * alike. The build (dist/, what bin/callbench.js runs from a package) holds `NAME.js` beside its
 * caller, and node loads it as it is. The sources (a clone run through tsx, the tests through
 * vitest) hold `NAME.ts`, which node 20 cannot load by itself, and a worker thread inherits no
 * loader hooks from its parent: the worker first registers tsx's ESM loader (a devDependency,
 * always there when the sources run), then imports the module.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Whether `moduleUrl` is a TypeScript source (the sources run) rather than the build's JavaScript. */
export function isSourceModule(moduleUrl: string): boolean {
  return new URL(moduleUrl).pathname.endsWith('.ts');
}

/** The file URL of tsx's ESM API (its `register`), resolved from `moduleUrl` as an import would be. */
export function tsxEsmApiUrl(moduleUrl: string): string {
  const require = createRequire(moduleUrl);
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = require(manifestPath) as { exports?: Record<string, unknown> };
  const entry = manifest.exports?.['./esm/api'] as { import?: { default?: string } } | undefined;
  const relative = entry?.import?.default;
  if (relative === undefined) throw new Error(`tsx at ${path.dirname(manifestPath)} exports no ./esm/api for import: the sources cannot run in a worker thread`);
  return pathToFileURL(path.join(path.dirname(manifestPath), relative)).href;
}

/**
 * A worker running `name` (no extension), the sibling of `moduleUrl` (the caller's
 * import.meta.url). `options` are passed on; `eval` is the helper's own.
 */
export function startModuleWorker(moduleUrl: string, name: string, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!isSourceModule(moduleUrl)) return new Worker(new URL(`./${name}.js`, moduleUrl), options);
  const entry = new URL(`./${name}.ts`, moduleUrl).href;
  // A classic script (eval): it may import() ES modules by URL, and any rejection is the worker's 'error'.
  const bootstrap = `import(${JSON.stringify(tsxEsmApiUrl(moduleUrl))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
