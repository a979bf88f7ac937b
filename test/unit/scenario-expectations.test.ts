/**
 * What each say step expects (harness/scenario/expectations.ts): stated, or decided by where the
 * step stands; budgets that do not fit the expectation are refused at load with the file and
 * field; the `inject` step and the `twilio` options load, and refuse what they cannot do.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../harness/scenario/errors.ts';
import { expectationAt } from '../../harness/scenario/expectations.ts';
import { loadScenario } from '../../harness/scenario/load.ts';
import type { ScenarioStep } from '../../harness/scenario/schema.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'callbench-expect-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(name: string, scenario: Record<string, unknown>): Promise<ReturnType<typeof loadScenario>> {
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify({ name, description: 'a test', ...scenario }));
  return loadScenario(file);
}

async function refusal(name: string, scenario: Record<string, unknown>): Promise<InputError> {
  try {
    await load(name, scenario);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError, but it loaded');
}

const say = (fixture: string, extra: Partial<Extract<ScenarioStep, { type: 'say' }>> = {}): ScenarioStep => ({ type: 'say', fixture, ...extra });
const waitAgent: ScenarioStep = { type: 'wait_for_agent', quietMs: 800, timeoutMs: 20_000 };
const waitAudio: ScenarioStep = { type: 'wait_for_agent_audio', playedMs: 2000, timeoutMs: 20_000 };

describe('expectationAt', () => {
  it('defaults to interrupt after a wait_for_agent_audio, to reply after a wait_for_agent, another say, or at the start', () => {
    const steps: ScenarioStep[] = [say('first'), waitAgent, say('question'), waitAudio, say('barge'), say('queued'), { type: 'hangup' }];
    expect(steps.map((_, i) => expectationAt(steps, i)?.expect)).toEqual(['reply', undefined, 'reply', undefined, 'interrupt', 'reply', undefined]);
    expect(expectationAt(steps, 4)).toEqual({ expect: 'interrupt', stated: false });
  });

  it('looks past pause, dtmf, noise and inject steps', () => {
    const steps: ScenarioStep[] = [
      waitAudio,
      { type: 'pause', ms: 200 },
      { type: 'dtmf', digits: '1', gapMs: 150 },
      { type: 'noise', ms: 100, levelDb: -35 },
      { type: 'inject', messages: ['binary'] },
      say('barge'),
    ];
    expect(expectationAt(steps, 5)).toEqual({ expect: 'interrupt', stated: false });
  });

  it('takes a stated expectation and its budgets as they are', () => {
    const steps: ScenarioStep[] = [waitAudio, say('uh-huh', { expect: 'ignore' }), waitAudio, say('no', { clearWithinMs: 800, replyWithinMs: 2000 })];
    expect(expectationAt(steps, 1)).toEqual({ expect: 'ignore', stated: true });
    expect(expectationAt(steps, 3)).toEqual({ expect: 'interrupt', stated: false, clearWithinMs: 800, replyWithinMs: 2000 });
  });
});

describe('loading expectations, inject steps and twilio options', () => {
  it('loads them', async () => {
    const scenario = await load('hostile', {
      twilio: { startDelayMs: 1000, markEcho: 'late', webhookParams: { From: 'client:a&b<"c">\u0007', CallerName: 'x' } },
      steps: [waitAudio, say('wait-stop', { expect: 'interrupt', clearWithinMs: 500 }), { type: 'inject', messages: ['unknown-event', 'foreign-stop'] }, { type: 'hangup' }],
    });
    expect(scenario.twilio).toEqual({ startDelayMs: 1000, markEcho: 'late', webhookParams: { From: 'client:a&b<"c">\u0007', CallerName: 'x' } });
    expect(scenario.steps[1]).toEqual({ type: 'say', fixture: 'wait-stop', expect: 'interrupt', clearWithinMs: 500 });
  });

  it('refuses a budget the expectation cannot have, naming the step field and why', async () => {
    const clear = await refusal('clear-on-reply', { steps: [waitAgent, say('hours', { clearWithinMs: 500 })] });
    expect(clear.field).toBe('steps.1.clearWithinMs');
    expect(clear.message).toMatch(/steps\.1\.clearWithinMs: applies only to a step expected to interrupt; this step expects reply \(by default, from where it stands; set "expect" to change it\)$/);
    const reply = await refusal('reply-on-ignore', { steps: [waitAudio, say('uh-huh', { expect: 'ignore', replyWithinMs: 500 })] });
    expect(reply.field).toBe('steps.1.replyWithinMs');
    expect(reply.message).toMatch(/applies only to a step expected to reply or interrupt; this step expects ignore$/);
  });

  it('refuses an unknown expectation, an unknown injected message, an empty inject, and bad twilio options', async () => {
    expect((await refusal('bad-expect', { steps: [say('hours', { expect: 'maybe' as 'reply' })] })).field).toBe('steps.0.expect');
    expect((await refusal('bad-inject', { steps: [{ type: 'inject', messages: ['close'] }] })).field).toBe('steps.0.messages.0');
    expect((await refusal('empty-inject', { steps: [{ type: 'inject', messages: [] }] })).field).toBe('steps.0.messages');
    expect((await refusal('bad-delay', { twilio: { startDelayMs: 20_000 }, steps: [waitAgent] })).message).toMatch(/twilio\.startDelayMs: expected a whole number of ms from 0 to 10000, got 20000$/);
    expect((await refusal('bad-echo', { twilio: { markEcho: 'never' }, steps: [waitAgent] })).field).toBe('twilio.markEcho');
    expect((await refusal('own-sid', { twilio: { webhookParams: { CallSid: 'CA1' } }, steps: [waitAgent] })).message).toMatch(/CallSid and AccountSid are the harness's own/);
    expect((await refusal('bad-name', { twilio: { webhookParams: { '9lives': 'x' } }, steps: [waitAgent] })).message).toMatch(/a parameter name/);
    expect((await refusal('unknown-option', { twilio: { slow: true }, steps: [waitAgent] })).field).toBe('twilio.slow');
  });
});
