// npm test: the type check and the test run side by side, not one after the other. tsc takes about
// 30 s of CPU and never waits; most of the suite waits on calls played in real time, so the two
// overlap on a 2-core machine instead of adding up. Arguments go to vitest (.ci/run passes its
// reporters). The exit code is non-zero when either fails; tsc's errors are printed after the run,
// under a line that says so, so they are not lost among the tests' output.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { setPriority } from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const tscBin = require.resolve('typescript/bin/tsc');
const vitestPackage = require.resolve('vitest/package.json');
const vitestBin = path.join(path.dirname(vitestPackage), require(vitestPackage).bin.vitest);

/** A child run to its end: its exit code (1 when it died of a signal), and what it printed when captured. */
function run(bin, args, capture) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
  let output = '';
  if (capture) {
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
  }
  const done = new Promise((resolve) => {
    child.on('error', (error) => resolve({ code: 1, output: `${output}${error.message}\n` }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
  return { child, done };
}

const tsc = run(tscBin, ['--noEmit'], true);
// tsc at a low priority (nice 10): it never waits, while the tests' calls must keep real time. At
// normal priority it took a core through the suite's first minute, when the tests alone keep both
// cores busy; niced, it mostly runs in the time the calls leave idle (it still ends before vitest).
try {
  if (tsc.child.pid !== undefined) setPriority(tsc.child.pid, 10);
} catch {
  // A system that refuses a lower priority runs it at normal priority: slower, not wrong.
}
const vitest = run(vitestBin, ['run', ...process.argv.slice(2)], false);

// Ctrl-C reaches both children from the terminal; a SIGTERM sent to this process alone is passed on.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    tsc.child.kill(signal);
    vitest.child.kill(signal);
  });
}

const [typecheck, tests] = await Promise.all([tsc.done, vitest.done]);
if (typecheck.code === 0) {
  console.log('Type check (tsc --noEmit): no errors.');
} else {
  console.error(`Type check (tsc --noEmit) failed, exit ${typecheck.code}:`);
  process.stderr.write(typecheck.output);
}
process.exit(typecheck.code !== 0 ? typecheck.code : tests.code);
