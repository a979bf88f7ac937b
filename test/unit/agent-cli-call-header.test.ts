/**
 * --no-call-header on the command line: a reference-agent design flag, parsed once for `run` and
 * `agent`, refused with --agent-cmd/--agent-url like the others, and refused (not ignored) by
 * `run` while its in-process target cannot pass it on.
 */
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../harness/cli/commands/run.ts';
import { parseModeFlags } from '../../harness/cli/mode-flags.ts';

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

  it('is refused by run on the in-process reference agent until that target can pass it on', async () => {
    await expect(runCommand(['--no-call-header'], io)).rejects.toThrow(/--no-call-header is not wired into the in-process reference agent yet/);
  });
});
