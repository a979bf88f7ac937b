/**
 * Nothing `callbench run` starts outlives it. An interrupted run (SIGINT, SIGTERM) hangs up its
 * calls, writes and prints a partial report, stops the agent's whole process group and the mocks,
 * and exits 130 / 143; a second Ctrl-C exits at once and still kills the agent. An agent whose
 * shell exits early (`agent & …`) is still stopped, and the run still exits. An agent that dies
 * mid-run stops the run with one line that says so (exit 3). An --agent-url nobody listens on is
 * one line before any call (exit 2). The agent is test/e2e/fixtures/test-agent.mjs, started in
 * the background of its shell so that its group holds more than the shell.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { holdLoopbackPorts } from '../../harness/net/free-port.ts';
import { ROOT, runCli } from './helpers/callbench.ts';
import { exitsWithin, groupOf, isRunning, portsOf, readAgentInfo, startCli, stillServedBy, type LiveCli } from './helpers/live-cli.ts';
import { reportDirsOf } from './helpers/report-dirs.ts';

let dir: string;
let info: string;
const reports: string[] = [];
const leftovers: Array<() => void> = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'callbench-cleanup-'));
});
afterEach(() => {
  // A test that failed must not leave its processes to the next one.
  for (const kill of leftovers.splice(0)) kill();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  for (const report of reports) await rm(report, { recursive: true, force: true });
});

const AGENT = 'node test/e2e/fixtures/test-agent.mjs';
const HOLD = ['--scenario', 'test/e2e/fixtures/long-hold.json', '--profile', 'instant', '--calls', '2'];

function start(args: string[], agentEnv: Record<string, string> = {}): LiveCli {
  info = path.join(dir, `agent-${Math.random().toString(36).slice(2)}.json`);
  const cli = startCli(args, { TEST_AGENT_INFO: info, ...agentEnv });
  leftovers.push(() => {
    cli.child.kill('SIGKILL');
    try {
      // The agent's whole group: its shell too.
      const { pid } = readAgentInfo(info);
      if (isRunning(pid)) process.kill(-groupOf(pid), 'SIGKILL');
    } catch {
      // The agent never wrote its info, or its group is gone: nothing of it to kill.
    }
  });
  return cli;
}

function reportOf(stdout: string): string {
  const match = /^Report: (.+)$/m.exec(stdout) ?? /"startedAt":"([^"]+)".*"profile":"([^"]+)"/.exec(stdout);
  if (match?.[1] === undefined) throw new Error(`no report in:\n${stdout}`);
  const file = path.join(ROOT, match[1]);
  reports.push(path.dirname(file));
  return file;
}

async function expectNothingLeft(cli: LiveCli): Promise<void> {
  const agent = readAgentInfo(info);
  expect(await exitsWithin(agent.pid, 5000), `agent pid ${agent.pid} still running 5 s after callbench exited`).toBe(true);
  for (const port of portsOf(agent)) expect(await stillServedBy(cli, port)).toBeUndefined();
}

describe('callbench run cleans up after itself', { timeout: 90_000 }, () => {
  it('SIGINT mid-call: hangs up, writes the partial report, stops the agent group and the mocks, exits 130', async () => {
    const cli = start(['run', ...HOLD, '--agent-cmd', `${AGENT} & wait`]);
    await cli.line(/^ {2}\[start\] long-hold #1 /);
    cli.child.kill('SIGINT');
    const result = await cli.exited;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/^callbench: SIGINT: stopping/m);
    expect(result.stderr).toMatch(/^ {2}\[stopped\] long-hold #1 stopped: interrupted \(SIGINT\)$/m);
    expect(result.stderr).not.toMatch(/long-hold #2/);
    expect(result.stdout).toMatch(/^PARTIAL RUN: interrupted by SIGINT\. /m);
    const json = JSON.parse(await readFile(reportOf(result.stdout), 'utf8')) as { partial?: boolean; stopped?: { reason: string }; scenarios: Record<string, { calls: number; stoppedCalls?: number }> };
    expect(json.partial).toBe(true);
    expect(json.stopped?.reason).toBe('interrupted');
    expect(json.scenarios['long-hold']).toMatchObject({ calls: 0, stoppedCalls: 1 });
    await expectNothingLeft(cli);
  });

  it('SIGTERM: the same, exit 143, and --json marks the summary partial', async () => {
    const cli = start(['run', ...HOLD, '--json', '--agent-cmd', `${AGENT} & wait`]);
    await cli.line(/^ {2}\[start\] long-hold #1 /);
    cli.child.kill('SIGTERM');
    const result = await cli.exited;
    expect(result.code, result.stderr).toBe(143);
    const json = JSON.parse(result.stdout) as { partial?: boolean; startedAt: string; profile: string };
    reports.push(...reportDirsOf(ROOT, json.startedAt, json.profile));
    expect(json.partial).toBe(true);
    await expectNothingLeft(cli);
  });

  it('a second Ctrl-C exits at once, and the agent group is killed all the same', async () => {
    // The agent ignores SIGTERM: the first Ctrl-C's orderly stop would wait out its grace period.
    const cli = start(['run', ...HOLD, '--agent-cmd', `${AGENT} & wait`], { TEST_AGENT_IGNORE_TERM: '1' });
    await cli.line(/^ {2}\[start\] long-hold #1 /);
    cli.child.kill('SIGINT');
    await cli.line(/^callbench: SIGINT: stopping/);
    cli.child.kill('SIGINT');
    const result = await cli.exited;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/^callbench: SIGINT again: exiting now$/m);
    await expectNothingLeft(cli);
  });

  it('stops an agent its shell left running (`agent & …`), and exits after the report', async () => {
    // The shell exits once the harness's readiness probe has reached the agent, long before the run ends.
    const cli = start(['run', '--scenario', 'test/e2e/fixtures/hold.json', '--profile', 'instant', '--agent-cmd', `TEST_AGENT_CONNECTED="$TEST_AGENT_INFO.connected" ${AGENT} & until [ -e "$TEST_AGENT_INFO.connected" ]; do sleep 0.05; done`]);
    const result = await cli.exited;
    expect(result.code, result.stderr).toBe(0);
    reportOf(result.stdout);
    await expectNothingLeft(cli);
  });

  it('an agent that dies mid-run stops the run with one line naming the call and its last output (exit 3)', async () => {
    const cli = start(['run', '--scenario', 'test/e2e/fixtures/hold.json', '--profile', 'instant', '--calls', '4', '--agent-cmd', `TEST_AGENT_CRASH_AFTER=1 exec ${AGENT}`]);
    const result = await cli.exited;
    expect(result.code, result.stderr).toBe(3);
    reportOf(result.stdout);
    const last = result.stderr.trim().split('\n').at(-1);
    // It crashes once its first stream has closed; how many 300 ms calls begin before callbench has
    // seen it exit depends on how fast a loaded machine lets it die: up to three, never all four.
    expect(last).toMatch(/^callbench: the agent exited with code 1 (during|after) call [123] of scenario hold; its last output: .*Node\.js v\d+/);
    expect(result.stderr).not.toMatch(/webhook .* failed/);
    expect(result.stderr).not.toMatch(/hold #4/);
    expect(result.stdout).toMatch(/^PARTIAL RUN: the agent exited with code 1/m);
  });

  it('--agent-url with nothing listening: one line naming the URL and the error, before any call (exit 2)', async () => {
    // Held for the test: no agent another test starts is given it meanwhile.
    const hold = await holdLoopbackPorts();
    const port = hold.port;
    const url = `http://127.0.0.1:${port}/incoming-call`;
    const result = await runCli(['run', '--scenario', 'greeting', '--agent-url', url]).finally(hold.release);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    // The run's header line, then the one error line: no call was placed.
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(2);
    expect(lines[0]).toMatch(/^callbench: greeting; .*external agent at /);
    expect(lines[1]).toBe(
      `callbench: --agent-url ${url}: nothing accepts connections at 127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}): start the agent first, or fix the URL. See 'callbench --help'.`,
    );
  });
});
