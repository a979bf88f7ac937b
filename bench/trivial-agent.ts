/**
 * The trivial agent as a process of its own, for the end-to-end benchmarks: the null agent
 * (harness/runner/null-agent.ts: TwiML, then a tone burst after `start` and one after each caller
 * utterance, at known times) on PORT/HOST, as the process-agent contract gives them. With no
 * upstream and next to no work per frame, what a run against it costs is the harness's own.
 *
 *   node --import tsx bench/trivial-agent.ts
 *
 * CALLBENCH_NULL_AGENT: JSON of null-agent options to override (e.g. the calibration timing).
 * CALLBENCH_AGENT_STATS: a file to write, on SIGTERM, this process's CPU time (process.cpuUsage,
 * µs) and how long it ran, so the benchmark can charge the agent's CPU apart from the harness's.
 */
import { writeFileSync } from 'node:fs';
import { listenNullAgent, nullAgentOptions, type NullAgentOptions } from '../harness/runner/null-agent.ts';

const port = Number(process.env['PORT'] ?? '0');
const host = process.env['HOST'] ?? '127.0.0.1';
const overrides = JSON.parse(process.env['CALLBENCH_NULL_AGENT'] ?? '{}') as Partial<Omit<NullAgentOptions, 'clock'>>;
const statsFile = process.env['CALLBENCH_AGENT_STATS'];
const began = performance.now();

const server = await listenNullAgent(nullAgentOptions(overrides), { port, host });
process.stdout.write(`trivial agent listening: ${server.webhookUrl}\n`);

process.once('SIGTERM', () => {
  if (statsFile !== undefined) writeFileSync(statsFile, JSON.stringify({ cpu: process.cpuUsage(), wallMs: performance.now() - began }));
  void server.stop().finally(() => process.exit(0));
});
