/**
 * One short call through the fake caller, the reference agent (in a given mode, with given reply
 * knobs) and the mocks: by default a one-word greeting, one question, a two-sentence answer heard
 * in full, hang up.
 */
import path from 'node:path';
import type { AgentLogEvent, AgentMode, BargeInPolicy, RealtimeSettings, ReplyOptions } from '../../../agent/index.ts';
import type { Clock } from '../../../harness/clock.ts';
import type { TimelineEvent } from '../../../harness/caller/timeline.ts';
import type { Mocks } from '../../../harness/mocks/start-mocks.ts';
import type { JournalEntry } from '../../../harness/mocks/journal/entries.ts';
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

export const LONG_REPLY =
  'Certainly, I can help you with a table for two tonight. We have availability at six thirty, at seven fifteen and at eight forty five. ' +
  'The terrace is open if the weather stays dry. Would you prefer one of those times? Do you have any dietary requirements I should pass on?';
export const SECOND_REPLY = 'Of course. What would you like to ask?';

/** Greeting, a question with a long answer, an interruption once `playedMs` of it is heard, the new answer, hang up. */
export function bargeInScenario(playedMs: number, faults: Scenario['faults'] = []): Scenario {
  return {
    name: 'barge-in',
    description: 'the caller interrupts a long answer mid-sentence and asks something else',
    steps: [
      { type: 'wait_for_agent', quietMs: 300, timeoutMs: 10_000 },
      { type: 'say', fixture: 'ok', reply: LONG_REPLY },
      { type: 'wait_for_agent_audio', playedMs, timeoutMs: 15_000 },
      { type: 'say', fixture: 'wait-stop', reply: SECOND_REPLY },
      { type: 'wait_for_agent', quietMs: 400, timeoutMs: 15_000 },
      { type: 'hangup' },
    ],
    ...(faults.length === 0 ? {} : { faults }),
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
  /** The agent's log events of this call. */
  log: AgentLogEvent[];
  error: string | undefined;
  /** When the agent was told to stop (after the call and `settleMs`). */
  agentStoppedAt: number;
}

/** Calls by name, for tests that place several in `beforeAll` and check each in its own `it`. */
export function callBook(): { set(name: string, call: ReplyCall): void; get(name: string): ReplyCall } {
  const calls = new Map<string, ReplyCall>();
  return {
    set: (name, call) => void calls.set(name, call),
    get(name) {
      const call = calls.get(name);
      if (call === undefined) throw new Error(`no call named '${name}' was placed`);
      return call;
    },
  };
}

export interface AgentDesign {
  mode?: AgentMode;
  reply?: Partial<ReplyOptions>;
  realtime?: Partial<RealtimeSettings>;
  bargeIn?: BargeInPolicy;
  /** What the agent says first (default GREETING). */
  greeting?: string;
}

export function replyCall(clock: Clock, mocks: Mocks, reply: Partial<ReplyOptions>, scenario: Scenario = answerScenario()): Promise<ReplyCall> {
  return agentCall(clock, mocks, { reply }, scenario);
}

/**
 * One call of `scenario` (its faults armed) against a fresh reference agent; `env` overrides what
 * the agent is given; the agent is stopped `settleMs` after the call ends.
 */
export async function agentCall(
  clock: Clock,
  mocks: Mocks,
  design: AgentDesign,
  scenario: Scenario = answerScenario(),
  env: Partial<Mocks['env']> = {},
  settleMs = 0,
): Promise<ReplyCall> {
  const log: AgentLogEvent[] = [];
  const agent = await createReferenceAgentTarget({ clock, greeting: GREETING, ...design, onLog: (event) => log.push(event) }).start({
    ...mocks.env,
    ...env,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  });
  let outcome: Awaited<ReturnType<typeof runScenarioCall>>;
  let agentStoppedAt = 0;
  try {
    const fixtures = new Map();
    for (const step of scenario.steps) if (step.type === 'say') fixtures.set(step.fixture, await loadFixture(FIXTURES, step.fixture));
    outcome = await runScenarioCall({ clock, scenario, fixtures, webhookUrl: agent.webhookUrl, authToken: AUTH_TOKEN, script: mocks.script, faults: mocks.faults });
    if (settleMs > 0) await clock.sleep(settleMs);
  } finally {
    // Stopped before the journal is read: whatever the agent closes on the way out is in it.
    agentStoppedAt = clock.now();
    await agent.stop();
  }
  const callSid = outcome.result?.callSid ?? '';
  return {
    callSid,
    events: outcome.result?.timeline.events ?? [],
    journal: mocks.journal.entries().filter((e) => e.call === callSid),
    log: log.filter((event) => 'callSid' in event && event.callSid === callSid),
    error: outcome.error,
    agentStoppedAt,
  };
}
