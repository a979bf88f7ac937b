/** Plays one scenario as one call: places it, runs its steps in order, hangs up. */
import type { Clock } from '../clock.ts';
import { whiteNoiseMulaw } from '../audio/index.ts';
import { placeCall, type CallResult } from '../caller/call.ts';
import type { Utterance } from '../caller/utterance.ts';
import type { ConversationScript } from '../mocks/script.ts';
import type { FaultBook } from '../mocks/faults.ts';
import { attributeByContent } from '../mocks/attribution.ts';
import type { Journal } from '../mocks/journal.ts';
import { twilioSid } from '../caller/ids.ts';
import type { Scenario } from '../scenario/schema.ts';

export interface ScenarioCallInput {
  clock: Clock;
  scenario: Scenario;
  fixtures: ReadonlyMap<string, Utterance>;
  webhookUrl: string;
  authToken: string;
  /** The mocks' script, when mocks are in use: each utterance is registered with its reply. */
  script: ConversationScript | undefined;
  /** The mocks' fault book, when mocks are in use: the scenario's faults are armed for this call. */
  faults?: FaultBook;
  /** The mocks' journal, when mocks are in use: connections the agent did not tag are tied to calls by content. */
  journal?: Journal;
}

export interface ScenarioCallOutcome {
  result: CallResult | undefined;
  /** Why the call did not run to its end, if it did not. */
  error: string | undefined;
}

export async function runScenarioCall(input: ScenarioCallInput): Promise<ScenarioCallOutcome> {
  const replies = new Map<string, string | undefined>();
  for (const step of input.scenario.steps) if (step.type === 'say') replies.set(step.fixture, step.reply);

  const callSid = twilioSid('CA');
  const faults = input.scenario.faults ?? [];
  if (faults.length > 0) input.faults?.arm(callSid, faults);
  try {
    return await playCall(input, callSid, replies);
  } finally {
    input.faults?.disarm(callSid);
    if (input.journal !== undefined && input.script !== undefined) attributeByContent(input.journal, input.script);
  }
}

async function playCall(input: ScenarioCallInput, callSid: string, replies: ReadonlyMap<string, string | undefined>): Promise<ScenarioCallOutcome> {
  let call;
  try {
    call = await placeCall({
      callSid,
      clock: input.clock,
      webhookUrl: input.webhookUrl,
      authToken: input.authToken,
      onUtterance: (utterance) => {
        const reply = replies.get(utterance.id);
        input.script?.register({ id: utterance.id, transcript: utterance.text, audio: utterance.audio, call: callSid, ...(reply === undefined ? {} : { reply }) });
      },
    });
  } catch (error) {
    return { result: undefined, error: (error as Error).message };
  }

  let error: string | undefined;
  try {
    for (const [index, step] of input.scenario.steps.entries()) {
      try {
        switch (step.type) {
          case 'say': {
            const utterance = input.fixtures.get(step.fixture);
            if (utterance === undefined) throw new Error(`fixture ${step.fixture} was not loaded`);
            await call.say(utterance);
            break;
          }
          case 'wait_for_agent':
            await call.waitForAgentTurn({ quietMs: step.quietMs, timeoutMs: step.timeoutMs });
            break;
          case 'wait_for_agent_audio':
            await call.waitForAgentAudio({ playedMs: step.playedMs, timeoutMs: step.timeoutMs });
            break;
          case 'dtmf':
            await call.pressDigits(step.digits, step.gapMs);
            break;
          case 'noise':
            await call.sendAudio(whiteNoiseMulaw(step.ms, step.levelDb, index + 1));
            break;
          case 'pause':
            await call.pause(step.ms);
            break;
          case 'hangup':
            return { result: await call.hangup(), error: undefined };
        }
      } catch (stepError) {
        throw new Error(`step ${index + 1} (${step.type}): ${(stepError as Error).message}`);
      }
    }
  } catch (stepError) {
    error = (stepError as Error).message;
  }
  return { result: await call.hangup(), error };
}
