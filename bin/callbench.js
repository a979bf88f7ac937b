#!/usr/bin/env node
// Entry point of the `callbench` command: runs the compiled CLI (dist/, built by `npm run build`,
// which `prepare` runs on `npm ci`, `npm install` of a clone and `npm pack`). In a clone whose
// sources are newer than its build, or that has none, it runs the sources through tsx (a
// devDependency) instead, so what runs is always what the sources say (bin/build-state.js).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildState } from './build-state.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = pathToFileURL(path.join(root, 'dist', 'harness', 'cli', 'main.js')).href;
const state = buildState(root);

if (state === 'package' || state === 'fresh') {
  await import(built);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    register = undefined;
  }
  if (register !== undefined) {
    register();
    await import(pathToFileURL(path.join(root, 'harness', 'cli', 'main.ts')).href);
  } else if (state === 'stale') {
    // No tsx (installed without devDependencies): the build is all there is.
    process.stderr.write('callbench: the build in dist/ is older than the sources and tsx is not installed to run them: running the build (npm run build updates it)\n');
    await import(built);
  } else {
    process.stderr.write('callbench: no build in dist/ and tsx is not installed to run the sources: run npm run build (or npm ci)\n');
    process.exitCode = 1;
  }
}
