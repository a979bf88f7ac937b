/**
 * The reference agent's worker thread (started by worker-agent.ts): builds the agent from its
 * workerData, listens on 127.0.0.1 port 0, posts every log event to the harness, and closes the
 * agent when told to stop. Its clock is the harness's (clock.ts shareOffsetOf), so the times it
 * stamps on its self-reports compare with the harness's measurements.
 *
 * This thread owns its `process` handlers, as agent/main.ts owns the agent process's: an error
 * nothing caught is reported as an `agent.unhandled_error` event and the other calls go on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createAgent, reportUnhandledErrors } from '../../agent/index.ts';
import { createSystemClock } from '../clock.ts';
import { fromWorker, type AgentWorkerData, type FromAgentWorker, type ToAgentWorker } from './agent-worker-messages.ts';
import { referenceAgentOptions } from './agent-design.ts';

const port = parentPort;
if (port === null) throw new Error('agent-worker.ts runs as a worker thread (worker-agent.ts starts it)');
const data = workerData as AgentWorkerData;
const post = (message: FromAgentWorker): void => port.postMessage(message);

const clock = createSystemClock({ shareOffsetOf: data.clockOffset });
const log = (event: Parameters<typeof fromWorker.log>[0]): void => post(fromWorker.log(event));
const agent = createAgent({ ...referenceAgentOptions({ ...data.settings, clock }, data.planted, data.env), log });
reportUnhandledErrors(process, log, clock);

port.on('message', (message: ToAgentWorker) => {
  if (message.type !== 'stop') return;
  void agent
    .close()
    .catch(() => undefined)
    .then(() => {
      post(fromWorker.stopped());
      // Nothing else keeps this thread's loop alive once the agent is closed: it ends on its own.
      port.close();
    });
});

try {
  const { url } = await agent.listen(0, '127.0.0.1');
  post(fromWorker.listening(url));
} catch (error) {
  post(fromWorker.startFailed(error instanceof Error ? error.message : String(error)));
  port.close();
}
