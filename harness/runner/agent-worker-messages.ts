/**
 * What the harness and the reference agent's worker thread (agent-worker.ts) tell each other, built
 * here and nowhere else. The worker's start data travels as `workerData`; the rest as messages.
 * Everything is plain data (structured clone): no functions, no clock.
 */
import type { AgentLogEvent } from '../../agent/log-events.ts';
import type { AgentEnv } from './agent-target.ts';
import type { PlantedFaults, ReferenceAgentSettings } from './agent-design.ts';

/** The agent's settings that can cross a thread: a clock and a log callback cannot. */
export type WorkerAgentSettings = Omit<ReferenceAgentSettings, 'clock' | 'onLog'>;

export interface AgentWorkerData {
  settings: WorkerAgentSettings;
  planted: PlantedFaults;
  env: AgentEnv;
  /** The harness thread's systemClockOffset(): the worker's clock reads the harness's (clock.ts). */
  clockOffset: number;
}

/** Harness → worker. */
export type ToAgentWorker = { type: 'stop' };

/** Worker → harness. */
export type FromAgentWorker =
  /** The agent listens: its base URL (http://127.0.0.1:PORT). */
  | { type: 'listening'; url: string }
  /** It could not start listening; the worker then ends. */
  | { type: 'start-failed'; message: string }
  /** One of the agent's log events, stamped on the shared clock. */
  | { type: 'log'; event: AgentLogEvent }
  /** The agent has closed every call and stopped serving, after `stop`; the worker then ends. */
  | { type: 'stopped' };

export const toWorker = {
  stop: (): ToAgentWorker => ({ type: 'stop' }),
};

export const fromWorker = {
  listening: (url: string): FromAgentWorker => ({ type: 'listening', url }),
  startFailed: (message: string): FromAgentWorker => ({ type: 'start-failed', message }),
  log: (event: AgentLogEvent): FromAgentWorker => ({ type: 'log', event }),
  stopped: (): FromAgentWorker => ({ type: 'stopped' }),
};
