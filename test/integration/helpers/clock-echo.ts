/** A worker thread for worker-agent.test.ts: reads the shared clock (the offset it is given) when asked. */
import { parentPort, workerData } from 'node:worker_threads';
import { createSystemClock } from '../../../harness/clock.ts';

const clock = createSystemClock({ shareOffsetOf: (workerData as { offset: number }).offset });
parentPort?.on('message', () => parentPort?.postMessage({ readAt: clock.now() }));
