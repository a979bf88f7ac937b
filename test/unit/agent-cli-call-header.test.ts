/**
 * --no-call-header on the command line: a reference-agent design flag, parsed once for `run` and
 * `agent`, refused with --agent-cmd/--agent-url like the others, and passed on by `run` to the
 * in-process reference agent, whose upstream connections then carry no `x-callbench-call` header
 * (the mocks tie them by what they carry instead).
 */
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../harness/cli/commands/run.ts';
import { parseModeFlags } from '../../harness/cli/mode-flags.ts';
import { PACKAGE_ROOT } from '../../harness/cli/paths.ts';
import type { RunSummary } from '../../harness/report/summary.ts';
import { createReferenceAgentTarget } from '../../harness/runner/reference-agent.ts';
import type { AgentLogEvent } from '../../agent/index.ts';
import { reportDirsOf } from '../e2e/helpers/report-dirs.ts';

const io = { out: () => {}, progress: () => {} };

describe('--no-call-header', () => {
  it('parses to callHeader false, and to nothing when absent', () => {
    expect(parseModeFlags({ 'no-call-header': true }).callHeader).toBe(false);
    expect(parseModeFlags({}).callHeader).toBeUndefined();
    expect(parseModeFlags({ 'no-call-header': true, 'agent-mode': 'realtime' }).callHeader).toBe(false);
  });

  it('is refused with --agent-cmd and --agent-url, naming the flag', async () => {
    await expect(runCommand(['--no-call-header', '--agent-cmd', 'node some-agent.js'], io)).rejects.toThrow(
      '--no-call-header configures the reference agent; it does not apply with --agent-cmd or --agent-url',
    );
    await expect(runCommand(['--no-call-header', '--agent-url', 'http://127.0.0.1:9/incoming-call', '--mock-port', '4000'], io)).rejects.toThrow(
      '--no-call-header configures the reference agent',
    );
  });

  it('the in-process target passes callHeader to the agent, and says so in its description', async () => {
    const logs: AgentLogEvent[] = [];
    const target = createReferenceAgentTarget({ callHeader: false, onLog: (event) => logs.push(event) });
    expect(target.describe()).toMatch(/no-call-header\)$/);
    expect(createReferenceAgentTarget({}).describe()).not.toContain('no-call-header');
    // The URLs are never dialled: no call is placed.
    const env = {
      DEEPGRAM_API_URL: 'http://127.0.0.1:9',
      DEEPGRAM_API_KEY: 'k',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      OPENAI_API_KEY: 'k',
      OPENAI_REALTIME_URL: 'ws://127.0.0.1:9/v1/realtime',
      OPENAI_REALTIME_BASE_URL: 'https://127.0.0.1:9/v1',
      OPENAI_CA_CERT: '',
      TWILIO_AUTH_TOKEN: 't',
    };
    const running = await target.start(env);
    await running.stop();
    expect(logs.find((e) => e.type === 'agent.listening')).toMatchObject({ callHeader: false });
  });

  // The two runs below (a greeting call each, on mocks of their own) play side by side.
  it.concurrent('run on the reference agent (its worker thread) sends no header: its connections are tied by what they carry', { timeout: 60_000 }, async () => {
    let json = '';
    const code = await runCommand(['--no-call-header', '--scenario', 'greeting', '--profile', 'instant', '--json'], { out: (text) => (json += text), progress: () => {} });
    const summary = JSON.parse(json) as RunSummary;
    for (const dir of reportDirsOf(PACKAGE_ROOT, summary.startedAt, summary.profile)) await rm(dir, { recursive: true, force: true });
    expect(code).toBe(0);
    expect(summary.agent).toContain('no-call-header');
    // The CLI's default: the agent off the harness's event loop.
    expect(summary.agent).toMatch(/^reference agent \(worker thread;/);
    const ties = summary.attribution;
    expect(ties?.byMethod.header).toBe(0);
    // Listen by the caller's audio mark; the speak socket of a greeting-only call (it spoke only the
    // agent's own greeting, no text the mocks produced) by the source mark the caller heard in it.
    expect(ties?.byMethod.audio).toBe(2);
    expect(ties?.untied).toBe(0);
    expect(ties?.byService['deepgram.listen']).toEqual({ tied: 1, untied: 0 });
    expect(ties?.byService['deepgram.speak.ws']).toEqual({ tied: 1, untied: 0 });
  });

  it.concurrent('--agent-in-process keeps the reference agent on the harness\'s own event loop, and says so', { timeout: 60_000 }, async () => {
    let json = '';
    const code = await runCommand(['--agent-in-process', '--scenario', 'greeting', '--profile', 'instant', '--json'], { out: (text) => (json += text), progress: () => {} });
    const summary = JSON.parse(json) as RunSummary;
    for (const dir of reportDirsOf(PACKAGE_ROOT, summary.startedAt, summary.profile)) await rm(dir, { recursive: true, force: true });
    expect(code).toBe(0);
    expect(summary.agent).toMatch(/^reference agent \(in-process;/);
  });
});
