/**
 * `import … from 'callbench'`: play scenarios against an agent from code, as `callbench run`
 * does. startRun(plan, { clock }) plays a plan and is a stream of typed events; createRunFold
 * folds them and summarize turns the fold's outcome into the summary result.json holds.
 *
 * The reference agent is loaded on demand (loadReferenceAgentTarget): it needs the optional
 * packages openai and @deepgram/sdk, which a team measuring its own agent never installs.
 */
export { startRun, type Run, type RunOptions } from '../runner/start-run.ts';
export type { LoadPlan, PlannedScenario, RunPlan } from '../runner/run.ts';
export type { CallRecord, CallRef, RunEnd, RunEvent, RunInfo, RunResult } from '../runner/events.ts';
export type { AgentEnv, AgentExit, AgentStartOptions, AgentTarget, RunningAgent } from '../runner/agent-target.ts';
export { createProcessAgentTarget, AgentStartError, type ProcessAgentSettings } from '../runner/process-agent.ts';
export { createExternalAgentTarget, AgentUnreachableError } from '../runner/external-agent.ts';
export { createRunFold, foldRun, type RunFold, type RunOutcome, type ScenarioOutcome } from '../report/fold.ts';
export { summarize, type MetricSummary, type RunSummary, type SummaryOptions } from '../report/summary.ts';
export { evaluateThresholds, outcomeHistograms, type ThresholdResult } from '../gate/evaluate.ts';
export type { Threshold } from '../gate/thresholds.ts';
export { METRICS, type MetricName } from '../metrics/definitions.ts';
export { PROFILES, profileNames, type LatencyProfile } from '../mocks/profiles.ts';
export { createManualClock, createSystemClock, type Clock, type ManualClock } from '../clock.ts';
export { loadReferenceAgentTarget, MissingPackageError, type ReferenceAgentSettings } from './reference-agent.ts';
