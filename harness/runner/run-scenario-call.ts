/** Plays one scenario as one call: places it, runs its steps in order, hangs up. */
import type { Clock } from '../clock.ts';
import { whiteNoiseMulaw } from '../audio/index.ts';
import { PlacementError, placeCall, type CallResult } from '../caller/call.ts';
import { createHistogram } from '../metrics/histogram.ts';
import { expectationAt } from '../scenario/expectations.ts';
import type { Utterance } from '../caller/utterance.ts';
import type { AudioTap } from '../caller/audio-capture.ts';
import type { ConversationScript } from '../mocks/script.ts';
import type { FaultBook } from '../mocks/faults.ts';
import type { CallBook } from '../mocks/attribution/call-book.ts';
import type { SourceBook } from '../mocks/attribution/source-book.ts';
import { attributeByContent } from '../mocks/attribution/content-tie.ts';
import type { Journal } from '../mocks/journal/journal.ts';
import { twilioSid } from '../caller/ids.ts';
import type { Scenario } from '../scenario/schema.ts';

/** A `hangup` with afterQuietMs hangs up after this long regardless, unless the step says otherwise. */
const HANGUP_QUIET_TIMEOUT_MS = 20_000;

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
  /** The call's CallSid (default: a fresh one), so the run can announce the call before placing it. */
  callSid?: string;
  /** Aborting it hangs the call up at once, wherever it is in its steps (the run is stopping). */
  signal?: AbortSignal;
  /** The mocks' call book, when mocks are in use: the call is announced and its audio carries its mark. */
  calls?: CallBook;
  /** Keeps the call's audio (run --call-audio). */
  audio?: AudioTap;
  /** The mocks' source book, when mocks are in use: the marks the caller hears in the agent's speech tie its sources. */
  sources?: SourceBook;
}

export interface ScenarioCallOutcome {
  result: CallResult | undefined;
  /** Why the call did not run to its end, if it did not. */
  error: string | undefined;
  /** True when `signal` cut the call short: `error` then says where. */
  stopped?: true;
}

/** Settles as `work` does, or rejects with a StoppedError as soon as `signal` aborts (`work` is then left to settle unobserved). */
function unlessStopped<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  // The step still settles once the hang-up ends it: nobody waits for it, so it must not reject unhandled.
  work.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new StoppedError());
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

class StoppedError extends Error {
  constructor() {
    super('hung up early: the run is stopping');
    this.name = 'StoppedError';
  }
}

/** The scenario's fake-Twilio options (harness/scenario/schema.ts TwilioOptions), as placeCall takes them. */
function twilioOptions(scenario: Scenario): { startDelayMs?: number; markEcho?: 'prompt' | 'late'; webhookParams?: Record<string, string> } {
  const twilio = scenario.twilio;
  return {
    ...(twilio?.startDelayMs === undefined ? {} : { startDelayMs: twilio.startDelayMs }),
    ...(twilio?.markEcho === undefined ? {} : { markEcho: twilio.markEcho }),
    ...(twilio?.webhookParams === undefined ? {} : { webhookParams: twilio.webhookParams }),
  };
}

export async function runScenarioCall(input: ScenarioCallInput): Promise<ScenarioCallOutcome> {
  const replies = new Map<string, string | undefined>();
  for (const step of input.scenario.steps) if (step.type === 'say') replies.set(step.fixture, step.reply);

  const callSid = input.callSid ?? twilioSid('CA');
  const faults = input.scenario.faults ?? [];
  if (faults.length > 0) input.faults?.arm(callSid, faults);
  const markToken = input.calls?.open(callSid);
  try {
    return await playCall(input, callSid, replies, markToken);
  } finally {
    input.calls?.close(callSid);
    input.faults?.disarm(callSid);
    if (input.journal !== undefined && input.script !== undefined) attributeByContent(input.journal, input.script);
  }
}

async function playCall(input: ScenarioCallInput, callSid: string, replies: ReadonlyMap<string, string | undefined>, markToken: number | undefined): Promise<ScenarioCallOutcome> {
  let call;
  try {
    call = await placeCall({
      callSid,
      ...(markToken === undefined ? {} : { markToken }),
      ...(input.audio === undefined ? {} : { audio: input.audio }),
      ...(input.sources === undefined ? {} : { onSourceMark: (token: number) => input.sources?.heard(token, callSid) }),
      clock: input.clock,
      webhookUrl: input.webhookUrl,
      authToken: input.authToken,
      ...twilioOptions(input.scenario),
      onUtterance: (utterance) => {
        const reply = replies.get(utterance.id);
        return input.script?.register({ id: utterance.id, transcript: utterance.text, audio: utterance.audio, call: callSid, ...(reply === undefined ? {} : { reply }) }).number;
      },
    });
  } catch (error) {
    // A call whose webhook, TwiML or stream failed is still judged (twiml.valid) on what it recorded.
    const partial: CallResult | undefined =
      error instanceof PlacementError ? { callSid, streamSid: '', timeline: error.timeline, pacing: { framesSent: 0, lateness: createHistogram() } } : undefined;
    return { result: partial, error: (error as Error).message, ...(input.signal?.aborted === true ? { stopped: true as const } : {}) };
  }

  let error: string | undefined;
  let stopped = false;
  try {
    if (input.signal?.aborted === true) throw new StoppedError();
    for (const [index, step] of input.scenario.steps.entries()) {
      try {
        switch (step.type) {
          case 'say': {
            const utterance = input.fixtures.get(step.fixture);
            if (utterance === undefined) throw new Error(`fixture ${step.fixture} was not loaded`);
            await unlessStopped(call.say(utterance, expectationAt(input.scenario.steps, index)), input.signal);
            break;
          }
          case 'inject':
            await unlessStopped(call.inject(step.messages), input.signal);
            break;
          case 'wait_for_agent':
            await unlessStopped(call.waitForAgentTurn({ quietMs: step.quietMs, timeoutMs: step.timeoutMs }), input.signal);
            break;
          case 'wait_for_agent_audio':
            await unlessStopped(call.waitForAgentAudio({ playedMs: step.playedMs, timeoutMs: step.timeoutMs }), input.signal);
            break;
          case 'dtmf':
            await unlessStopped(call.pressDigits(step.digits, step.gapMs), input.signal);
            break;
          case 'noise':
            await unlessStopped(call.sendAudio(whiteNoiseMulaw(step.ms, step.levelDb, index + 1)), input.signal);
            break;
          case 'pause':
            await unlessStopped(call.pause(step.ms), input.signal);
            break;
          case 'hangup':
            if (step.afterQuietMs !== undefined) await unlessStopped(call.untilAgentQuiet({ quietMs: step.afterQuietMs, timeoutMs: step.timeoutMs ?? HANGUP_QUIET_TIMEOUT_MS }), input.signal);
            return { result: await call.hangup(), error: undefined };
        }
      } catch (stepError) {
        if (stepError instanceof StoppedError) stopped = true;
        throw new Error(`step ${index + 1} (${step.type}): ${(stepError as Error).message}`);
      }
    }
  } catch (stepError) {
    error = (stepError as Error).message;
  }
  return { result: await call.hangup(), error, ...(stopped || (error !== undefined && input.signal?.aborted === true) ? { stopped: true as const } : {}) };
}
