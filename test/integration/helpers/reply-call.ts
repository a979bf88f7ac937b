/**
 * One short call through the fake caller, the reference agent (with given reply knobs) and the
 * mocks: a one-word greeting, one question, a two-sentence answer heard in full, hang up.
 */
import path from 'node:path';
import type { ReplyOptions } from '../../../agent/index.ts';
import type { Clock } from '../../../harness/clock.ts';
import type { TimelineEvent } from '../../../harness/caller/timeline.ts';
import type { Mocks } from '../../../harness/mocks/start-mocks.ts';
import type { JournalEntry } from '../../../harness/mocks/journal.ts';
import { createReferenceAgentTarget } from '../../../harness/runner/reference-agent.ts';
import { runScenarioCall } from '../../../harness/runner/run-scenario-call.ts';
import { loadFixture } from '../../../harness/scenario/load.ts';
import type { Scenario, ScenarioStep } from '../../../harness/scenario/schema.ts';

const FIXTURES = path.resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'utterances');
const AUTH_TOKEN = 'reply-modes-auth-token';

export const GREETING = 'Hi.';
export const REPLY_SENTENCES = ['Sure thing.', 'We open at nine tomorrow.'] as const;
export const REPLY = REPLY_SENTENCES.join(' ');

/** Greeting, question, the answer heard to its end, hang up. */
export function answerScenario(fixture = 'ok', reply = REPLY): Scenario {
  return {
    name: 'reply-modes',
    description: 'a short greeting, one question, a two-sentence answer',
    steps: [
      { type: 'wait_for_agent', quietMs: 300, timeoutMs: 10_000 },
      { type: 'say', fixture, reply },
      { type: 'wait_for_agent', quietMs: 400, timeoutMs: 15_000 },
      { type: 'hangup' },
    ],
  };
}

/** Greeting, question, hang up once `playedMs` of the answer has been heard. */
export function firstAudioScenario(fixture: string, reply: string, playedMs = 100): Scenario {
  const steps: ScenarioStep[] = [
    { type: 'wait_for_agent', quietMs: 300, timeoutMs: 10_000 },
    { type: 'say', fixture, reply },
    { type: 'wait_for_agent_audio', playedMs, timeoutMs: 15_000 },
    { type: 'hangup' },
  ];
  return { name: 'first-audio', description: 'hang up once the answer is heard', steps };
}

export interface ReplyCall {
  callSid: string;
  events: readonly TimelineEvent[];
  /** The mock journal entries tied to this call. */
  journal: JournalEntry[];
  error: string | undefined;
}

export async function replyCall(clock: Clock, mocks: Mocks, reply: Partial<ReplyOptions>, scenario: Scenario = answerScenario()): Promise<ReplyCall> {
  const agent = await createReferenceAgentTarget({ clock, reply, greeting: GREETING }).start({ ...mocks.env, TWILIO_AUTH_TOKEN: AUTH_TOKEN });
  try {
    const fixtures = new Map();
    for (const step of scenario.steps) if (step.type === 'say') fixtures.set(step.fixture, await loadFixture(FIXTURES, step.fixture));
    const outcome = await runScenarioCall({ clock, scenario, fixtures, webhookUrl: agent.webhookUrl, authToken: AUTH_TOKEN, script: mocks.script });
    const callSid = outcome.result?.callSid ?? '';
    return {
      callSid,
      events: outcome.result?.timeline.events ?? [],
      journal: mocks.journal.entries().filter((e) => e.call === callSid),
      error: outcome.error,
    };
  } finally {
    await agent.stop();
  }
}
