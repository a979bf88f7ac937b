/**
 * The scenario format: a call script for the fake caller, with the replies the mock LLM gives.
 * Steps are a tagged union on `type`.
 */
import { z } from 'zod';
import { INJECT_KINDS } from '../caller/inject.ts';
import { Fault } from '../mocks/faults.ts';
import { boundedNumber, wholeNumber } from './bounds.ts';
import { budgetProblems } from './expectations.ts';

const name = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a lowercase name of letters, digits and dashes');

/** A fixture's name, or a path to a .wav (one with a slash, or ending in .wav): harness/scenario/resolve.ts finds it. */
const fixtureRef = z
  .string()
  .regex(/^(?:[a-z0-9][a-z0-9-]*|.*[/\\].*|.+\.wav)$/, "a fixture name (lowercase letters, digits and dashes) or a path to a .wav relative to the scenario file ('./audio/hello.wav')");

export const SayStep = z.strictObject({
  type: z.literal('say'),
  /**
   * A fixture (a .wav and its .json sidecar): a name, looked up in fixtures/ beside the scenario
   * file and then in callbench's fixtures/utterances, or a path to the .wav relative to the
   * scenario file.
   */
  fixture: fixtureRef,
  /** What the mock LLM answers to this utterance. */
  reply: z.string().min(1).optional(),
  /**
   * What the agent should do with it (check turn.expected): `reply` (answer it), `interrupt` (clear
   * its playing audio, then answer), `ignore` (neither: a backchannel). Default: `interrupt` when the
   * step follows a wait_for_agent_audio (the caller speaks over the agent), else `reply`
   * (harness/scenario/expectations.ts).
   */
  expect: z.enum(['reply', 'interrupt', 'ignore']).optional(),
  /** interrupt: the `clear` must arrive within this many ms of the first voiced sample. */
  clearWithinMs: wholeNumber(1, 60_000, ' of ms').optional(),
  /** reply or interrupt: the first audible sample of the reply must play within this many ms of the last voiced sample. */
  replyWithinMs: wholeNumber(1, 120_000, ' of ms').optional(),
});

export const WaitForAgentStep = z.strictObject({
  type: z.literal('wait_for_agent'),
  /** The agent's turn is over once nothing has played for this long. */
  quietMs: wholeNumber(100, 10_000, ' of ms').default(800),
  /** The step fails when the agent has not finished a turn by then. */
  timeoutMs: wholeNumber(1000, 120_000, ' of ms').default(20_000),
});

export const WaitForAgentAudioStep = z.strictObject({
  type: z.literal('wait_for_agent_audio'),
  /** How much of the agent's current (or next) stretch of audio the caller hears first: the mid-sentence barge-in trigger. */
  playedMs: wholeNumber(0, 120_000, ' of ms'),
  timeoutMs: wholeNumber(1000, 120_000, ' of ms').default(20_000),
});

export const DtmfStep = z.strictObject({
  type: z.literal('dtmf'),
  digits: z.string().regex(/^[0-9*#A-D]+$/, 'DTMF digits: 0-9, *, #, A-D'),
  gapMs: wholeNumber(0, 5000, ' of ms').default(150),
});

export const NoiseStep = z.strictObject({
  type: z.literal('noise'),
  ms: wholeNumber(20, 600_000, ' of ms'),
  /** RMS level of the white noise in dBFS. */
  levelDb: boundedNumber(-90, 0, ' of dBFS').default(-35),
});

export const PauseStep = z.strictObject({
  type: z.literal('pause'),
  ms: wholeNumber(0, 600_000, ' of ms'),
});

export const HangupStep = z.strictObject({
  type: z.literal('hangup'),
  /**
   * Hang up only once the agent has been heard since the caller last spoke and has then been quiet
   * for this long (at once when that is already so): a caller who lets the agent finish its reply. A replay sets it when the recorded caller hung up
   * into silence, so an agent slower than the recorded one is not cut off mid-reply.
   */
  afterQuietMs: wholeNumber(100, 10_000, ' of ms').optional(),
  /** With afterQuietMs: hang up at this point regardless (an agent that never stops talking). */
  timeoutMs: wholeNumber(1000, 120_000, ' of ms').optional(),
});

/**
 * Hostile messages the fake Twilio sends at once, mid-call (check twilio.robust-parsing): an
 * unknown event, malformed JSON, a binary frame, a media or a stop of another stream.
 */
export const InjectStep = z.strictObject({
  type: z.literal('inject'),
  messages: z.array(z.enum(INJECT_KINDS)).min(1),
});

export const ScenarioStep = z.discriminatedUnion('type', [SayStep, WaitForAgentStep, WaitForAgentAudioStep, DtmfStep, NoiseStep, PauseStep, HangupStep, InjectStep]);
export type ScenarioStep = z.infer<typeof ScenarioStep>;

/** Parameters the harness sets itself: the call is tied to its faults and journals by them. */
const RESERVED_PARAMS = new Set(['CallSid', 'AccountSid']);
const PARAM_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * Form parameters for the voice webhook. The names are checked here rather than by a record key
 * schema, whose failure zod reports only as "Invalid key in record".
 */
const WebhookParams = z.record(z.string(), z.string().max(500, 'at most 500 characters')).superRefine((params, ctx) => {
  for (const key of Object.keys(params)) {
    if (RESERVED_PARAMS.has(key)) ctx.addIssue({ code: 'custom', path: [key], message: "CallSid and AccountSid are the harness's own (each call gets fresh ones)" });
    else if (!PARAM_NAME.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'a parameter name: a letter, then up to 63 letters, digits or _' });
  }
});

/** How the fake Twilio behaves on this scenario's calls: the hostile Twilio of REFERENCE-AGENTS §5 A2, A7, C11. */
export const TwilioOptions = z.strictObject({
  /** Milliseconds between `connected` and `start` (check twilio.nothing-before-start; bug class 3). */
  startDelayMs: wholeNumber(0, 10_000, ' of ms').optional(),
  /** `late`: after a `clear`, the pending marks are echoed only once the agent's next reply has queued its own (bug class 13). Default `prompt`. */
  markEcho: z.enum(['prompt', 'late']).optional(),
  /** Voice-webhook parameters to add or override (From, To, CallerName, …): hostile values whose round trip into `start.customParameters` twiml.valid checks. */
  webhookParams: WebhookParams.optional(),
});
export type TwilioOptions = z.infer<typeof TwilioOptions>;

export const Scenario = z
  .strictObject({
    $schema: z.string().optional(),
    name,
    description: z.string().min(1),
    steps: z.array(ScenarioStep).min(1),
    /** Faults the mocks inject into this scenario's calls (see harness/mocks/faults.ts). */
    faults: z.array(Fault).optional(),
    /** How the fake Twilio behaves (a delayed start, late mark echoes, hostile webhook parameters). */
    twilio: TwilioOptions.optional(),
  })
  .superRefine((scenario, ctx) => {
    for (const problem of budgetProblems(scenario.steps)) ctx.addIssue({ code: 'custom', path: ['steps', problem.index, problem.field], message: problem.message });
  });
export type Scenario = z.infer<typeof Scenario>;
