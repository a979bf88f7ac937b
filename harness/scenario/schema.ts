/**
 * The scenario format: a call script for the fake caller, with the replies the mock LLM gives.
 * Steps are a tagged union on `type`.
 */
import { z } from 'zod';
import { Fault } from '../mocks/faults.ts';
import { boundedNumber, wholeNumber } from './bounds.ts';

const name = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a lowercase name of letters, digits and dashes');

export const SayStep = z.strictObject({
  type: z.literal('say'),
  /** A fixture in fixtures/utterances (its .wav and .json sidecar). */
  fixture: name,
  /** What the mock LLM answers to this utterance. */
  reply: z.string().min(1).optional(),
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

export const HangupStep = z.strictObject({ type: z.literal('hangup') });

export const ScenarioStep = z.discriminatedUnion('type', [SayStep, WaitForAgentStep, WaitForAgentAudioStep, DtmfStep, NoiseStep, PauseStep, HangupStep]);
export type ScenarioStep = z.infer<typeof ScenarioStep>;

export const Scenario = z.strictObject({
  $schema: z.string().optional(),
  name,
  description: z.string().min(1),
  steps: z.array(ScenarioStep).min(1),
  /** Faults the mocks inject into this scenario's calls (see harness/mocks/faults.ts). */
  faults: z.array(Fault).optional(),
});
export type Scenario = z.infer<typeof Scenario>;
