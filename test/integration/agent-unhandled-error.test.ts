/**
 * `callbench agent` as a process survives an error nothing in the agent catches: it prints one
 * `agent.unhandled_error` line and keeps serving, so the next call works. The fault is injected by
 * a preload module (`node --import`, test-only, nothing in the agent's code): the first time the
 * agent sends audio to Twilio, a callback in the call path throws and a promise is rejected
 * unawaited, as a library bug would. Without the process-level net the process dies right there.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createSystemClock } from '../../harness/clock.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import { startMocks } from '../../harness/mocks/start-mocks.ts';
import { killAtEnd } from '../helpers/children.ts';
import { runScenarioCall } from '../../harness/runner/run-scenario-call.ts';
import { loadFixture } from '../../harness/scenario/load.ts';
import type { Scenario } from '../../harness/scenario/schema.ts';
import { fixedProfile } from './helpers/mock-context.ts';
import { answerScenario } from './helpers/reply-call.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(DEEPGRAM|OPENAI|TWILIO|AGENT|CALLBENCH)_|^(PORT|HOST|PUBLIC_URL|NODE_OPTIONS)$/.test(name)));
const INJECTED = 'injected fault in the call path';

/** The preload: wraps ws's send so the agent's first media frame to Twilio sets off both faults. */
function preloadSource(): string {
  return `
import { createRequire } from 'node:module';
const WebSocket = createRequire(${JSON.stringify(path.join(ROOT, 'package.json'))})('ws');
const send = WebSocket.prototype.send;
let fired = false;
WebSocket.prototype.send = function (data, ...rest) {
  if (!fired && typeof data === 'string' && data.startsWith('{"event":"media"')) {
    fired = true;
    setImmediate(() => { throw new Error(${JSON.stringify(`${INJECTED} (thrown)`)}); });
    Promise.reject(new Error(${JSON.stringify(`${INJECTED} (rejected)`)}));
  }
  return send.call(this, data, ...rest);
};
`;
}

describe('callbench agent, an unhandled error mid-call', () => {
  it('reports it as agent.unhandled_error, stays up, and serves the next call', { timeout: 60_000 }, async () => {
    const clock = createSystemClock();
    const mocks = await startMocks({ clock, profile: fixedProfile({ 'llm.first_token_ms': 20, 'tts.first_byte_ms': 20 }, 20), seed: 1 });
    const dir = await mkdtemp(path.join(tmpdir(), 'callbench-unhandled-'));
    const preload = path.join(dir, 'throw-once.mjs');
    await writeFile(preload, preloadSource());
    const authToken = 'unhandled-error-auth-token';
    const child = killAtEnd(spawn(process.execPath, ['--import', pathToFileURL(preload).href, 'bin/callbench.js', 'agent', '--port', '0'], {
      cwd: ROOT,
      env: { ...CLEAN_ENV, ...mocks.env, TWILIO_AUTH_TOKEN: authToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    }));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let exitedEarly = false;
    void exited.then(() => (exitedEarly = true));
    try {
      const lines: string[] = [];
      const url = new Promise<string>((resolve) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          lines.push(line);
          const event = JSON.parse(line) as { type: string; url?: string };
          if (event.type === 'agent.listening' && event.url !== undefined) resolve(event.url);
        });
      });
      const webhookUrl = `${await url}/incoming-call`;
      const fixtures = new Map([['ok', await loadFixture(path.join(ROOT, 'fixtures', 'utterances'), 'ok')]]);
      const call = (scenario: Scenario) => runScenarioCall({ clock, scenario, fixtures, webhookUrl, authToken, script: mocks.script });

      // The greeting's first audio sets the faults off: hang up once some of it is heard.
      await call({ name: 'first-audio', description: 'hang up once the greeting is heard', steps: [{ type: 'wait_for_agent_audio', playedMs: 200, timeoutMs: 10_000 }, { type: 'hangup' }] });
      expect(exitedEarly, `the agent died: ${stderr.slice(-400)}`).toBe(false);
      const second = await call(answerScenario());
      expect(second.error).toBeUndefined();
      expect(computeCallMetrics(second.result?.timeline.events ?? []).unansweredTurns).toBe(0);

      const unhandled = lines.map((line) => JSON.parse(line) as { type: string; kind?: string; message?: string }).filter((event) => event.type === 'agent.unhandled_error');
      expect(unhandled).toHaveLength(2);
      expect(unhandled).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'uncaught_exception', message: `${INJECTED} (thrown)` }),
          expect.objectContaining({ kind: 'unhandled_rejection', message: `${INJECTED} (rejected)` }),
        ]),
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await mocks.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
