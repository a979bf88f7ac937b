/**
 * Frozen upstreams: the reference agent reaches the mocks through a TCP relay that stops moving
 * bytes once the caller starts its question, as a SIGSTOPped mocks process would (its sockets stay
 * open and nothing comes back). The call stays open and silent; the run must say so: the failed
 * wait step's error names how long the caller had heard nothing and when the agent's last audio
 * played, and turn.answered fails with its evidence. The freeze is tied to an event (the caller
 * registering its utterance with the mocks), not to a time; the only time involved is the step's
 * own short timeout, the failure being tested. The relay is thawed in a finally.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../harness/clock.ts';
import type { ConversationScript } from '../../harness/mocks/script.ts';
import { startMocks, type Mocks } from '../../harness/mocks/start-mocks.ts';
import { buildCallRecord } from '../../harness/runner/call-record.ts';
import { createReferenceAgentTarget } from '../../harness/runner/reference-agent.ts';
import { runScenarioCall } from '../../harness/runner/run-scenario-call.ts';
import { loadFixture } from '../../harness/scenario/load.ts';
import type { Scenario } from '../../harness/scenario/schema.ts';
import { instantProfile } from './helpers/mock-context.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const AUTH_TOKEN = 'frozen-upstream-token';

/** A TCP relay 127.0.0.1:port → target; `freeze()` stops reading either side of every connection (new ones too) until `thaw()`. */
interface Relay {
  port: number;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

async function startRelay(targetPort: number): Promise<Relay> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const hold = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (frozen) socket.pause();
  };
  const server: Server = createServer((client) => {
    const upstream = connect({ port: targetPort, host: '127.0.0.1' });
    hold(client);
    hold(upstream);
    client.on('data', (data) => upstream.write(data));
    upstream.on('data', (data) => client.write(data));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no relay address');
  return {
    port: address.port,
    freeze() {
      frozen = true;
      for (const socket of sockets) socket.pause();
    },
    thaw() {
      frozen = false;
      for (const socket of sockets) socket.resume();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const REPLY = 'We are open from nine until five on Saturday.';
const SCENARIO: Scenario = {
  name: 'frozen',
  description: 'greeting, then a question the frozen upstreams never hear',
  steps: [
    { type: 'wait_for_agent', quietMs: 300, timeoutMs: 10_000 },
    { type: 'say', fixture: 'hours', reply: REPLY },
    // The answer never comes (the upstreams are frozen): the shortest timeout the schema allows.
    { type: 'wait_for_agent', quietMs: 400, timeoutMs: 1000 },
    { type: 'hangup' },
  ],
};

const clock = createSystemClock();
let mocks: Mocks;
let deepgram: Relay;
let openai: Relay;
beforeAll(async () => {
  mocks = await startMocks({ clock, profile: instantProfile(), seed: 1 });
  deepgram = await startRelay(Number(new URL(mocks.env.DEEPGRAM_API_URL).port));
  openai = await startRelay(Number(new URL(mocks.env.OPENAI_BASE_URL).port));
});
afterAll(async () => {
  deepgram?.thaw();
  openai?.thaw();
  await deepgram?.close();
  await openai?.close();
  await mocks?.close();
});

describe('upstreams that freeze mid-call', { timeout: 60_000 }, () => {
  it('the call fails saying the agent went silent, with turn.answered evidence', async () => {
    const agent = await createReferenceAgentTarget({ clock, greeting: 'Hello, how can I help?' }).start({
      ...mocks.env,
      DEEPGRAM_API_URL: `http://127.0.0.1:${deepgram.port}`,
      OPENAI_BASE_URL: `http://127.0.0.1:${openai.port}/v1`,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    });
    try {
      // The caller registers its question with the mocks just before its first frame: the greeting has been heard by then.
      const script: ConversationScript = {
        ...mocks.script,
        register(utterance) {
          deepgram.freeze();
          openai.freeze();
          return mocks.script.register(utterance);
        },
      };
      const callSid = `CA${'f0'.repeat(16)}`;
      const fixtures = new Map([['hours', await loadFixture(path.join(ROOT, 'fixtures', 'utterances'), 'hours')]]);
      const startedAt = clock.now();
      const outcome = await runScenarioCall({ clock, scenario: SCENARIO, fixtures, webhookUrl: agent.webhookUrl, authToken: AUTH_TOKEN, script, journal: mocks.journal, calls: mocks.calls, callSid });
      const record = buildCallRecord({
        ref: { scenarioIndex: 0, scenario: SCENARIO.name, index: 0, warmup: false },
        callSid,
        startedAt,
        endedAt: clock.now(),
        outcome,
        stoppedBy: undefined,
        journal: mocks.journal.entries(),
        selfReports: [],
        lagMs: undefined,
        faults: [],
        mocks: true,
      });

      expect(record.state).toBe('failed');
      const error = record.state === 'failed' ? record.error : '';
      expect(error).toMatch(
        /^step 3 \(wait_for_agent\): the agent did not finish a turn within 1000 ms; the agent had gone silent: the caller heard nothing for the last \d+\.\d s before the hang-up at \d+\.\d{3} s \(its last audible audio arrived at \d+\.\d{3} s and finished playing at \d+\.\d{3} s\); the caller's last voiced sample was sent at \d+\.\d{3} s$/,
      );
      // The greeting was heard before the freeze: the silence is the reply's.
      expect(record.greeting).toBe('stream');
      const answered = record.verdicts.find((v) => v.id === 'turn.answered');
      expect(answered?.status).toBe('failed');
      expect(answered?.status === 'failed' ? answered.evidence : []).toEqual([expect.stringMatching(/^utterance 'hours' \(reply, last voiced sample sent at \d+\.\d{3} s\): no audible agent audio before the call ended$/)]);
    } finally {
      deepgram.thaw();
      openai.thaw();
      await agent.stop();
    }
  });
});
