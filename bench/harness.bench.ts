/**
 * `npm run bench [-- --only micro|e2e]`: the harness's benchmarks, in one run, about five minutes.
 *
 * - micro (bench/micro.ts, tinybench, ~20 s): the CPU of each per-frame hot path, and what it
 *   implies per call-second.
 * - e2e (bench/e2e.ts, ~4 min): whole calls over real sockets: the harness's overhead per call,
 *   the concurrency it keeps its frame pacing at, the reference agent at 100 calls, the
 *   calibration error at 1, 50 and 200 calls, and the reference agent's own overhead per reply.
 *
 * It starts and ends with the machine it ran on (cores, CPU, Node, load average): figures from a
 * shared machine mean little without the load they were measured under.
 */
import { parseArgs } from 'node:util';
import { E2E_PARTS, runEndToEnd, type E2ePart } from './e2e.ts';
import { loaded, loadText, machineNow } from './e2e-table.ts';
import { runMicro } from './micro.ts';

const USAGE = `Usage: npm run bench [-- --only PART]
  --only micro   the per-frame micro-benchmarks only (~20 s)
  --only e2e     the end-to-end benchmarks only (~4 min)
  --only ${E2E_PARTS.join('|')}
                 one end-to-end part: the trivial-agent ramp (with the overhead per call), the
                 reference agent at 100 calls, the calibration error, the reference agent's own overhead
`;

type Part = 'micro' | E2ePart;
const PARTS: readonly Part[] = ['micro', ...E2E_PARTS];

function parts(argv: string[]): Part[] | undefined {
  const { values } = parseArgs({ args: argv, options: { only: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help === true) return undefined;
  if (values.only === undefined) return [...PARTS];
  if (values.only === 'e2e') return [...E2E_PARTS];
  const part = PARTS.find((p) => p === values.only);
  if (part === undefined) throw new Error(`--only expects micro, e2e or one of ${E2E_PARTS.join(', ')}, got '${values.only}'`);
  return [part];
}

async function main(): Promise<number> {
  let chosen: Part[] | undefined;
  try {
    chosen = parts(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (chosen === undefined) {
    process.stdout.write(USAGE);
    return 0;
  }
  const start = machineNow();
  const began = Date.now();
  console.log(
    `Machine: ${start.cores} cores (${start.cpuModel}), Node ${start.node}; load average (1/5/15 min) at start ${loadText(start.load)}` +
      `${loaded(start.load, start.cores) ? ' — at or above the core count: other work holds the CPUs, read every figure as an upper bound' : ''}.\n`,
  );
  if (chosen.includes('micro')) await runMicro();
  const e2e = E2E_PARTS.filter((part) => chosen.includes(part));
  if (e2e.length > 0) await runEndToEnd(start, e2e);
  const end = machineNow();
  console.log(`\nLoad average at end ${loadText(end.load)}; the run took ${((Date.now() - began) / 1000).toFixed(0)} s.`);
  return 0;
}

process.exitCode = await main();
