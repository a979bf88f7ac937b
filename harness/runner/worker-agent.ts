/**
 * The reference agent in a worker thread of its own (the default target of `callbench run`): its
 * work (parsing frames, the SDKs' sockets, its timers) runs on another event loop than the one
 * that paces the caller's frames and serves the mocks, so the agent's load never delays the
 * harness's measurements. `--agent-in-process` (reference-agent.ts) keeps it on the harness's loop.
 *
 * One clock: the worker's clock is given this thread's offset (clock.ts shareOffsetOf), so the
 * times it stamps on its log events are readings of the harness's clock; its per-turn events
 * feed the self-reports (self-reports.ts) and `onLog` here, as the in-process agent's do.
 *
 * Nothing outlives it: stop() asks the agent to close (every call ended, every upstream closed),
 * then terminates the thread whatever it did; a start given up (the run stopped) terminates it at
 * once. A thread that ends before stop() (a crash) resolves `exited`, and the run stops on it.
 */
import type { AgentLogEvent } from '../../agent/log-events.ts';
import { createSystemClock, systemClockOffset } from '../clock.ts';
import type { AgentEnv, AgentExit, AgentStartOptions, AgentTarget, RunningAgent } from './agent-target.ts';
import { toWorker, type AgentWorkerData, type FromAgentWorker, type WorkerAgentSettings } from './agent-worker-messages.ts';
import { startModuleWorker } from './module-worker.ts';
import { describeReferenceAgent, type PlantedFaults, type ReferenceAgentSettings } from './agent-design.ts';
import { createSelfReportCollector } from './self-reports.ts';

/** How long stop() waits for the agent to close its calls before the thread is terminated. */
export const WORKER_STOP_GRACE_MS = 5_000;

/** The worker could not start the agent: the message says why. */
export class WorkerAgentStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerAgentStartError';
  }
}

/** The reference agent's settings, but its clock: the worker's clock is always the harness's system clock. `onLog` runs in this thread. */
export function createWorkerAgentTarget(settings: Omit<ReferenceAgentSettings, 'clock'> = {}, planted: PlantedFaults = {}): AgentTarget {
  const { onLog, ...shared } = settings;
  return {
    describe: () => describeReferenceAgent('worker thread', shared, planted),
    start: (env, options) => startWorkerAgent(shared, planted, env, onLog, options),
  };
}

async function startWorkerAgent(
  settings: WorkerAgentSettings,
  planted: PlantedFaults,
  env: AgentEnv,
  onLog: ((event: AgentLogEvent) => void) | undefined,
  options: AgentStartOptions = {},
): Promise<RunningAgent> {
  const data: AgentWorkerData = { settings, planted, env, clockOffset: systemClockOffset() };
  const worker = startModuleWorker(import.meta.url, 'agent-worker', { workerData: data, stdout: false, stderr: false });
  const reports = createSelfReportCollector();
  let stopping = false;
  let lastError = '';
  let resolveExited: (exit: AgentExit) => void = () => undefined;
  const exited = new Promise<AgentExit>((resolve) => (resolveExited = resolve));
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));

  const listening = new Promise<string>((resolve, reject) => {
    worker.on('message', (message: FromAgentWorker) => {
      switch (message.type) {
        case 'log':
          reports.observe(message.event);
          if (message.event.type === 'agent.unhandled_error') lastError = message.event.message;
          onLog?.(message.event);
          return;
        case 'listening':
          resolve(message.url);
          return;
        case 'start-failed':
          reject(new WorkerAgentStartError(`the reference agent's worker could not listen: ${message.message}`));
          return;
        case 'stopped':
          resolveStopped();
          return;
      }
    });
    worker.on('error', (error) => {
      lastError = error.stack?.split('\n').slice(0, 2).join(' ') ?? error.message;
      reject(new WorkerAgentStartError(`the reference agent's worker failed: ${error.message}`));
    });
    worker.on('exit', (code) => {
      resolveStopped();
      reject(new WorkerAgentStartError(`the reference agent's worker exited (code ${code}) before it listened`));
      if (!stopping) resolveExited({ how: `'s worker thread ended (exit code ${code})`, lastOutput: lastError });
    });
  });

  const terminate = async (): Promise<void> => {
    stopping = true;
    await worker.terminate();
  };
  const onAbort = (): void => void terminate();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let url: string;
  try {
    if (options.signal?.aborted === true) throw options.signal.reason;
    url = await listening;
  } catch (error) {
    await terminate();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }

  let stopCall: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopCall ??= (async () => {
      stopping = true;
      worker.postMessage(toWorker.stop());
      const grace = new AbortController();
      await Promise.race([stopped, createSystemClock().sleep(WORKER_STOP_GRACE_MS, grace.signal).catch(() => undefined)]);
      grace.abort();
      await worker.terminate();
    })());

  return { webhookUrl: `${url}/incoming-call`, stop, selfReports: (callSid) => reports.forCall(callSid), exited };
}
