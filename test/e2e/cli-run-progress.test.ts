/**
 * The progress lines of `callbench run` as a user reads them on stderr: a call that ran to its
 * end but failed error checks is not "ok": its line names the failed checks, and the teardown
 * verdict, decided after the last call, gets its own line when it fails. The agent is the e2e
 * test agent, told to send a message Twilio does not know and to leave a Deepgram socket open.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers/callbench.ts';

const reports: string[] = [];
afterAll(async () => {
  for (const dir of reports) await rm(dir, { recursive: true, force: true });
});

describe.concurrent('callbench run progress lines', { timeout: 60_000 }, () => {
  it('say which error checks failed on a call, and give a failed teardown verdict a line of its own', async () => {
    const result = await runCli(['run', '--scenario', 'test/e2e/fixtures/hold.json', '--profile', 'instant', '--agent-cmd', 'TEST_AGENT_MISBEHAVE=1 exec node test/e2e/fixtures/test-agent.mjs']);
    const report = /^Report: (.+)$/m.exec(result.stdout)?.[1];
    if (report !== undefined) reports.push(path.dirname(path.join(ROOT, report)));
    expect(result.code, result.stderr).toBe(3);
    const lines = result.stderr.split('\n');
    expect(lines).toContainEqual('  [1/1] hold #1 FAILED checks: twilio.protocol');
    expect(lines.some((line) => line.includes(' ok'))).toBe(false);
    const teardown = lines.findIndex((line) => line.startsWith('  [teardown] hold #1 FAILED upstream.closed-after-hangup: deepgram.listen '));
    expect(teardown, result.stderr).toBeGreaterThan(lines.indexOf('  [1/1] hold #1 FAILED checks: twilio.protocol'));
    expect(lines[teardown]).toMatch(/still open more than 2 s after the hang-up/);
  });

  it('at more than ten calls in flight stderr holds progress lines only: no Node warning (each call listens on the run\'s stop signal)', async () => {
    const result = await runCli(['run', '--scenario', 'greeting', '--profile', 'instant', '--calls', '12', '--concurrency', '12']);
    const report = /^Report: (.+)$/m.exec(result.stdout)?.[1];
    if (report !== undefined) reports.push(path.dirname(path.join(ROOT, report)));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/Warning|\(node:\d+\)/);
  });
});
