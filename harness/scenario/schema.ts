/**
 * The scenario format: a call script for the fake caller, with the replies the mock LLM gives.
 * Steps are a tagged union on `type`.
 */
import { z } from 'zod';
import { Fault } from '../mocks/faults.ts';

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
  quietMs: z.number().int().min(100).max(10_000).default(800),
  /** The step fails when the agent has not finished a turn by then. */
  timeoutMs: z.number().int().min(1000).max(120_000).default(20_000),
});

export const WaitForAgentAudioStep = z.strictObject({
  type: z.literal('wait_for_agent_audio'),
  /** How much of the agent's current (or next) stretch of audio the caller hears first: the mid-sentence barge-in trigger. */
  playedMs: z.number().int().min(0).max(120_000),
  timeoutMs: z.number().int().min(1000).max(120_000).default(20_000),
});

export const DtmfStep = z.strictObject({
  type: z.literal('dtmf'),
  digits: z.string().regex(/^[0-9*#A-D]+$/, 'DTMF digits: 0-9, *, #, A-D'),
  gapMs: z.number().int().min(0).max(5000).default(150),
});

export const NoiseStep = z.strictObject({
  type: z.literal('noise'),
  ms: z.number().int().min(20).max(600_000),
  /** RMS level of the white noise in dBFS. */
  levelDb: z.number().min(-90).max(0).default(-35),
});

export const PauseStep = z.strictObject({
  type: z.literal('pause'),
  ms: z.number().int().min(0).max(600_000),
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
