/**
 * `callbench record` as a user runs it: the capture proxies in front of a foreign agent
 * (test/agents/cascaded-raw.mjs, started by callbench) with callbench's mocks behind the upstream
 * proxy; callbench's caller places one call at the printed webhook; the capture directory that
 * appears reads back whole and holds no key or token; SIGINT stops everything (exit 0, the
 * proxies' and the agent's ports closed). And bad flags: one line, exit 2.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../harness/clock.ts';
import { PROFILES } from '../../harness/mocks/profiles.ts';
import { DEFAULT_MOCK_KEY } from '../../harness/mocks/start-mocks.ts';
import type { Capture } from '../../harness/record/capture-format.ts';
import { readCapture } from '../../harness/record/capture-reader.ts';
import { createExternalAgentTarget } from '../../harness/runner/external-agent.ts';
import type { CallRecord } from '../../harness/runner/events.ts';
import { startRun } from '../../harness/runner/start-run.ts';
import { loadPlannedScenario } from '../../harness/scenario/plan.ts';
import { runCli, ROOT } from './helpers/callbench.ts';
import { startCli, stillServedBy, type LiveCli } from './helpers/live-cli.ts';

const TOKEN = 'cli-record-test-auth-token';

let dir: string;
let cli: LiveCli;
let printed: Record<string, string>;
let agentUrl: URL;
let call: CallRecord | undefined;
let capture: Capture;
let captureDir: string;
let exit: Awaited<LiveCli['exited']>;

/** Resolves with stdout's NAME=value lines once the last of them (REQUESTS_CA_BUNDLE) is there. */
function printedEnv(live: LiveCli): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    let text = '';
    live.child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (!/^REQUESTS_CA_BUNDLE=.*\n/m.test(text)) return;
      resolve(Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])));
    });
    void live.exited.then((e) => reject(new Error(`callbench record exited (${e.code}) before printing its URLs:\n${e.stderr}`)));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'callbench-cli-record-'));
  cli = startCli(['record', '--upstream', 'mocks', '--agent-cmd', 'node test/agents/cascaded-raw.mjs', '--auth-token', TOKEN, '--out', dir]);
  const env = printedEnv(cli);
  const ready = await cli.line(/Ctrl-C to stop/);
  printed = await env;
  agentUrl = new URL(/ at (http:\/\/\S+);/.exec(ready)?.[1] ?? 'http://invalid');

  const clock = createSystemClock();
  const planned = await loadPlannedScenario(path.join(ROOT, 'scenarios', 'greeting.json'), path.join(ROOT, 'fixtures', 'utterances'));
  const written = cli.line(/→ /);
  const run = startRun(
    { scenarios: [planned], load: { model: 'closed', calls: 1, concurrency: 1 }, profile: PROFILES['instant']!, seed: 1, agent: createExternalAgentTarget(printed['TWILIO_WEBHOOK_URL'] ?? ''), authToken: TOKEN },
    { clock },
  );
  run.subscribe((event) => {
    if (event.type === 'call-ended') call = event.call;
  });
  await run.result;
  await written;
  const [name] = await readdir(dir);
  captureDir = path.join(dir, name ?? '');
  capture = await readCapture(captureDir);

  cli.child.kill('SIGINT');
  exit = await cli.exited;
}, 120_000);

afterAll(async () => {
  if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('callbench record', () => {
  it('prints the webhook for Twilio and the upstream URLs for the agent, all on the proxies', () => {
    expect(printed['TWILIO_WEBHOOK_URL']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/incoming-call$/);
    expect(printed['DEEPGRAM_API_URL']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(printed['OPENAI_BASE_URL']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(printed['OPENAI_REALTIME_URL']).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime$/);
    expect(printed['OPENAI_REALTIME_BASE_URL']).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(Object.keys(printed)).not.toContain('DEEPGRAM_API_KEY');
  });

  it('a call placed at the printed webhook reaches the agent through the proxy and is written as one capture that reads back', () => {
    expect(call?.state).toBe('completed');
    expect(capture.manifest.call.callSid).toBe(call?.callSid);
    expect(capture.manifest.upstream).toBe('mocks');
    expect(capture.manifest.services).toEqual(expect.arrayContaining(['twilio', 'deepgram.listen', 'deepgram.speak.ws']));
    const webhook = capture.twilio.find((l) => l.kind === 'webhook');
    expect(webhook?.kind === 'webhook' && webhook.signature).toBe('valid');
    // The greeting the caller heard.
    expect(capture.manifest.durations.agentAudioMs).toBeGreaterThan(1000);
    expect(path.basename(captureDir)).toContain(call?.callSid ?? '?');
  });

  it('no key or token is written in the capture', async () => {
    for (const file of await readdir(captureDir)) {
      const text = (await readFile(path.join(captureDir, file))).toString('latin1');
      expect(text, file).not.toContain(TOKEN);
      expect(text, file).not.toContain(DEFAULT_MOCK_KEY);
    }
  });

  it('SIGINT stops it: exit 0, the capture counted, nothing left listening (proxies, agent)', async () => {
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr).toContain('1 capture(s) written');
    const ports = [new URL(printed['TWILIO_WEBHOOK_URL'] ?? '').port, new URL(printed['DEEPGRAM_API_URL'] ?? '').port, new URL(printed['OPENAI_BASE_URL'] ?? '').port, agentUrl.port];
    for (const port of ports) expect(await stillServedBy(cli, Number(port))).toBeUndefined();
  });

  it('bad flags: one line naming the flag, exit 2', async () => {
    const [upstream, profile] = await Promise.all([runCli(['record', '--upstream', 'nowhere']), runCli(['record', '--profile', 'instant'])]);
    expect(upstream.code).toBe(2);
    expect(upstream.stderr.trim().split('\n')).toEqual([expect.stringContaining("--upstream expects one of real, mocks, got 'nowhere'")]);
    expect(profile.code).toBe(2);
    expect(profile.stderr.trim().split('\n')).toEqual([expect.stringContaining('--profile applies to --upstream mocks only')]);
  });
});
