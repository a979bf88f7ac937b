/**
 * `callbench run` against agents other than the in-process reference agent, as a user runs it:
 * an agent they run themselves (--agent-url, on --mock-port mocks), the real-services mode
 * (--upstream real, here with "real" URLs that point at mocks started on their own), and the
 * one-line errors of a bad --agent-cmd or a design flag that does not apply.
 */
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, type Exit } from './helpers/callbench.ts';
import { createAgent } from '../../agent/index.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { startMocks } from '../../harness/mocks/start-mocks.ts';
import { PROFILES } from '../../harness/mocks/profiles.ts';
import { holdLoopbackPorts } from '../../harness/net/free-port.ts';
import { reportDirsOf } from './helpers/report-dirs.ts';

const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(DEEPGRAM|OPENAI|TWILIO|AGENT)_|^(PORT|HOST)$/.test(name)));
const reports: string[] = [];
/** One question and a one-sentence answer (scenarios/question's answer plays about 7 s). */
const QUESTION = 'test/integration/scenarios/question-short.json';

const callbench = (args: string[], env: Record<string, string> = {}): Promise<Exit> => runCli(args, { ...CLEAN_ENV, ...env });

/** The JSON summary of a `--json` run; its report folder is removed after the tests. */
function summaryOf(result: Exit): { metrics: Record<string, { count: number }>; agent: string; profile: string } {
  const summary = JSON.parse(result.stdout) as { metrics: Record<string, { count: number }>; agent: string; startedAt: string; profile: string };
  reports.push(...reportDirsOf(ROOT, summary.startedAt, summary.profile));
  return summary;
}

afterAll(async () => {
  for (const dir of reports) await rm(dir, { recursive: true, force: true });
});

// The cases at once: each waits on a real-time call (or on nothing), not on the CPU.
describe.concurrent('callbench run against other agents', { timeout: 90_000 }, () => {
  it('--agent-url: calls an agent the user runs, pointed at --mock-port mocks, with the token given', async () => {
    // N, N+1 and N+2: the mocks' three ports, held until the test ends.
    const hold = await holdLoopbackPorts(3);
    const port = hold.port;
    const token = 'a-token-the-agent-knows';
    const agent = createAgent({
      deepgramApiUrl: `http://127.0.0.1:${port}`,
      deepgramApiKey: 'callbench-mock-key',
      openaiBaseUrl: `http://127.0.0.1:${port + 1}/v1`,
      openaiApiKey: 'callbench-mock-key',
      twilioAuthToken: token,
    });
    const { url } = await agent.listen(0);
    try {
      const result = await callbench(['run', '--scenario', QUESTION, '--profile', 'instant', '--json', '--agent-url', `${url}/incoming-call`, '--mock-port', String(port), '--auth-token', token]);
      expect(result.code, result.stderr).toBe(0);
      const summary = summaryOf(result);
      expect(summary.agent).toContain('external agent');
      expect(summary.metrics['turn.response_ms']?.count).toBe(1);
      // Its upstream connections carried the call header: the stages are joined.
      expect(summary.metrics['llm.ttft_ms']?.count).toBe(1);
    } finally {
      await agent.close();
      hold.release();
    }
  });

  it('--upstream real: no mocks; the agent uses the keys and URLs of the environment', async () => {
    const clock = createSystemClock();
    const standalone = await startMocks({ clock, profile: PROFILES['instant'] ?? PROFILES['reference']!, seed: 1, apiKey: 'a-real-looking-key' });
    try {
      const env = { DEEPGRAM_API_URL: standalone.env.DEEPGRAM_API_URL, DEEPGRAM_API_KEY: 'a-real-looking-key', OPENAI_BASE_URL: standalone.env.OPENAI_BASE_URL, OPENAI_API_KEY: 'a-real-looking-key' };
      const result = await callbench(['run', '--scenario', 'greeting', '--upstream', 'real', '--json'], env);
      expect(result.code, result.stderr).toBe(0);
      const summary = summaryOf(result);
      expect(summary.profile).toBe('real');
      expect(summary.metrics['greeting.first_audio_ms']?.count).toBe(1);
      // The services were the environment's: the standalone mocks saw the call.
      expect(standalone.journal.entries().some((e) => e.service === 'deepgram.speak.ws' && e.kind === 'Speak')).toBe(true);
      expect(result.stdout + result.stderr).not.toContain('a-real-looking-key');
    } finally {
      await standalone.close();
    }
  });

  it('refuses, in one line with exit 2: a failing --agent-cmd, a design flag with it, real mode without keys', async () => {
    const failing = await callbench(['run', '--scenario', 'greeting', '--agent-cmd', "echo 'no such agent' >&2; exit 7"]);
    expect(failing.code).toBe(2);
    expect(failing.stderr.trim().split('\n').at(-1)).toMatch(/^callbench: --agent-cmd: '.*' exited with code 7 before listening on 127\.0\.0\.1:\d+ \(PORT\); its last output: no such agent\b/);
    const design = await callbench(['run', '--agent-cmd', 'node agent.js', '--preset', 'seed-fixed']);
    expect(design.code).toBe(2);
    expect(design.stderr.trim()).toMatch(/^callbench: --preset configures the reference agent; it does not apply with --agent-cmd or --agent-url\b/);
    expect(design.stderr.trim().split('\n')).toHaveLength(1);
    const keys = await callbench(['run', '--upstream', 'real', '--agent-mode', 'realtime']);
    expect(keys.code).toBe(2);
    expect(keys.stderr.trim()).toMatch(/^callbench: --upstream real needs OPENAI_API_KEY in the environment \(the keys of the real services\)/);
    expect(keys.stderr.trim().split('\n')).toHaveLength(1);
  });
});
